"""accion=getInfoDC: debt in coercive collection sent to the credit bureaus (the result page's
formInfoDeudaCoactiva).

Sources for the page's structure: the headers "Monto de la Deuda | Período Tributario | Fecha de
Inicio de Cobranza Coactiva | Entidad Asociada a la Deuda", the bare-number amounts and the
sentence "No se ha remitido deuda en cobranza coactiva que corresponda al contribuyente
consultado." as a public scraper (unnamed, Playwright) read them on the live page;
pholguinc/webscraping-sunat app/scraper.py (div.table-responsive table.table, the message in
div.list-group-item div.col-sm-12) and JossMP/sunatphp src/ruc.php (four cells, dates d/m/Y).

The replica's guess: the periodo format (YYYYMM), the entidad values, the "actualizada al" line,
rows oldest first, and "S/ 1,234.56" amounts on some RUCs' pages (a client strips "S/"). Most
RUCs have no debt; about a quarter of the companies have 1 to 4 debts; persons and
``config.no_subpage_info`` none.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from devtools.replica import templates
from devtools.replica.subpages.common import SubPage, document, rng, says_no_information, table_rows
from devtools.replica.subpages.trabajadores import months_before

ACCION = "getInfoDC"
SUBJECT = "Deuda Coactiva remitida a Centrales de Riesgo"
NO_INFORMATION = "No se ha remitido deuda en cobranza coactiva que corresponda al contribuyente consultado."
# The date the page says its data is from; fixed so pages never depend on today.
UPDATED = date(2025, 12, 31)
ENTIDADES = ("SUNAT - TRIBUTOS INTERNOS", "ESSALUD", "ONP - OFICINA DE NORMALIZACIÓN PREVISIONAL")


@dataclass(frozen=True)
class Debt:
    cents: int
    periodo: str  # YYYYMM
    fecha_inicio: date
    entidad: str

    @property
    def monto(self):
        return self.cents / 100

    def amount_cell(self, with_currency):
        units, cents = divmod(self.cents, 100)
        return f"S/ {units:,}.{cents:02d}" if with_currency else f"{units}.{cents:02d}"


def debts(ruc):
    """The debts of ``ruc``, oldest first: none for most."""
    random = rng(ACCION, ruc)
    if random.random() >= 0.25:
        return []
    day = date(random.randint(2008, 2018), random.randint(1, 12), random.randint(1, 28))
    result = []
    for _ in range(random.randint(1, 4)):
        day += timedelta(days=random.randint(20, 700))
        # The period owed ends 2 to 24 months before the collection starts.
        year, month = months_before((day.year, day.month), random.randint(2, 24))
        cents = random.choice((random.randint(5_000, 99_999), random.randint(100_000, 99_999_999)))
        result.append(Debt(cents, f"{year:04d}{month:02d}", day, random.choice(ENTIDADES)))
    return result


def shows_currency(ruc):
    """Whether the page of ``ruc`` writes amounts as "S/ 1,234.56" instead of "1234.56"."""
    return rng(ACCION + ":S/", ruc).random() < 0.3


def page(ruc, name, shown, with_currency=False):
    """The table of ``shown`` debts, or the "no debt" message if empty."""
    updated = f"{UPDATED:%d/%m/%Y}"
    if not shown:
        content = templates.render("deuda_coactiva_message.html", updated=updated, message=NO_INFORMATION)
    else:
        rows = [(debt.amount_cell(with_currency), debt.periodo, f"{debt.fecha_inicio:%d/%m/%Y}", debt.entidad)
                for debt in shown]
        content = templates.render("deuda_coactiva_table.html", updated=updated, rows=table_rows(rows))
    return document(SUBJECT, content, ruc=ruc, name=name, accion=ACCION)


def render(ruc, name, config, offered=True):
    shown = [] if says_no_information(ruc, config) else debts(ruc)
    return page(ruc, name, shown, with_currency=shows_currency(ruc))


PAGE = SubPage(
    accion=ACCION, form="formInfoDeudaCoactiva", button_class="btnInfDeuCoa", button_text="Deuda Coactiva",
    ruc_first=True, applies=lambda ruc: True, render=render,
)
