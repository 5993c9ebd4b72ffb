"""accion=getActCPF: physical (printed) invoices, authorised and cancelled (the result page's formActCPF).

Structure as a public Go scraper (unnamed, go-rod; the only source that parses this page) reads
it: two table.table, "Facturas autorizadas" (Último Nro Autorización | Fecha de Última
Autorización | Comprobante | Serie | del | al) and "Facturas dadas de baja y/o canceladas" (Nro
Orden | Fecha de baja y/o cancelación | Comprobante | Serie | del | al), its comments quoting the
headers; "NE" may fill the first cell; an empty table keeps one row whose one cell says "No hay
Información". The replica's guesses: the captions' markup, the number formats and the values.
Companies get 0 to 4 authorisations and 0 to 2 cancellations; persons and
``config.no_subpage_info`` two empty tables.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from devtools.replica import templates
from devtools.replica.subpages.common import SubPage, document, message_row, rng, says_no_information, table_rows

ACCION = "getActCPF"
SUBJECT = "Facturas Físicas"
COLUMNS = 6
# One entity and one literal Latin-1 letter, like SUNAT's mix.
NO_AUTHORISATIONS = "No hay Informaci&oacute;n"
NO_CANCELLATIONS = "No hay Información"
COMPROBANTES = (
    "FACTURA", "BOLETA DE VENTA", "NOTA DE CRÉDITO", "NOTA DE DÉBITO", "GUÍA DE REMISIÓN - REMITENTE",
    "LIQUIDACIÓN DE COMPRA",
)


@dataclass(frozen=True)
class Range:
    """One row: its own number (autorización or orden; "NE" where SUNAT gives none) and date, then a range."""

    numero: str
    fecha: date
    comprobante: str
    serie: str
    desde: int
    hasta: int

    def cells(self):
        return (self.numero, f"{self.fecha:%d/%m/%Y}", self.comprobante, self.serie, str(self.desde), str(self.hasta))


@dataclass(frozen=True)
class Invoices:
    autorizaciones: list
    bajas: list


def invoices(ruc):
    """The RUC's authorisations (oldest first) and the ranges it cancelled out of them."""
    random = rng(ACCION, ruc)
    autorizaciones = sorted((_authorisation(random) for _ in range(random.randint(0, 4))), key=lambda r: r.fecha)
    bajas = [_cancellation(random, random.choice(autorizaciones))
             for _ in range(random.randint(0, 2) if autorizaciones else 0)]
    return Invoices(autorizaciones, bajas)


def _authorisation(random):
    start = random.randint(0, 40) * 500 + 1
    return Range(
        numero="NE" if random.random() < 0.1 else f"{random.randrange(10**9, 10**10)}",
        fecha=date(random.randint(2005, 2022), random.randint(1, 12), random.randint(1, 28)),
        comprobante=random.choice(COMPROBANTES),
        serie=f"{random.randint(1, 20):04d}",
        desde=start,
        hasta=start + random.choice((99, 499, 999)),
    )


def _cancellation(random, authorised):
    start = random.randint(authorised.desde, authorised.hasta)
    return Range(
        numero=f"{random.randrange(10**5, 10**6)}",
        fecha=authorised.fecha + timedelta(days=random.randint(30, 1500)),
        comprobante=authorised.comprobante,
        serie=authorised.serie,
        desde=start,
        hasta=random.randint(start, authorised.hasta),
    )


def page(ruc, name, shown):
    """Both tables; an empty one keeps its "no information" row."""
    content = templates.render(
        "facturas_fisicas_tables.html",
        autorizaciones=_rows(shown.autorizaciones, NO_AUTHORISATIONS),
        bajas=_rows(shown.bajas, NO_CANCELLATIONS),
    )
    return document(SUBJECT, content, ruc=ruc, name=name, accion=ACCION)


def _rows(ranges, no_information):
    return table_rows(item.cells() for item in ranges) if ranges else message_row(no_information, COLUMNS)


def render(ruc, name, config, offered=True):
    return page(ruc, name, Invoices([], []) if says_no_information(ruc, config) else invoices(ruc))


PAGE = SubPage(
    accion=ACCION, form="formActCPF", button_class="btnInfActCPF", button_text="Facturas Fisicas",
    ruc_first=False, applies=lambda ruc: True, render=render,
)
