"""
Parse SUNAT "Consulta RUC" HTML pages into the API's JSON shape: the
consPorRuc result page and its sub-pages getRepLeg (legal representatives)
and getCantTrab (workers per period).

SUNAT's markup is loose (ragged whitespace, entities mixed with literal
Latin-1 letters, commented-out rows, sometimes two documents in one response),
so everything here keys on label text rather than on row positions.
"""

import datetime
import enum
import re
import unicodedata
from functools import lru_cache

import lxml.html
from lxml import etree

from sunat.ubigeo import ubigeo_for

__all__ = [
    "PageKind", "ParseError", "classify_page", "error_message", "parse_representantes",
    "parse_ruc_page", "parse_trabajadores",
]


class PageKind(enum.Enum):
    RESULT = "result"
    NOT_FOUND = "not_found"
    REJECTED = "rejected"
    ERROR = "error"
    UNKNOWN = "unknown"


class ParseError(ValueError):
    """The HTML is not a RUC result page we can read."""


# Comments are dropped at parse time so commented-out rows can never be read.
# The input is fed as UTF-8 bytes with the encoding fixed, so a <meta charset>
# or <?xml encoding?> declaration in the page cannot override it.
_HTML_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)

# Cheap markers, tested on the raw string before any parsing.
_REJECTED_RE = re.compile(
    r"<title>\s*Request\s+Rejected\s*</title>|The\s+requested\s+URL\s+was\s+rejected",
    re.IGNORECASE,
)
_ERROR_RE = re.compile(r"P(?:a|á|&aacute;|&#0*225;)gina\s+de\s+(?:Error|Mensajes)", re.IGNORECASE)
_NOT_VALID = r"no\s+es\s+v(?:a|á|&aacute;|&#0*225;|&#x0*e1;)lido"
_NOT_FOUND_RE = re.compile(r"consultado\s+" + _NOT_VALID, re.IGNORECASE)
_NOT_FOUND_TEXT_RE = re.compile(r"no\s+es\s+v[aá]lido", re.IGNORECASE)
_RUC_LABEL_HINT_RE = re.compile(r"mero\s+de\s+RUC", re.IGNORECASE)

_SEPARATOR_RE = re.compile(r"\s+-\s+")
_DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
# Where the estado ends: a "Fecha de Baja" caption or the date itself.
_ESTADO_END_RE = re.compile(r"\s*(?:fecha\s+de\s+baja\b|\d{1,2}/\d{1,2}/\d{4})", re.IGNORECASE)
# Commas inside "(desde ...)" never split an item.
_ITEM_SPLIT_RE = re.compile(r"\s*,\s*(?![^()]*\))")
_DESDE_RE = re.compile(r"(?P<tipo>.*?)\s*\(\s*desde\s*(?P<fecha>[^)]*)\)", re.IGNORECASE)

_HAS_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"
_PANELS = etree.XPath(
    "//div[{} and {}]".format(_HAS_CLASS.format("panel"), _HAS_CLASS.format("panel-primary"))
)
_ROWS = etree.XPath(".//div[{}]".format(_HAS_CLASS.format("row")))
_COLUMNS = etree.XPath("./div")
_HEADING = etree.XPath(".//h4[{}]".format(_HAS_CLASS.format("list-group-item-heading")))
_CELLS = etree.XPath(".//td")
_TEXT_NODES = etree.XPath(".//text()[not(ancestor::script) and not(ancestor::style)]")
# Page text minus links and buttons ("[Go Back]", "Volver"): the message itself.
_MESSAGE_TEXT_NODES = etree.XPath(
    ".//text()[not(ancestor::script or ancestor::style or ancestor::a or ancestor::button)]"
)
_ERROR_PARAGRAPHS = etree.XPath("//p[{}]".format(_HAS_CLASS.format("error")))
_BODY = etree.XPath("//body")
# Sub-page tables: a table's own rows (not those of nested tables) and their cells.
_TABLES = etree.XPath("//table")
_TABLE_ROWS = etree.XPath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
_ROW_CELLS = etree.XPath("./th | ./td")
# What a page says, minus scripts and the forms and buttons that lead elsewhere
# (every result page has buttons named after the sub-pages).
_PAGE_TEXT_NODES = etree.XPath(
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::form or ancestor::button)]"
)

