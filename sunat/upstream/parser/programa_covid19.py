"""The getPGarantiaCOVID19 section (Programa de Garantías COVID-19: deuda en cobranza coactiva):
its declaration and parse_programa_covid19."""

import re

from sunat.upstream.parser.coactiva_programa import item_schema, parse_coactiva_programa, value_schema
from sunat.upstream.parser.section import Section

# "GARANTÍAS COVID-19" (the title) or "COVID_19" (the button): not the bare "COVID-19" that
# Reactiva Perú's legal reference may mention too.
_COVID_SUBJECT_RE = re.compile(r"\bGARANTIAS?\s+(?:DEL?\s+)?COVID\b")


def parse_programa_covid19(html):
    """A getPGarantiaCOVID19 page as {"tieneDeudaCoactiva", "actualizadoAl", "referenciaLegal"}; ParseError if not one."""
    return parse_coactiva_programa(html, _COVID_SUBJECT_RE, "Programa de Garantías COVID-19")


_DESCRIPTION = (
    "Programa de Garantías COVID-19: si el contribuyente tiene deuda en cobranza coactiva mayor a una UIT, "
    "según SUNAT; null si la ficha no ofrece esta consulta para el RUC (no aplica)."
)

SECTION = Section(
    name="programa-covid19", key="programaCovid19", title="Programa de Garantías COVID-19",
    accion="getPGarantiaCOVID19", form_name="formCovid", parse=parse_programa_covid19,
    answer_schema="RespuestaProgramaCovid19",
    schemas={"ProgramaCovid19": item_schema(
        "Respuesta de SUNAT sobre el Programa de Garantías COVID-19 (deuda en cobranza coactiva).")},
    value_schema=value_schema("ProgramaCovid19", _DESCRIPTION),
    description=_DESCRIPTION,
    empty=lambda: None,
)
