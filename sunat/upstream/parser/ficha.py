"""The consPorRuc result page (the ficha): FIELDS, parse_ruc_page and the field-by-field reading of its values."""

import re

from lxml import etree

from sunat.ubigeo import ubigeo_for
from sunat.upstream.parser.common import (
    DATE_RE,
    TEXT_NODES,
    ParseError,
    clean,
    collapse,
    element_text,
    fold,
    parse_date,
    parse_html,
)
from sunat.upstream.parser.panel import labelled_values, result_panel

FIELDS = (
    "ruc", "razonSocial", "nombreComercial", "tipoContribuyente", "tipoDocumento", "numeroDocumento",
    "estado", "condicion", "fechaInscripcion", "fechaInicioActividades", "fechaBaja",
    "direccion", "departamento", "provincia", "distrito", "ubigeo", "sistemaEmision",
    "actividadComercioExterior", "sistemaContabilidad", "actividadesEconomicas",
    "comprobantesPago", "sistemaEmisionElectronica", "emisorElectronicoDesde",
    "comprobantesElectronicos", "afiliadoPleDesde", "padrones",
)
LIST_FIELDS = {
    "actividadesEconomicas", "comprobantesPago", "sistemaEmisionElectronica",
    "comprobantesElectronicos", "padrones",
}
DATE_FIELDS = {"fechaInscripcion", "fechaInicioActividades", "emisorElectronicoDesde", "afiliadoPleDesde"}
LINE_LIST_FIELDS = {"comprobantesPago", "sistemaEmisionElectronica", "padrones"}
TEXT_FIELDS = {
    "nombreComercial", "tipoContribuyente", "direccion", "sistemaEmision", "actividadComercioExterior",
    "sistemaContabilidad",
}
# SUNAT's condiciones del domicilio fiscal (its code table, quoted alike by many public
# integrations of SUNAT's services). A NO HABIDO ficha follows the value with a notice
# ("Deberá declarar el nuevo domicilio fiscal o confirmar..."): the value is what matches here.
CONDICIONES = (
    "HABIDO", "NO HALLADO SE MUDO DE DOMICILIO", "NO HALLADO FALLECIO", "NO HALLADO NO EXISTE DOMICILIO",
    "NO HALLADO CERRADO", "NO HALLADO NRO.PUERTA NO EXISTE", "NO HALLADO DESTINATARIO DESCONOCIDO",
    "NO HALLADO RECHAZADO", "NO HALLADO OTROS MOTIVOS", "PENDIENTE", "NO APLICABLE", "POR VERIFICAR",
    "NO HABIDO", "NO HALLADO", "NO EXISTE LA DIRECCION DECLARADA", "DOMICILIO CERRADO",
    "NEGATIVA RECEPCION X PERSONA CAPAZ", "AUSENCIA DE PERSONA CAPAZ", "NO APLICABLE X TRAMITE DE REVERSION",
    "DEVUELTO",
)
_CONDICIONES_LONGEST_FIRST = sorted(CONDICIONES, key=len, reverse=True)
# A document number after a type of several words: the last word before " - NAME", with a digit.
_DOCUMENT_NUMBER_RE = re.compile(r"[0-9A-Z-]*\d[0-9A-Z-]*")

_SEPARATOR_RE = re.compile(r"\s+-\s+")
# Where the estado ends: a "Fecha de Baja" caption or the date itself.
_ESTADO_END_RE = re.compile(r"\s*(?:fecha\s+de\s+baja\b|\d{1,2}/\d{1,2}/\d{4})", re.IGNORECASE)
# Commas inside "(desde ...)" never split an item.
_ITEM_SPLIT_RE = re.compile(r"\s*,\s*(?![^()]*\))")
_DESDE_RE = re.compile(r"(?P<tipo>.*?)\s*\(\s*desde\s*(?P<fecha>[^)]*)\)", re.IGNORECASE)
_CELLS = etree.XPath(".//td")
_FORM_NAMES = etree.XPath("//form/@name")