EMPTY_VALUES = {"", "-", "NINGUNO"}

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

FIELDS = (
    "ruc", "razonSocial", "nombreComercial", "tipoContribuyente", "tipoDocumento",
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
    "nombreComercial", "tipoContribuyente", "tipoDocumento", "condicion", "direccion",
    "sistemaEmision", "actividadComercioExterior", "sistemaContabilidad",
}

# Sub-page columns, recognized by the words of their header (folded, punctuation
# dropped, so "N° de Trabajadores" is {N, DE, TRABAJADORES}). For each column the
# first field with a word in the header wins, so the order matters: "Nro.
# Documento" is numeroDocumento before "Documento" alone is tipoDocumento.
REPRESENTANTE_COLUMNS = (
    ("cargo", {"CARGO"}),
    ("fechaDesde", {"FECHA", "DESDE"}),
    ("nombre", {"NOMBRE", "NOMBRES", "APELLIDOS"}),
    ("numeroDocumento", {"NRO", "NUMERO", "NUM", "NO", "N"}),
    ("tipoDocumento", {"DOCUMENTO", "DOC", "TIPO"}),
)
REPRESENTANTE_FIELDS = ("tipoDocumento", "numeroDocumento", "nombre", "cargo", "fechaDesde")
TRABAJADORES_COLUMNS = (
    ("periodo", {"PERIODO"}),
    ("pensionistas", {"PENSIONISTAS", "PENSIONISTA"}),
    ("prestadores", {"PRESTADORES", "PRESTADOR"}),
    ("trabajadores", {"TRABAJADORES", "TRABAJADOR"}),
)
TRABAJADORES_FIELDS = ("periodo", "trabajadores", "pensionistas", "prestadores")
# Sub-page cells meaning "not given": "NE" (no especificado) in counts.
SUB_PAGE_EMPTY_VALUES = {"", "-", "--", "NE"}

# The "no information" variant: a message plus the page's subject, both read
# from the page text (folded) outside forms and buttons.
_NO_INFORMATION_RE = re.compile(r"\bNO\s+(?:EXISTEN?\b|HAY\b|SE\s+ENCONTR|REGISTRA|TIENE|CUENTA\s+CON\b)")
_REPRESENTANTES_SUBJECT_RE = re.compile(r"\bREPRESENTANTES?\b")
_TRABAJADORES_SUBJECT_RE = re.compile(r"\b(?:TRABAJADOR(?:ES)?|PRESTADOR(?:ES)?)\b")

_COUNT_RE = re.compile(r"\d{1,3}(?:[,.\s]\d{3})+|\d+")  # 1,234 / 1.234 / 1234
_PERIOD_YEAR_FIRST_RE = re.compile(r"(\d{4})\s*[-/.]?\s*(\d{1,2})")  # 2025-03, 2025/03, 202503
_PERIOD_MONTH_FIRST_RE = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{4})")  # 03/2025, 03-2025
_PERIOD_MONTH_NAME_RE = re.compile(r"([A-Z]{3,10})\.?\s*[-/ ]?\s*(\d{4})")  # MAR-2025, MARZO 2025
MONTHS = {
    name: number
    for number, names in enumerate(
        (("ENE", "ENERO"), ("FEB", "FEBRERO"), ("MAR", "MARZO"), ("ABR", "ABRIL"), ("MAY", "MAYO"),
         ("JUN", "JUNIO"), ("JUL", "JULIO"), ("AGO", "AGOSTO"), ("SET", "SEP", "SETIEMBRE", "SEPTIEMBRE"),
         ("OCT", "OCTUBRE"), ("NOV", "NOVIEMBRE"), ("DIC", "DICIEMBRE")),
        start=1,
    )
    for name in names
}

DEPARTAMENTOS = (
    "AMAZONAS", "ANCASH", "APURIMAC", "AREQUIPA", "AYACUCHO", "CAJAMARCA",
    "PROV. CONST. DEL CALLAO", "CALLAO", "CUSCO", "HUANCAVELICA", "HUANUCO", "ICA",
    "JUNIN", "LA LIBERTAD", "LAMBAYEQUE", "LIMA", "LORETO", "MADRE DE DIOS", "MOQUEGUA",
    "PASCO", "PIURA", "PUNO", "SAN MARTIN", "TACNA", "TUMBES", "UCAYALI",
)
# Longest first, so "PROV. CONST. DEL CALLAO" wins over "CALLAO".
_DEPARTAMENTOS_LONGEST_FIRST = sorted(DEPARTAMENTOS, key=len, reverse=True)


