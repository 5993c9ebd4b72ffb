"""The getRepLeg section (legal representatives): its declaration and parse_representantes."""

import re

from sunat.jsonschema import DATE_TEXT, nullable, obj
from sunat.upstream.parser.common import parse_date, parse_html
from sunat.upstream.parser.section import Section, list_of
from sunat.upstream.parser.tables import require_no_information, section_rows, section_value

# Columns, recognized by the words of their header (folded, punctuation
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
_REPRESENTANTES_SUBJECT_RE = re.compile(r"\bREPRESENTANTES?\b")


def parse_representantes(html):
    """
    Parse a getRepLeg page into [{"tipoDocumento", "numeroDocumento",
    "nombre", "cargo", "fechaDesde"}, ...] in page order; fechaDesde is
    YYYY-MM-DD or None. [] for SUNAT's "no information" variants (a message
    in the page, or SUNAT's error page "No se encontró información para
    representantes legales."); ParseError for any other page.
    """
    doc = parse_html(html)
    rows = section_rows(doc, REPRESENTANTE_COLUMNS, required={"numeroDocumento", "nombre"})
    if rows is None:
        require_no_information(doc, html, _REPRESENTANTES_SUBJECT_RE, "legal representatives")
        return []
    return [_representante(values) for values in rows]


def _representante(values):
    result = {field: section_value(values.get(field)) for field in REPRESENTANTE_FIELDS}
    result["fechaDesde"] = parse_date(values.get("fechaDesde"))
    return result


_DESCRIPTION = "Representantes legales según SUNAT; lista vacía si SUNAT no tiene información."

SECTION = Section(
    name="representantes", key="representantes", title="Representantes legales", accion="getRepLeg",
    form_name="formRepLeg", parse=parse_representantes, answer_schema="RespuestaRepresentantes",
    schemas={"Representante": obj({
        "tipoDocumento": nullable("string", "Tipo de documento (DNI, CE...)."),
        "numeroDocumento": nullable("string", "Número de documento."),
        "nombre": nullable("string", "Apellidos y nombres."),
        "cargo": nullable("string", "Cargo."),
        "fechaDesde": nullable("string", f"{DATE_TEXT} desde la que ocupa el cargo.", format="date"),
    }, "Un representante legal.")},
    value_schema=list_of("Representante", _DESCRIPTION),
    description=_DESCRIPTION,
)
