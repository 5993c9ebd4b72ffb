"""SUNAT's sub-pages of a RUC that the API serves, and how each is asked for and read."""

from collections.abc import Callable
from dataclasses import dataclass

from sunat.upstream.parser import parse_representantes, parse_trabajadores


@dataclass(frozen=True)
class Section:
    """A sub-page of a RUC's result: how SUNAT names it and how to read it."""

    name: str  # the API's name, /api/ruc/<ruc>/<name>
    accion: str  # jcrS00Alias accion
    form_name: str  # the form in the result page that asks for it
    parse: Callable[[str], list]


SECTIONS = {
    section.name: section
    for section in (
        Section("representantes", "getRepLeg", "formRepLeg", parse_representantes),
        Section("trabajadores", "getCantTrab", "formNumTrabajd", parse_trabajadores),
    )
}
