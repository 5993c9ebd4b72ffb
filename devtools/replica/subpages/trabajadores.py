"""accion=getCantTrab: workers per period (the result page's formNumTrabajd).

Columns as public clients read them (Periodo | N° de Trabajadores | N° de Pensionistas | N° de
Prestadores de Servicio); the "no information" text "No existen declaraciones presentadas" in an
h5 is what one of them looks for. Companies get 1 to 12 monthly periods, oldest first (the clients
take the newest from the last row); persons and ``config.no_subpage_info`` the "no information"
variant.
"""

from dataclasses import dataclass

from devtools.replica import templates
from devtools.replica.subpages.common import SubPage, document, message, rng, says_no_information, table_rows

ACCION = "getCantTrab"
SUBJECT = "Cantidad de Trabajadores y/o Prestadores de Servicio"
NO_INFORMATION = "No existen declaraciones presentadas"
# The newest period a replica company has declared; fixed so pages never depend on today.
LAST_PERIOD = (2025, 12)


@dataclass(frozen=True)
class WorkerPeriod:
    year: int
    month: int
    # Cell texts as shown: digits, or "NE" / "-" where SUNAT gives no count.
    trabajadores: str
    pensionistas: str
    prestadores: str

    @property
    def periodo(self):
        return f"{self.year:04d}-{self.month:02d}"


def worker_periods(ruc):
    """1 to 12 consecutive monthly periods ending at LAST_PERIOD, oldest first."""
    random = rng(ACCION, ruc)
    count = random.randint(1, 12)
    staff = random.randint(1, 250)
    periods = []
    for back in reversed(range(count)):
        year, month = months_before(LAST_PERIOD, back)
        staff = max(0, staff + random.randint(-5, 5))
        periods.append(WorkerPeriod(
            year, month,
            trabajadores=_count_cell(random, staff, missing=0.05),
            pensionistas=_count_cell(random, random.choice((0, 0, 0, 1, 2)), missing=0.15),
            prestadores=_count_cell(random, random.randint(0, 40), missing=0.15),
        ))
    return periods


def months_before(period, months):
    year, month = period
    index = year * 12 + (month - 1) - months
    return index // 12, index % 12 + 1


def _count_cell(random, value, missing):
    """The count as a cell text; now and then "NE" (no especificado) or "-" instead."""
    roll = random.random()
    if roll < missing / 2:
        return "NE"
    if roll < missing:
        return "-"
    return str(value)


def page(ruc, name, periods):
    """Workers per period, or the "no information" page if empty."""
    if not periods:
        content = message(NO_INFORMATION)
    else:
        rows = [(p.periodo, p.trabajadores, p.pensionistas, p.prestadores) for p in periods]
        content = templates.render("cant_trab_table.html", rows=table_rows(rows))
    return document(SUBJECT, content, ruc=ruc, name=name, accion=ACCION)


def render(ruc, name, config, offered=True):
    return page(ruc, name, [] if says_no_information(ruc, config) else worker_periods(ruc))


PAGE = SubPage(
    accion=ACCION, form="formNumTrabajd", button_class="btnInfNumTra",
    button_text="Cantidad de Trabajadores y/o Prestadores de Servicio", ruc_first=True,
    applies=lambda ruc: True, render=render,
)