# Text helpers --------------------------------------------------------------

def collapse(text):
    """Collapse runs of whitespace (including newlines and NBSP) into one space."""
    return " ".join(text.split())


def clean(text):
    """Collapsed text, or None for SUNAT's empty markers ("-", "NINGUNO", "")."""
    if text is None:
        return None
    text = collapse(text)
    return None if text.upper() in EMPTY_VALUES else text


def parse_date(text):
    """Turn dd/mm/yyyy into YYYY-MM-DD; None for empty markers or anything else."""
    text = clean(text)
    if text is None:
        return None
    match = _DATE_RE.fullmatch(text)
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


@lru_cache(maxsize=512)
def _fold_char(char):
    # One char in, one char out, so indexes in the folded text match the original.
    base = unicodedata.normalize("NFD", char)[0]
    upper = base.upper()
    return upper if len(upper) == 1 else base


def fold(text):
    """Upper-case, accent-free copy of `text` with the same length."""
    return "".join(_fold_char(char) for char in text)


def _normalize_label(text):
    text = unicodedata.normalize("NFKD", collapse(text))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return text.rstrip(":").strip().casefold()


def _element_text(element):
    # Join text nodes with spaces so <br> or inline tags never glue words.
    return collapse(" ".join(_TEXT_NODES(element)))


# Field parsers -------------------------------------------------------------

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
    date_match = _DATE_RE.search(text, match.start())
    fecha_baja = parse_date(date_match.group(0)) if date_match else None
    return clean(text[:match.start()]), fecha_baja


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


def _lines(column):
    """One string per table cell; a column without a table is a single line."""
    cells = _CELLS(column)
    texts = [_element_text(cell) for cell in cells] if cells else [_element_text(column)]
    return [text for text in (clean(text) for text in texts) if text is not None]


# Page structure ------------------------------------------------------------

def _parse_html(html):
    if not html or not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=_HTML_PARSER)
    except (etree.ParserError, ValueError):
        return None


def _field_for_label(label):
    normalized = _normalize_label(label)
    if normalized.startswith(COMPROBANTES_PAGO_PREFIX):
        return "comprobantesPago"
    return LABELS.get(normalized)


def _labelled_values(panel):
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
                field = _field_for_label(_element_text(headings[0]))
                expecting_value = True


def _result_panel(doc):
    """The first div.panel.panel-primary holding a "Número de RUC" row."""
    if doc is None:
        return None
    for panel in _PANELS(doc):
        if any(field == "ruc" for field, _ in _labelled_values(panel)):
            return panel
    return None


def _empty_result():
    return {field: [] if field in LIST_FIELDS else None for field in FIELDS}


def _fill(result, field, column):
    if field == "ruc":
        parts = _SEPARATOR_RE.split(_element_text(column), maxsplit=1)
        result["ruc"] = clean(parts[0])
        result["razonSocial"] = clean(parts[1]) if len(parts) > 1 else None
    elif field == "estado":
        result["estado"], fecha_baja = split_estado(_element_text(column))
        result["fechaBaja"] = result["fechaBaja"] or fecha_baja
    elif field == "fechaBaja":
        # An explicit "Fecha de Baja" row beats a date found in the estado cell.
        result["fechaBaja"] = parse_date(_element_text(column)) or result["fechaBaja"]
    elif field in DATE_FIELDS:
        result[field] = parse_date(_element_text(column))
    elif field == "actividadesEconomicas":
        result[field] = [parse_actividad(line) for line in _lines(column)]
    elif field == "comprobantesElectronicos":
        result[field] = parse_comprobantes_electronicos(_element_text(column))
    elif field in LINE_LIST_FIELDS:
        result[field] = _lines(column)
    elif field in TEXT_FIELDS:
        result[field] = clean(_element_text(column))


# Sub-pages -----------------------------------------------------------------

