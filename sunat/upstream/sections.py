"""SUNAT's sections of a RUC that the API serves; each is declared in its own module of upstream.parser.

In the order the ficha shows their buttons; /api/ruc/<ruc>/completo answers them in this order.
"""

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

__all__ = ["SECTIONS", "Section"]

SECTIONS = {section.name: section for section in (
    historico.SECTION, deuda_coactiva.SECTION, omisiones.SECTION, trabajadores.SECTION,
    actas_probatorias.SECTION, facturas_fisicas.SECTION, reactiva_peru.SECTION, programa_covid19.SECTION,
    representantes.SECTION, establecimientos.SECTION,
)}
