"""The getInfoOT section (tax omissions): its declaration and parse_omisiones.

Public clients have only seen its message variant (an h5); the columns below are one
client's guess (Periodo, Tributo, Tipo de Declaración, Fecha de Vencimiento), so they are
matched loosely by header words and any other column is ignored.
"""

import re

from sunat.jsonschema import DATE_TEXT, nullable, obj
from sunat.upstream.parser.common import parse_date, parse_html
from sunat.upstream.parser.section import DAY, Section, list_of
from sunat.upstream.parser.tables import require_no_information, section_rows, section_value

# Columns, recognized by the words of their header (see REPRESENTANTE_COLUMNS).
OMISION_COLUMNS = (
    ("fechaVencimiento", {"VENCIMIENTO", "VENCE"}),
    ("periodo", {"PERIODO"}),
    ("tipoDeclaracion", {"DECLARACION", "FORMULARIO", "TIPO"}),
    ("tributo", {"TRIBUTO", "CONCEPTO"}),
)
_OMISIONES_SUBJECT_RE = re.compile(r"\bOMISION(?:ES)?\b")


def parse_omisiones(html):
    """
    Parse a getInfoOT page into [{"periodo", "tributo", "tipoDeclaracion",
    "fechaVencimiento"}, ...] in page order; periodo as SUNAT writes it,
    fechaVencimiento YYYY-MM-DD or None. [] for the message variant ("no
    registra omisiones"); ParseError for any other page.
    """
    doc = parse_html(html)
    rows = section_rows(doc, OMISION_COLUMNS, required={"periodo", "tributo"})
    if rows is None:
        require_no_information(doc, html, _OMISIONES_SUBJECT_RE, "tax omissions")
        return []
    return [_omision(values) for values in rows]


def _omision(values):
    return {
        "periodo": section_value(values.get("periodo")),
        "tributo": section_value(values.get("tributo")),
        "tipoDeclaracion": section_value(values.get("tipoDeclaracion")),
        "fechaVencimiento": parse_date(values.get("fechaVencimiento")),
    }


_DESCRIPTION = (
    "Declaraciones que el contribuyente omitió presentar, según SUNAT, en el orden de la página; "
    "lista vacía si SUNAT no registra omisiones."
)

SECTION = Section(
    name="omisiones", key="omisiones", title="Omisiones tributarias", accion="getInfoOT",
    form_name="formInfoOmisionTributaria", parse=parse_omisiones, answer_schema="RespuestaOmisiones",
    schemas={"OmisionTributaria": obj({
        "periodo": nullable("string", "Periodo tributario omitido, tal como lo escribe SUNAT."),
        "tributo": nullable("string", "Tributo."),
        "tipoDeclaracion": nullable("string", "Tipo de declaración (formulario) omitida."),
        "fechaVencimiento": nullable("string", f"{DATE_TEXT} de vencimiento de la obligación.", format="date"),
    }, "Una declaración omitida.")},
    value_schema=list_of("OmisionTributaria", _DESCRIPTION),
    description=_DESCRIPTION,
    empty=list,
    ttl=DAY,  # omissions change from one day to the next and are checked before paying a supplier
)