def sub_page_value(text):
    """Collapsed cell text, or None for "-", "NE" and empty cells."""
    text = collapse(text or "")
    return None if text.upper() in SUB_PAGE_EMPTY_VALUES else text


def parse_count(text):
    """A count cell as an int; None for "NE", "-", empty or anything unreadable."""
    text = sub_page_value(text)
    if text is None or not _COUNT_RE.fullmatch(text):
        return None
    return int(re.sub(r"\D", "", text))


def parse_period(text):
    """A period cell (2025-03, 03/2025, 202503, MAR-2025...) as "YYYY-MM", else None."""
    text = sub_page_value(text)
    if text is None:
        return None
    text = fold(text)
    if match := _PERIOD_YEAR_FIRST_RE.fullmatch(text):
        year, month = match.groups()
    elif match := _PERIOD_MONTH_FIRST_RE.fullmatch(text):
        month, year = match.groups()
    elif (match := _PERIOD_MONTH_NAME_RE.fullmatch(text)) and match.group(1) in MONTHS:
        month, year = MONTHS[match.group(1)], match.group(2)
    else:
        return None
    month = int(month)
    return f"{int(year):04d}-{month:02d}" if 1 <= month <= 12 else None


def _header_words(text):
    return set(re.sub(r"[^A-Z0-9]+", " ", fold(collapse(text))).split())


def _positioned_cells(row):
    """(column position, cell) for a row's th/td cells, colspans counted."""
    position = 0
    for cell in _ROW_CELLS(row):
        yield position, cell
        try:
            position += max(1, int(cell.get("colspan") or 1))
        except ValueError:
            position += 1


def _column_fields(header_row, columns):
    """{column position: field} for the header cells that name a known column."""
    fields = {}
    for position, cell in _positioned_cells(header_row):
        words = _header_words(_element_text(cell))
        field = next((field for field, names in columns if words & names), None)
        if field is not None and field not in fields.values():
            fields[position] = field
    return fields


def _sub_page_rows(doc, columns, required):
    """
    The rows of the first table whose header row names the `required`
    columns, as {field: cell text} dicts; None when no table has them.
    Columns are found by header text, so order and extra columns don't matter.
    """
    if doc is None:
        return None
    for table in _TABLES(doc):
        rows = _TABLE_ROWS(table)
        for index, row in enumerate(rows):
            fields = _column_fields(row, columns)
            if required <= set(fields.values()):
                return _data_rows(rows[index + 1:], fields, columns, required)
    return None


def _data_rows(rows, fields, columns, required):
    result = []
    for row in rows:
        if required <= set(_column_fields(row, columns).values()):
            continue  # a long table may repeat its header row
        values = _row_values(row, fields)
        if values is not None:
            result.append(values)
    return result


def _row_values(row, fields):
    """{field: text} for a data row; None for message rows (one cell) and empty rows."""
    cells = dict(_positioned_cells(row))
    if len(cells) < 2:
        return None  # e.g. <td colspan="5">No existe información</td>
    values = {field: _element_text(cells[pos]) if pos in cells else "" for pos, field in fields.items()}
    return values if any(sub_page_value(text) for text in values.values()) else None


def _representante(values):
    result = {field: sub_page_value(values.get(field)) for field in REPRESENTANTE_FIELDS}
    result["fechaDesde"] = parse_date(values.get("fechaDesde"))
    return result


def _trabajadores(values):
    return {
        "periodo": parse_period(values.get("periodo")),
        "trabajadores": parse_count(values.get("trabajadores")),
        "pensionistas": parse_count(values.get("pensionistas")),
        "prestadores": parse_count(values.get("prestadores")),
    }


def _require_no_information(doc, html, subject_re, what):
    """Return if the page is the "no information" variant of the sub-page; else raise ParseError."""
    if doc is None:
        raise ParseError(f"Empty page, not a {what} page.")
    kind = classify_page(html)
    if kind is not PageKind.UNKNOWN:
        raise ParseError(f"Not a {what} page: SUNAT answered with a page of kind {kind.value!r}.")
    text = fold(collapse(" ".join(_PAGE_TEXT_NODES(doc))))
    if not (subject_re.search(text) and _NO_INFORMATION_RE.search(text)):
        raise ParseError(f"No {what} table and no 'no information' message in the page.")


