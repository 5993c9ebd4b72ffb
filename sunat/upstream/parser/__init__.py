"""Parse SUNAT "Consulta RUC" HTML pages into the API's JSON shape (package entry point: the public names).

The pages are the consPorRuc result page (the ficha) and its sections getRepLeg
(legal representatives) and getCantTrab (workers per period). SUNAT's markup is
loose (ragged whitespace, entities mixed with literal Latin-1 letters,
commented-out rows, sometimes two documents in one response), so everything
here keys on label text rather than on row positions.
"""

from sunat.upstream.parser.classify import PageKind, classify_page, error_message, marked_kind
from sunat.upstream.parser.common import ParseError
from sunat.upstream.parser.ficha import FIELDS, page_forms, parse_ruc_page, read_ruc_page, split_address, split_estado
from sunat.upstream.parser.representantes import parse_representantes
from sunat.upstream.parser.trabajadores import parse_trabajadores

__all__ = [
    "FIELDS", "PageKind", "ParseError", "classify_page", "error_message", "marked_kind", "page_forms", "parse_representantes",
    "parse_ruc_page", "read_ruc_page", "parse_trabajadores", "split_address", "split_estado",
]
