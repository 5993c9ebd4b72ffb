"""The result panel of a consPorRuc page: finding it and pairing its labels with their value columns."""

import unicodedata

from lxml import etree

from sunat.upstream.parser.common import HAS_CLASS, collapse, element_text

_PANELS = etree.XPath(
    "//div[{} and {}]".format(HAS_CLASS.format("panel"), HAS_CLASS.format("panel-primary"))
)
_ROWS = etree.XPath(".//div[{}]".format(HAS_CLASS.format("row")))
_COLUMNS = etree.XPath("./div")
_HEADING = etree.XPath(".//h4[{}]".format(HAS_CLASS.format("list-group-item-heading")))

# Normalized label (see _normalize_label) -> field. "Comprobantes de Pago
# c/aut. de impresión (F. 806 u 816)" is matched on its prefix instead.
LABELS = {
    "numero de ruc": "ruc",
    "tipo contribuyente": "tipoContribuyente",
    "tipo de documento": "tipoDocumento",
    "nombre comercial": "nombreComercial",
    "fecha de inscripcion": "fechaInscripcion",
    "fecha de inicio de actividades": "fechaInicioActividades",
    "estado del contribuyente": "estado",
    "estado": "estado",
    "condicion del contribuyente": "condicion",
    "condicion": "condicion",
    "domicilio fiscal": "direccion",
    "direccion del domicilio fiscal": "direccion",
    "sistema emision de comprobante": "sistemaEmision",
    "actividad comercio exterior": "actividadComercioExterior",
    "sistema contabilidad": "sistemaContabilidad",
    "sistema contabilidiad": "sistemaContabilidad",  # SUNAT's own typo (2021)
    "actividad(es) economica(s)": "actividadesEconomicas",
    "sistema de emision electronica": "sistemaEmisionElectronica",
    "emisor electronico desde": "emisorElectronicoDesde",
    "comprobantes electronicos": "comprobantesElectronicos",
    "afiliado al ple desde": "afiliadoPleDesde",
    "padrones": "padrones",
    "fecha de baja": "fechaBaja",
}
COMPROBANTES_PAGO_PREFIX = "comprobantes de pago"


def _normalize_label(text):
    text = unicodedata.normalize("NFKD", collapse(text))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return text.rstrip(":").strip().casefold()


def _field_for_label(label):
    normalized = _normalize_label(label)
    if normalized.startswith(COMPROBANTES_PAGO_PREFIX):
        return "comprobantesPago"
    return LABELS.get(normalized)


def labelled_values(panel):
    """
    Yield (field, value column) for every known label of the panel. Within a
    row, each heading column is paired with the column that follows it, which
    covers both the 5/7 rows and the paired 3/3/3/3 rows.
    """
    for row in _ROWS(panel):
        field = None
        expecting_value = False
        for column in _COLUMNS(row):
            if expecting_value:
                if field is not None:
                    yield field, column
                expecting_value = False
                continue
            headings = _HEADING(column)
            if headings:  # Columns without a heading (e.g. notices) are skipped.
                field = _field_for_label(element_text(headings[0]))
                expecting_value = True


def result_panel(doc):
    """The first div.panel.panel-primary holding a "Número de RUC" row."""
    if doc is None:
        return None
    for panel in _PANELS(doc):
        if any(field == "ruc" for field, _ in labelled_values(panel)):
            return panel
    return None