# Public API ----------------------------------------------------------------

def classify_page(html):
    """Tell what kind of SUNAT page `html` is, parsing only when needed."""
    if not html:
        return PageKind.UNKNOWN
    if _REJECTED_RE.search(html):
        return PageKind.REJECTED
    # Checked before the error markers: the "no es válido" message may come
    # inside a generic "Pagina de Mensajes" page and is the more useful answer.
    if _NOT_FOUND_RE.search(html):
        return PageKind.NOT_FOUND
    if _ERROR_RE.search(html):
        return PageKind.ERROR
    # A result needs the real panel and RUC row, not just the words.
    if "panel-primary" in html and _RUC_LABEL_HINT_RE.search(html):
        if _result_panel(_parse_html(html)) is not None:
            return PageKind.RESULT
    return PageKind.UNKNOWN


def error_message(html):
    """
    The message SUNAT shows on an error, not-found or firewall page,
    whitespace collapsed; None for other pages or when there is none.
    """
    kind = classify_page(html)
    if kind not in (PageKind.ERROR, PageKind.NOT_FOUND, PageKind.REJECTED):
        return None
    doc = _parse_html(html)
    if doc is None:
        return None
    if kind == PageKind.NOT_FOUND:
        return _not_found_message(doc)
    if kind == PageKind.ERROR:
        paragraphs = [_element_text(p) for p in _ERROR_PARAGRAPHS(doc)]
        message = collapse(" ".join(paragraphs))
        if message:
            return message
    # "Pagina de Mensajes" without p.error, and the firewall page: body text.
    bodies = _BODY(doc)
    if not bodies:
        return None
    return collapse(" ".join(_MESSAGE_TEXT_NODES(bodies[0]))) or None


def _not_found_message(doc):
    for text in _TEXT_NODES(doc):
        if _NOT_FOUND_TEXT_RE.search(text):
            # A tail text belongs to the element's parent.
            element = text.getparent()
            if text.is_tail:
                element = element.getparent()
            return _element_text(element) or None
    return None


def parse_representantes(html):
    """
    Parse a getRepLeg page into [{"tipoDocumento", "numeroDocumento",
    "nombre", "cargo", "fechaDesde"}, ...] in page order; fechaDesde is
    YYYY-MM-DD or None. [] for SUNAT's "no information" variant; ParseError
    for any other page.
    """
    doc = _parse_html(html)
    rows = _sub_page_rows(doc, REPRESENTANTE_COLUMNS, required={"numeroDocumento", "nombre"})
    if rows is None:
        _require_no_information(doc, html, _REPRESENTANTES_SUBJECT_RE, "legal representatives")
        return []
    return [_representante(values) for values in rows]


def parse_trabajadores(html):
    """
    Parse a getCantTrab page into [{"periodo": "YYYY-MM", "trabajadores",
    "pensionistas", "prestadores"}, ...], newest period first whatever order
    SUNAT uses; counts are ints or None ("NE", "-", empty). [] for the "no
    information" variant; ParseError for any other page.
    """
    doc = _parse_html(html)
    rows = _sub_page_rows(doc, TRABAJADORES_COLUMNS, required={"periodo", "trabajadores"})
    if rows is None:
        _require_no_information(doc, html, _TRABAJADORES_SUBJECT_RE, "workers")
        return []
    periods = [_trabajadores(values) for values in rows]
    # An unreadable periodo (None) sorts last instead of failing the page.
    return sorted(periods, key=lambda period: period["periodo"] or "", reverse=True)


def parse_ruc_page(html):
    """
    Parse a consPorRuc result page into the API dict (see FIELDS for the
    keys and their order). Raise ParseError when there is no result panel.
    """
    panel = _result_panel(_parse_html(html))
    if panel is None:
        raise ParseError("No RUC result panel in the page.")
    result = _empty_result()
    for field, column in _labelled_values(panel):
        _fill(result, field, column)
    if result["ruc"] is None:
        raise ParseError("The result panel has an empty RUC row.")
    result["departamento"], result["provincia"], result["distrito"] = split_address(result["direccion"])
    # INEI's code for the district named there; None when SUNAT withholds the address.
    result["ubigeo"] = ubigeo_for(result["departamento"], result["provincia"], result["distrito"])
    return result
