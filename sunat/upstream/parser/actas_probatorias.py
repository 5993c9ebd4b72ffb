"""The getActPro section (actas probatorias): its declaration and parse_actas_probatorias."""

import re

from sunat.jsonschema import DATE_TEXT, nullable, obj
from sunat.upstream.parser.common import parse_date, parse_html
from sunat.upstream.parser.section import Section, list_of
from sunat.upstream.parser.tables import (
    is_message_row,
    page_text,
    positional_rows,
    require_no_information,
    section_rows,
    section_value,
)

# The eight columns in the order public clients read them by position (they agree on it);
# no source quotes the header texts.
ACTA_FIELDS = (
    "numeroActa", "fechaActa", "lugarIntervencion", "articuloNumeral", "descripcionInfraccion",
    "numeroRiRoz", "tipoRiRoz", "actaReconocimiento",
)
# Columns by the words of their header (see REPRESENTANTE_COLUMNS): the first field with a
# word in the header wins, so "Acta de Reconocimiento" is read before "Acta" alone, "Tipo de
# RIZ/ROZ" before "RIZ/ROZ", and "Artículo/Numeral de la Infracción" before "Infracción".
# The acta's number needs the word ACTA: "Nro." alone would take other pages' tables.
ACTA_COLUMNS = (
    ("actaReconocimiento", {"RECONOCIMIENTO"}),
    ("fechaActa", {"FECHA"}),
    ("lugarIntervencion", {"LUGAR", "INTERVENCION"}),
    ("articuloNumeral", {"ARTICULO", "ART", "NUMERAL"}),
    ("descripcionInfraccion", {"DESCRIPCION", "INFRACCION"}),
    ("tipoRiRoz", {"TIPO"}),
    ("numeroRiRoz", {"RIZ", "ROZ", "RI", "RESOLUCION"}),
    ("numeroActa", {"ACTA", "ACTAS"}),
)
_ACTAS_SUBJECT_RE = re.compile(r"\bACTAS?\s+PROBATORIAS?\b")


def parse_actas_probatorias(html):
    """
    Parse a getActPro page into [{"numeroActa", "fechaActa", ...}, ...] in page
    order; fechaActa is YYYY-MM-DD or None. Columns are read by header words,
    else by position when a table on a page about actas probatorias has exactly
    eight columns. [] for the "no information" variant; ParseError for any other page.
    """
    doc = parse_html(html)
    rows = section_rows(doc, ACTA_COLUMNS, required={"numeroActa", "fechaActa"})
    if rows is None and doc is not None and _ACTAS_SUBJECT_RE.search(page_text(doc)):
        rows = positional_rows(doc, ACTA_FIELDS)
    if rows is None:
        require_no_information(doc, html, _ACTAS_SUBJECT_RE, "actas probatorias")
        return []
    return [_acta(values) for values in rows if not is_message_row(values)]


def _acta(values):
    result = {field: section_value(values.get(field)) for field in ACTA_FIELDS}
    result["fechaActa"] = parse_date(values.get("fechaActa"))
    return result


_DESCRIPTION = "Actas probatorias levantadas al contribuyente; lista vacía si SUNAT no tiene información."

SECTION = Section(
    name="actas-probatorias", key="actasProbatorias", title="Actas probatorias", accion="getActPro",
    form_name="formActPro", parse=parse_actas_probatorias, answer_schema="RespuestaActasProbatorias",
    schemas={"ActaProbatoria": obj({
        "numeroActa": nullable("string", "Número del acta probatoria."),
        "fechaActa": nullable("string", f"{DATE_TEXT} del acta.", format="date"),
        "lugarIntervencion": nullable("string", "Lugar de la intervención."),
        "articuloNumeral": nullable("string", "Artículo y numeral de la infracción (Código Tributario)."),
        "descripcionInfraccion": nullable("string", "Descripción de la infracción."),
        "numeroRiRoz": nullable("string", "Número de la resolución (RIZ/ROZ)."),
        "tipoRiRoz": nullable("string", "Tipo de la resolución (RIZ/ROZ)."),
        "actaReconocimiento": nullable("string", "Acta de reconocimiento; null si SUNAT no la indica."),
    }, "Un acta probatoria.")},
    value_schema=list_of("ActaProbatoria", _DESCRIPTION),
    description=_DESCRIPTION,
    empty=list,
)