DEPARTAMENTOS = (
    "AMAZONAS", "ANCASH", "APURIMAC", "AREQUIPA", "AYACUCHO", "CAJAMARCA",
    "PROV. CONST. DEL CALLAO", "CALLAO", "CUSCO", "HUANCAVELICA", "HUANUCO", "ICA",
    "JUNIN", "LA LIBERTAD", "LAMBAYEQUE", "LIMA", "LORETO", "MADRE DE DIOS", "MOQUEGUA",
    "PASCO", "PIURA", "PUNO", "SAN MARTIN", "TACNA", "TUMBES", "UCAYALI",
)
# Longest first, so "PROV. CONST. DEL CALLAO" wins over "CALLAO".
_DEPARTAMENTOS_LONGEST_FIRST = sorted(DEPARTAMENTOS, key=len, reverse=True)


def parse_ruc_page(html):
    """
    Parse a consPorRuc result page into the API dict (see FIELDS for the
    keys and their order). Raise ParseError when there is no result panel.
    """
    return read_ruc_page(html)[0]


def read_ruc_page(html):
    """(parse_ruc_page's dict, the names of the page's forms), the page parsed once. SUNAT shows a
    section's form (and its button) only when the section applies to the taxpayer (no formLocAnex
    without establishments)."""
    doc = parse_html(html)
    return _parse_document(doc), _form_names(doc)


def page_forms(html):
    """The names of the forms a page holds (read_ruc_page's second half, for any page)."""
    return _form_names(parse_html(html))


def _form_names(doc):
    return set() if doc is None else {str(name) for name in _FORM_NAMES(doc)}


def _parse_document(doc):
    panel = result_panel(doc)
    if panel is None:
        raise ParseError("No RUC result panel in the page.")
    result = _empty_result()
    for field, column in labelled_values(panel):
        _fill(result, field, column)
    if result["ruc"] is None:
        raise ParseError("The result panel has an empty RUC row.")
    result["departamento"], result["provincia"], result["distrito"] = split_address(result["direccion"])
    # INEI's code for the district named there; None when SUNAT withholds the address.
    result["ubigeo"] = ubigeo_for(result["departamento"], result["provincia"], result["distrito"])
    return result


def upgrade(data):
    """A ficha answer stored by an older version, with what today's parser would have given:
    the ubigeo, the document split in type and number, the condición without SUNAT's notice."""
    data = dict(data)
    if "ubigeo" not in data:
        data["ubigeo"] = ubigeo_for(data.get("departamento"), data.get("provincia"), data.get("distrito"))
    if "numeroDocumento" not in data:
        data["tipoDocumento"], data["numeroDocumento"] = split_documento(data.get("tipoDocumento"))
        data["condicion"] = _known_condicion(data.get("condicion")) or data.get("condicion")
    return data


def is_current(data):
    """Whether a stored ficha answer has every field today's parser gives (else: upgrade it)."""
    return "ubigeo" in data and "numeroDocumento" in data


def _empty_result():
    return {field: [] if field in LIST_FIELDS else None for field in FIELDS}


def _fill(result, field, column):
    if field == "ruc":
        parts = _SEPARATOR_RE.split(element_text(column), maxsplit=1)
        result["ruc"] = clean(parts[0])
        result["razonSocial"] = clean(parts[1]) if len(parts) > 1 else None
    elif field == "tipoDocumento":
        result["tipoDocumento"], result["numeroDocumento"] = split_documento(element_text(column))
    elif field == "condicion":
        result["condicion"] = parse_condicion(column)
    elif field == "estado":
        result["estado"], fecha_baja = split_estado(element_text(column))
        result["fechaBaja"] = result["fechaBaja"] or fecha_baja
    elif field == "fechaBaja":
        # An explicit "Fecha de Baja" row beats a date found in the estado cell.
        result["fechaBaja"] = parse_date(element_text(column)) or result["fechaBaja"]
    elif field in DATE_FIELDS:
        result[field] = parse_date(element_text(column))
    elif field == "actividadesEconomicas":
        result[field] = [parse_actividad(line) for line in _lines(column)]
    elif field == "comprobantesElectronicos":
        result[field] = parse_comprobantes_electronicos(element_text(column))
    elif field in LINE_LIST_FIELDS:
        result[field] = _lines(column)
    elif field in TEXT_FIELDS:
        result[field] = clean(element_text(column))


