"""Section tables (getRepLeg, getCantTrab, ...): columns by header words, data rows, cell values, "no information"."""

import re

from lxml import etree

from sunat.upstream.parser.classify import PageKind, classify_page, error_message
from sunat.upstream.parser.common import ParseError, collapse, element_text, fold

# A table's own rows (not those of nested tables) and their cells.
_TABLES = etree.XPath("//table")
_TABLE_ROWS = etree.XPath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
_ROW_CELLS = etree.XPath("./th | ./td")
# What a page says, minus scripts and the forms and buttons that lead elsewhere
# (every result page has buttons named after the sections).
_PAGE_TEXT_NODES = etree.XPath(
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::form or ancestor::button)]"
)

# Section cells meaning "not given": "NE" (no especificado) in counts.
SECTION_EMPTY_VALUES = {"", "-", "--", "NE"}

# The "no information" variant: a message plus the page's subject, both read
# from the page text (folded) outside forms and buttons. "NO SE HA REMITIDO" is
# getInfoDC's ("No se ha remitido deuda en cobranza coactiva ...").
_NO_INFORMATION_RE = re.compile(
    r"\bNO\s+(?:EXISTEN?\b|HAY\b|SE\s+ENCONTR|SE\s+HA\s+REMITIDO\b|REGISTRA|TIENE|CUENTA\s+CON\b)"
)


def section_value(text):
    """Collapsed cell text, or None for "-", "NE" and empty cells."""
    text = collapse(text or "")
    return None if text.upper() in SECTION_EMPTY_VALUES else text


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
        words = _header_words(element_text(cell))
        field = next((field for field, names in columns if words & names), None)
        if field is not None and field not in fields.values():
            fields[position] = field
    return fields


def section_rows(doc, columns, required):
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
    values = {field: element_text(cells[pos]) if pos in cells else "" for pos, field in fields.items()}
    return values if any(section_value(text) for text in values.values()) else None


def require_no_information(doc, html, subject_re, what):
    """
    Return if the page is the "no information" variant of the section; else raise ParseError.
    Some sections (getLocAnex, getRepLeg) say it with SUNAT's error page ("No se encontró
    información para locales anexos." in p.error): that one counts, other error pages don't.
    """
    if doc is None:
        raise ParseError(f"Empty page, not a {what} page.")
    kind = classify_page(html)
    if kind is PageKind.ERROR and _says_no_information(error_message(html) or "", subject_re):
        return
    if kind is not PageKind.UNKNOWN:
        raise ParseError(f"Not a {what} page: SUNAT answered with a page of kind {kind.value!r}.")
    if not _says_no_information(" ".join(_PAGE_TEXT_NODES(doc)), subject_re):
        raise ParseError(f"No {what} table and no 'no information' message in the page.")


def _says_no_information(text, subject_re):
    text = fold(collapse(text))
    return bool(subject_re.search(text) and _NO_INFORMATION_RE.search(text))


# -- for pages whose header texts are unknown or whose message rows fill every cell (getActPro, getActCPF)


def page_text(doc):
    """What a page says outside scripts, forms and buttons, collapsed and folded."""
    return fold(collapse(" ".join(_PAGE_TEXT_NODES(doc))))


def is_message_row(values):
    """A data row whose only filled cell says "no information" ("No hay Información", then "-" cells)."""
    filled = [text for text in map(section_value, values.values()) if text]
    return len(filled) == 1 and bool(_NO_INFORMATION_RE.search(fold(filled[0])))


def positional_rows(doc, fields):
    """
    The data rows of the first table whose first row has exactly len(fields)
    columns, read by position as {field: cell text}; None when no table has.
    Header rows (th cells only, or in a thead) and message rows are left out.
    """
    if doc is None:
        return None
    positions = dict(enumerate(fields))
    for table in _TABLES(doc):
        rows = _TABLE_ROWS(table)
        if not rows or _width(rows[0]) != len(fields):
            continue
        values = (_row_values(row, positions) for row in rows if not _is_header_row(row))
        return [row for row in values if row is not None and not is_message_row(row)]
    return None


def _width(row):
    """How many columns a row spans, colspans counted."""
    return sum(max(1, int(cell.get("colspan"))) if (cell.get("colspan") or "").isdigit() else 1
               for cell in _ROW_CELLS(row))


def _is_header_row(row):
    cells = _ROW_CELLS(row)
    return row.getparent().tag == "thead" or (bool(cells) and all(cell.tag == "th" for cell in cells))
