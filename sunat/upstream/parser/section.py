"""What declares a SUNAT sub-page: how it is asked for, how it is read, and what its items look like."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """A sub-page of a RUC's result, declared in its own module (representantes.py, ...)."""

    name: str  # the API's name, /api/ruc/<ruc>/<name>
    accion: str  # jcrS00Alias accion
    form_name: str  # the form in the result page that asks for it
    parse: Callable[[str], list]
    # The API's description of it (OpenAPI): the answer's and the item's schema names, the item's
    # JSON Schema, and what the list holds (Spanish: integrators read it).
    answer_schema: str
    item_schema_name: str
    item_schema: dict
    description: str
