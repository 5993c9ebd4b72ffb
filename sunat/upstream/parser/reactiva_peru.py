"""The getReactivaPeru section (Reactiva Perú: deuda en cobranza coactiva): its declaration and parse_reactiva_peru."""

import re

from sunat.upstream.parser.coactiva_programa import item_schema, parse_coactiva_programa, value_schema
from sunat.upstream.parser.section import Section

_REACTIVA_SUBJECT_RE = re.compile(r"\bREACTIVA\s+PERU\b")


def parse_reactiva_peru(html):
    """A getReactivaPeru page as {"tieneDeudaCoactiva", "actualizadoAl", "referenciaLegal"}; ParseError if not one."""
    return parse_coactiva_programa(html, _REACTIVA_SUBJECT_RE, "Reactiva Perú")


_DESCRIPTION = (
    "Programa Reactiva Perú: si el contribuyente tiene deuda en cobranza coactiva mayor a una UIT, según SUNAT; "
    "null si la ficha no ofrece esta consulta para el RUC (no aplica)."
)

SECTION = Section(
    name="reactiva-peru", key="reactivaPeru", title="Reactiva Perú", accion="getReactivaPeru",
    form_name="formActReaPeru", parse=parse_reactiva_peru, answer_schema="RespuestaReactivaPeru",
    schemas={"ReactivaPeru": item_schema("Respuesta de SUNAT sobre Reactiva Perú (deuda en cobranza coactiva).")},
    value_schema=value_schema("ReactivaPeru", _DESCRIPTION),
    description=_DESCRIPTION,
    empty=lambda: None,
)