def _lines(column):
    """One string per table cell; a column without a table is a single line."""
    cells = _CELLS(column)
    texts = [element_text(cell) for cell in cells] if cells else [element_text(column)]
    return [text for text in (clean(text) for text in texts) if text is not None]


def split_estado(text):
    """
    Split an estado cell into (estado, fechaBaja). The cell may hold the
    estado followed by "Fecha de Baja: dd/mm/yyyy" or a bare date.
    """
    text = clean(text)
    if text is None:
        return None, None
    match = _ESTADO_END_RE.search(text)
    if match is None:
        return text, None
    date_match = DATE_RE.search(text, match.start())
    fecha_baja = parse_date(date_match.group(0)) if date_match else None
    return clean(text[:match.start()]), fecha_baja


def split_documento(text):
    """Split a person's "DNI 07654321 - APELLIDOS, NOMBRES" into ("DNI", "07654321") (the name is
    razonSocial already); a cell without a number is all type: (text, None)."""
    text = clean(text)
    if text is None:
        return None, None
    head = _SEPARATOR_RE.split(text, maxsplit=1)[0]
    words = head.split()
    # "TYPE NUMBER", or a longer type ("CARNET EXT.") before a number with a digit in it.
    if len(words) == 2 or (len(words) > 2 and _DOCUMENT_NUMBER_RE.fullmatch(words[-1])):
        return " ".join(words[:-1]), words[-1]
    return head, None


def parse_condicion(column):
    """The condición itself, without the notice SUNAT may write after it (NO HABIDO's "Deberá
    declarar..."): a known condición the cell starts with, else the cell's first line."""
    lines = [line for line in (clean(node) for node in TEXT_NODES(column)) if line is not None]
    if not lines:
        return None
    return _known_condicion(lines[0]) or lines[0]


def _known_condicion(text):
    """The known condición `text` starts with (as written there), or None."""
    if not text:
        return None
    folded = fold(text)
    for condicion in _CONDICIONES_LONGEST_FIRST:
        if folded.startswith(condicion) and not folded[len(condicion):len(condicion) + 1].isalnum():
            return text[:len(condicion)]
    return None


def parse_actividad(line):
    """Split "Principal - 6202 - DESC" into {"tipo", "ciiu", "descripcion"}."""
    parts = _SEPARATOR_RE.split(collapse(line), maxsplit=2)
    parts += [None] * (3 - len(parts))
    tipo, ciiu, descripcion = (clean(part) for part in parts)
    return {"tipo": tipo, "ciiu": ciiu, "descripcion": descripcion}


def parse_comprobantes_electronicos(text):
    """Turn "FACTURA (desde 23/03/2015),BOLETA (desde ...)" into [{"tipo", "desde"}, ...]."""
    text = clean(text)
    if text is None:
        return []
    items = []
    for item in _ITEM_SPLIT_RE.split(text):
        item = clean(item)
        if item is None:
            continue
        match = _DESDE_RE.fullmatch(item)
        if match:
            items.append({"tipo": clean(match.group("tipo")), "desde": parse_date(match.group("fecha"))})
        else:
            items.append({"tipo": item, "desde": None})
    return items


# The address tail ------------------------------------------------------------

def split_address(direccion):
    """
    (departamento, provincia, distrito) from the tail of a fiscal address:
    "... HUANUCO - LEONCIO PRADO - RUPA-RUPA". All None when the address
    doesn't have that shape; better no answer than a wrong one.
    """
    if not direccion:
        return None, None, None
    parts = _SEPARATOR_RE.split(collapse(direccion))
    if len(parts) < 3:
        return None, None, None
    provincia, distrito = parts[-2].strip(), parts[-1].strip()
    departamento = find_departamento(parts[-3].strip())
    if not (departamento and provincia and distrito):
        return None, None, None
    return departamento, provincia, distrito


def find_departamento(text):
    """The department name `text` ends with (as written there), or None."""
    folded = fold(text)
    for name in _DEPARTAMENTOS_LONGEST_FIRST:
        if not folded.endswith(name):
            continue
        start = len(folded) - len(name)
        # Whole words only: "SANTA MONICA" does not end in ICA.
        if start == 0 or not folded[start - 1].isalnum():
            return text[start:]
    return None
