"""What declares a SUNAT section: how it is asked for, how it is read, and what its answer looks like."""

from collections.abc import Callable
from dataclasses import dataclass, field

from sunat.jsonschema import ref


@dataclass(frozen=True)
class Section:
    """A section of a RUC's result, declared in its own module (representantes.py, ...)."""

    name: str  # the API's name, /api/ruc/<ruc>/<name>, and the cache key's suffix
    key: str  # the answer's key that holds what the page says (camelCase, like every other key)
    title: str  # what the page is, in Spanish: the OpenAPI summary says "<title> de un RUC"
    accion: str  # jcrS00Alias accion
    form_name: str  # the form in the result page that asks for it; SUNAT leaves it out when it does not apply
    parse: Callable[[str], object]  # the page's HTML -> the value under `key`; ParseError if not this page
    # The API's description of it (OpenAPI): the answer's schema name, the component schemas the
    # value uses (its items), the value's JSON Schema, and what it holds (Spanish: integrators read it).
    answer_schema: str
    schemas: dict
    value_schema: dict
    description: str
    # The value when the ficha offers no such page (no button): nothing to ask SUNAT.
    empty: Callable[[], object] = field(default=list)
    # Seconds its answer is served without asking SUNAT again; None: RUC_CACHE_TTL, like the ficha.
    # The operator's RUC_SECTION_TTL_<NAME> overrides it (sunat.upstream.sections.ttl_of).
    ttl: int | None = None


DAY = 24 * 3600  # seconds: the ttl of what changes from one day to the next


def list_of(item_schema_name: str, description: str) -> dict:
    """The value schema of a page that is a list of items."""
    return {"type": "array", "items": ref(item_schema_name), "description": description}
