"""The getLocAnex section (annexed establishments): its declaration and parse_establecimientos."""

import re

from sunat.jsonschema import nullable, obj
from sunat.ubigeo import ubigeo_for
from sunat.upstream.parser.common import parse_html
from sunat.upstream.parser.ficha import split_address
from sunat.upstream.parser.section import Section, list_of
from sunat.upstream.parser.tables import require_no_information, section_rows, section_value

# Columns, recognized by the words of their header (see REPRESENTANTE_COLUMNS). Public
# clients agree on the order Código | Tipo | Dirección | Actividad Económica but none
# quotes the header texts, so the words are loose.
ESTABLECIMIENTO_COLUMNS = (
    ("codigo", {"CODIGO", "COD"}),
    ("actividadEconomica", {"ACTIVIDAD", "ACTIVIDADES", "CIIU"}),
    ("direccion", {"DIRECCION", "DOMICILIO", "UBICACION"}),
    ("tipo", {"TIPO", "ESTABLECIMIENTO"}),
)
# SUNAT's "no information" is an error page: "No se encontró información para locales anexos."
_ESTABLECIMIENTOS_SUBJECT_RE = re.compile(r"\b(?:LOCAL(?:ES)?|ESTABLECIMIENTOS?)\s+ANEXOS?\b")


def parse_establecimientos(html):
    """
    Parse a getLocAnex page into [{"codigo", "tipo", "direccion", "ubigeo",
    "departamento", "provincia", "distrito", "actividadEconomica"}, ...] in
    page order; the address is split as the ficha's. [] for SUNAT's "no
    information" variant (an error page); ParseError for any other page.
    """
    doc = parse_html(html)
    rows = section_rows(doc, ESTABLECIMIENTO_COLUMNS, required={"codigo", "direccion"})
    if rows is None:
        require_no_information(doc, html, _ESTABLECIMIENTOS_SUBJECT_RE, "annexed establishments")
        return []
    return [_establecimiento(values) for values in rows]


def _establecimiento(values):
    direccion = section_value(values.get("direccion"))
    departamento, provincia, distrito = split_address(direccion)
    return {
        "codigo": section_value(values.get("codigo")),
        "tipo": section_value(values.get("tipo")),
        "direccion": direccion,
        # INEI's code of the district the address ends with, as the ficha does.
        "ubigeo": ubigeo_for(departamento, provincia, distrito),
        "departamento": departamento,
        "provincia": provincia,
        "distrito": distrito,
        "actividadEconomica": section_value(values.get("actividadEconomica")),
    }


_DESCRIPTION = (
    "Establecimientos anexos según SUNAT (sin el domicilio fiscal), en el orden de la página; "
    "lista vacía si no tiene o si SUNAT no tiene información."
)

SECTION = Section(
    name="establecimientos", key="establecimientos", title="Establecimientos anexos", accion="getLocAnex",
    form_name="formLocAnex", parse=parse_establecimientos, answer_schema="RespuestaEstablecimientos",
    schemas={"Establecimiento": obj({
        "codigo": nullable("string", "Código del establecimiento (p. ej. 0001)."),
        "tipo": nullable("string", "Tipo de establecimiento, como lo escribe SUNAT (SUCURSAL, DEPÓSITO...)."),
        "direccion": nullable("string", "Dirección tal como la muestra SUNAT."),
        "ubigeo": nullable("string", "Código INEI de 6 dígitos del distrito; null si la dirección no lo permite.",
                           pattern="^[0-9]{6}$"),
        "departamento": nullable("string", "Departamento, tomado del final de la dirección."),
        "provincia": nullable("string", "Provincia, tomada del final de la dirección."),
        "distrito": nullable("string", "Distrito, tomado del final de la dirección."),
        "actividadEconomica": nullable("string", "Actividad económica del establecimiento."),
    }, "Un establecimiento anexo.")},
    value_schema=list_of("Establecimiento", _DESCRIPTION),
    description=_DESCRIPTION,
    empty=list,
)
