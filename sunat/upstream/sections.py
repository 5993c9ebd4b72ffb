"""SUNAT's sections of a RUC that the API serves; each is declared in its own module of upstream.parser.

In the order the ficha shows their buttons; /api/ruc/<ruc>/completo answers them in this order.
"""

from django.conf import settings

from sunat.upstream.parser import (
    actas_probatorias,
    deuda_coactiva,
    establecimientos,
    facturas_fisicas,
    historico,
    omisiones,
    programa_covid19,
    reactiva_peru,
    representantes,
    trabajadores,
)
from sunat.upstream.parser.section import Section

__all__ = ["SECTIONS", "Section", "ttl_of", "ttl_variable"]

SECTIONS = {section.name: section for section in (
    historico.SECTION, deuda_coactiva.SECTION, omisiones.SECTION, trabajadores.SECTION,
    actas_probatorias.SECTION, facturas_fisicas.SECTION, reactiva_peru.SECTION, programa_covid19.SECTION,
    representantes.SECTION, establecimientos.SECTION,
)}


def ttl_of(name: str | None) -> int:
    """Seconds a lookup's answer is served without asking SUNAT again: RUC_CACHE_TTL for the ficha
    (None); for the section `name`, the operator's RUC_SECTION_TTL_<NAME>, else its declaration's ttl,
    else RUC_CACHE_TTL (a name no longer declared, in an old stored row, too)."""
    if name is None:
        return settings.RUC_CACHE_TTL
    override = settings.RUC_SECTION_TTL.get(name)
    if override is not None:
        return override
    section = SECTIONS.get(name)
    return settings.RUC_CACHE_TTL if section is None or section.ttl is None else section.ttl


def ttl_variable(name: str) -> str:
    """The environment variable that overrides the section's ttl (config.settings.base reads every
    RUC_SECTION_TTL_<NAME> into RUC_SECTION_TTL, keyed by the section's name)."""
    return "RUC_SECTION_TTL_" + name.upper().replace("-", "_")
