"""SUNAT's sub-pages of a RUC that the API serves; each is declared in its own module of upstream.parser."""

from sunat.upstream.parser import representantes, trabajadores
from sunat.upstream.parser.section import Section

__all__ = ["SECTIONS", "Section"]

SECTIONS = {section.name: section for section in (representantes.SECTION, trabajadores.SECTION)}
