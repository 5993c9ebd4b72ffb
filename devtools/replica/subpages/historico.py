"""accion=getinfHis: the taxpayer's history (the result page's forminfoHist).

Sources for the page's structure: rafram96/InfoObras src/scraping/sunat.py (three tables, always
in this order: Nombre o Razón Social | Fecha de Baja, Condición del Contribuyente | Fecha Desde |
Fecha Hasta, Dirección del Domicilio Fiscal | Fecha de Baja; a table without data keeps one row
"No hay Información"; "-" is an open end; addresses sometimes start with dashes), with
pholguinc/webscraping-sunat app/scraper.py and public scrapers (unnamed) telling the tables apart
by header and reading them from div.table-responsive > table.table.

The replica's guess: the values, their order (oldest first), the filler cells next to "No hay
Información". Companies get RUC-derived variants: some with past names, conditions and
addresses, some with only a few, about a quarter with every table empty; persons and
``config.no_subpage_info`` get every table empty.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise

from devtools.replica import templates
from devtools.replica.subpages.common import SubPage, document, rng, says_no_information, table_rows
from devtools.replica.subpages.establecimientos import DISTRICTS, STREETS

ACCION = "getinfHis"
SUBJECT = "Información Histórica"
NAME_PREFIXES = ("INVERSIONES", "COMERCIAL", "CORPORACIÓN", "DISTRIBUIDORA", "SERVICIOS GENERALES")
NAME_CORES = ("ÑANDÚ", "PEÑA & ASOCIADOS", "LOS ANDES DEL PERÚ", "SEÑOR DE LUREN", "HUÁSCAR", "MUÑOZ")
NAME_FORMS = ("S.A.C.", "S.R.L.", "E.I.R.L.", "S.A.")
# The values a public client saw in this history.
CONDICIONES = ("HABIDO", "NO HABIDO", "NO HALLADO", "PENDIENTE", "POR VERIFICAR")
# How each empty table's single row looks (cells as HTML): a message alone or with "-" fillers.
NO_INFORMATION_ROWS = {
    "razones": ("No hay Información", "-"),
    "condiciones": ("No hay Informaci&oacute;n", "-", "-"),
    "domicilios": ('<td colspan="2">No hay Información</td>',),
}


@dataclass(frozen=True)
class PastName:
    razon_social: str
    fecha_baja: date | None


@dataclass(frozen=True)
class PastCondition:
    condicion: str
    desde: date | None  # None: "-", an open start
    hasta: date | None  # None: "-", an open end


@dataclass(frozen=True)
class PastAddress:
    direccion: str
    fecha_baja: date | None
    dashes: str  # what SUNAT sometimes puts before the address ("----")


@dataclass(frozen=True)
class History:
    razones_sociales: list = field(default_factory=list)
    condiciones: list = field(default_factory=list)
    domicilios: list = field(default_factory=list)


def history(ruc):
    """The history of ``ruc``: about a quarter of the RUCs have none at all."""
    random = rng(ACCION, ruc)
    if random.random() < 0.25:
        return History()
    start = date(random.randint(1994, 2012), random.randint(1, 12), random.randint(1, 28))
    return History(_names(random, start), _conditions(random, start), _addresses(random, start))


def _dates(random, start, count):
    """``count`` increasing dates after ``start``."""
    result, day = [], start
    for _ in range(count):
        day += timedelta(days=random.randint(30, 1500))
        result.append(day)
    return result


def _names(random, start):
    count = random.choice((0, 1, 1, 2, 3))
    return [PastName(f"{random.choice(NAME_PREFIXES)} {random.choice(NAME_CORES)} {random.choice(NAME_FORMS)}",
                     None if random.random() < 0.1 else baja)
            for baja in _dates(random, start, count)]


def _conditions(random, start):
    count = random.choice((0, 1, 2, 3, 4))
    bounds = [start, *_dates(random, start, count)]
    rows = [PastCondition(random.choice(CONDICIONES), desde, hasta) for desde, hasta in pairwise(bounds)]
    if rows and random.random() < 0.3:
        rows[0] = PastCondition(rows[0].condicion, None, rows[0].hasta)
    if rows and random.random() < 0.2:
        rows[-1] = PastCondition(rows[-1].condicion, rows[-1].desde, None)
    return rows


def _addresses(random, start):
    count = random.choice((0, 1, 1, 2))
    result = []
    for baja in _dates(random, start, count):
        departamento, provincia, distrito, _ = random.choice(DISTRICTS)
        direccion = (f"{random.choice(STREETS)} NRO. {random.randint(100, 2999)} "
                     f"{departamento} - {provincia} - {distrito}")
        result.append(PastAddress(direccion, baja, random.choice(("", "", "", "----"))))
    return result


def _day(value):
    return "-" if value is None else f"{value:%d/%m/%Y}"


def _table(headers, rows, empty_row, note=""):
    header_cells = "\n".join(f"{' ' * 44}<th>{header}</th>" for header in headers)
    if rows:
        body = table_rows(rows)
    else:
        cells = "".join(cell if cell.startswith("<td") else f"<td>{cell}</td>" for cell in empty_row)
        body = f"{' ' * 40}<tr>{cells}</tr>"
    return templates.render("historico_table.html", note=note, headers=header_cells, rows=body)


def page(ruc, name, shown):
    """The three tables of ``shown`` (a History); an empty one says "No hay Información"."""
    content = "\n".join((
        _table(("Nombre o Raz&oacute;n Social", "Fecha de Baja"),
               [(item.razon_social, _day(item.fecha_baja)) for item in shown.razones_sociales],
               NO_INFORMATION_ROWS["razones"], note=templates.render("historico_note.html").rstrip()),
        _table(("Condición del Contribuyente", "Fecha Desde", "Fecha Hasta"),
               [(item.condicion, _day(item.desde), _day(item.hasta)) for item in shown.condiciones],
               NO_INFORMATION_ROWS["condiciones"]),
        _table(("Direcci&oacute;n del Domicilio Fiscal", "Fecha de Baja"),
               [(item.dashes + item.direccion, _day(item.fecha_baja)) for item in shown.domicilios],
               NO_INFORMATION_ROWS["domicilios"]),
    ))
    return document(SUBJECT, content, ruc=ruc, name=name, accion=ACCION)


def render(ruc, name, config, offered=True):
    return page(ruc, name, History() if says_no_information(ruc, config) else history(ruc))


PAGE = SubPage(
    accion=ACCION, form="forminfoHist", button_class="btnInfHis", button_text="Informaci&oacute;n Hist&oacute;rica",
    ruc_first=True, applies=lambda ruc: True, render=render,
)
