"""The getActCPF section (facturas físicas: autorizaciones y bajas): its declaration and parse_facturas_fisicas."""

import re

from sunat.jsonschema import DATE_TEXT, nullable, obj, ref
from sunat.upstream.parser.common import parse_date, parse_html
from sunat.upstream.parser.section import Section
from sunat.upstream.parser.tables import is_message_row, require_no_information, section_rows, section_value

# Two tables, told apart by their headers' words ("Último Nro Autorización | Fecha de Última
# Autorización | Comprobante | Serie | del | al" and "Nro Orden | Fecha de baja y/o cancelación |
# Comprobante | Serie | del | al"): only the first names an autorización, only the second an
# orden. For each column the first field with a word in the header wins, so "Fecha de Última
# Autorización" is a date before it is an autorización.
_RANGE_COLUMNS = (
    ("comprobante", {"COMPROBANTE", "COMPROBANTES", "DOCUMENTO"}),
    ("serie", {"SERIE"}),
    ("numeroDesde", {"DEL", "DESDE", "INICIAL", "INICIO"}),
    ("numeroHasta", {"AL", "HASTA", "FINAL", "FIN"}),
)
AUTORIZACION_COLUMNS = (
    ("fechaAutorizacion", {"FECHA"}),
    ("numeroAutorizacion", {"AUTORIZACION", "AUTORIZACIONES"}),
    *_RANGE_COLUMNS,
)
BAJA_COLUMNS = (
    ("fechaBaja", {"FECHA"}),
    ("numeroOrden", {"ORDEN"}),
    *_RANGE_COLUMNS,
)
AUTORIZACION_FIELDS = ("numeroAutorizacion", "fechaAutorizacion", "comprobante", "serie", "numeroDesde", "numeroHasta")
BAJA_FIELDS = ("numeroOrden", "fechaBaja", "comprobante", "serie", "numeroDesde", "numeroHasta")
_FACTURAS_SUBJECT_RE = re.compile(r"\b(?:FACTURAS?|COMPROBANTES?)\s+FISIC[AO]S?\b")


def parse_facturas_fisicas(html):
    """
    Parse a getActCPF page into {"autorizaciones": [...], "bajas": [...]}, each
    list in page order, dates YYYY-MM-DD or None. A table SUNAT leaves with its
    "No hay Información" row, or leaves out, is []; a page with neither table
    nor a "no information" message raises ParseError.
    """
    doc = parse_html(html)
    autorizaciones = section_rows(doc, AUTORIZACION_COLUMNS, required={"numeroAutorizacion", "fechaAutorizacion"})
    bajas = section_rows(doc, BAJA_COLUMNS, required={"numeroOrden", "fechaBaja"})
    if autorizaciones is None and bajas is None:
        require_no_information(doc, html, _FACTURAS_SUBJECT_RE, "facturas físicas")
    return {
        "autorizaciones": _items(autorizaciones, AUTORIZACION_FIELDS, "fechaAutorizacion"),
        "bajas": _items(bajas, BAJA_FIELDS, "fechaBaja"),
    }


def _items(rows, fields, date_field):
    items = []
    for values in rows or ():
        if is_message_row(values):
            continue
        item = {field: section_value(values.get(field)) for field in fields}
        item[date_field] = parse_date(values.get(date_field))
        items.append(item)
    return items


def _range(first, first_text, date, date_text):
    """An item's properties: its own number and date, then the comprobante's range."""
    return {
        first: nullable("string", first_text),
        date: nullable("string", f"{DATE_TEXT} {date_text}", format="date"),
        "comprobante": nullable("string", "Tipo de comprobante (FACTURA, BOLETA DE VENTA...)."),
        "serie": nullable("string", "Serie."),
        "numeroDesde": nullable("string", "Primer número del rango (tal como lo muestra SUNAT)."),
        "numeroHasta": nullable("string", "Último número del rango (tal como lo muestra SUNAT)."),
    }


_DESCRIPTION = (
    "Comprobantes físicos (de imprenta): las últimas autorizaciones de impresión y los dados de baja o "
    "cancelados; cada lista vacía si SUNAT no tiene información."
)

SECTION = Section(
    name="facturas-fisicas", key="facturasFisicas", title="Facturas físicas", accion="getActCPF",
    form_name="formActCPF", parse=parse_facturas_fisicas, answer_schema="RespuestaFacturasFisicas",
    schemas={
        "AutorizacionFacturaFisica": obj(
            _range("numeroAutorizacion", "Número de la última autorización de impresión.",
                   "fechaAutorizacion", "de la última autorización."),
            "Una autorización de impresión de comprobantes físicos.",
        ),
        "BajaFacturaFisica": obj(
            _range("numeroOrden", "Número de orden.", "fechaBaja", "de la baja o cancelación."),
            "Un rango de comprobantes físicos dado de baja o cancelado.",
        ),
    },
    value_schema=obj({
        "autorizaciones": {"type": "array", "items": ref("AutorizacionFacturaFisica"),
                           "description": "Autorizaciones de impresión; lista vacía si no hay."},
        "bajas": {"type": "array", "items": ref("BajaFacturaFisica"),
                  "description": "Comprobantes dados de baja o cancelados; lista vacía si no hay."},
    }, _DESCRIPTION),
    description=_DESCRIPTION,
    empty=lambda: {"autorizaciones": [], "bajas": []},
)
