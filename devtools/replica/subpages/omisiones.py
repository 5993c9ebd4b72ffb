"""accion=getInfoOT: tax returns the taxpayer failed to file (the result page's formInfoOmisionTributaria).

Sources: almost none. A public scraper (unnamed, "processors" package) reads only an h5 message
from this page; another (unnamed, Go) guesses a table Periodo | Tributo | Tipo de Declaración |
Fecha de Vencimiento and a "no registra" message. No source shows the page with data.

So nearly all of it is the replica's guess: the message wording, and the whole data variant
(marked GUESS in its HTML comment), given to about a sixth of the companies so that the
parser's table path is exercised. Persons and ``config.no_subpage_info`` get the message.
"""

from dataclasses import dataclass
from datetime import date

from devtools.replica import templates
from devtools.replica.subpages.common import SubPage, document, rng, says_no_information, table_rows
from devtools.replica.subpages.trabajadores import LAST_PERIOD, months_before

ACCION = "getInfoOT"
SUBJECT = "Omisiones Tributarias"
NO_INFORMATION = "El contribuyente no registra omisiones tributarias."
# (tributo, tipo de declaración): plausible pairs, with Latin-1 letters.
OBLIGATIONS = (
    ("IGV - CUENTA PROPIA", "PDT 621 IGV - RENTA MENSUAL"),
    ("RENTA - TERCERA CATEGORÍA", "DECLARACIÓN JURADA ANUAL"),
    ("RENTA - CUARTA CATEGORÍA RETENCIONES", "PDT 601 PLANILLA ELECTRÓNICA"),
    ("ESSALUD - SEGURO REGULAR", "PDT 601 PLANILLA ELECTRÓNICA"),
)


@dataclass(frozen=True)
class Omission:
    periodo: str  # "YYYY-MM"
    tributo: str
    tipo_declaracion: str
    fecha_vencimiento: date


def omissions(ruc):
    """The omissions of ``ruc``, oldest first: none for most."""
    random = rng(ACCION, ruc)
    if random.random() >= 0.17:
        return []
    backs = sorted(random.sample(range(1, 36), random.randint(1, 3)), reverse=True)
    result = []
    for back in backs:
        year, month = months_before(LAST_PERIOD, back)
        due_year, due_month = months_before((year, month), -1)  # due the month after the period
        tributo, tipo = random.choice(OBLIGATIONS)
        result.append(Omission(f"{year:04d}-{month:02d}", tributo, tipo,
                               date(due_year, due_month, random.randint(12, 22))))
    return result


def page(ruc, name, shown):
    """The (guessed) table of ``shown`` omissions, or the message if empty."""
    if not shown:
        content = templates.render("omisiones_message.html", message=NO_INFORMATION)
    else:
        rows = [(item.periodo, item.tributo, item.tipo_declaracion, f"{item.fecha_vencimiento:%d/%m/%Y}")
                for item in shown]
        content = templates.render("omisiones_table.html", rows=table_rows(rows))
    return document(SUBJECT, content, ruc=ruc, name=name, accion=ACCION)


def render(ruc, name, config, offered=True):
    return page(ruc, name, [] if says_no_information(ruc, config) else omissions(ruc))


PAGE = SubPage(
    accion=ACCION, form="formInfoOmisionTributaria", button_class="btnInfOmiTri", button_text="Omisiones Tributarias",
    ruc_first=True, applies=lambda ruc: True, render=render,
)
