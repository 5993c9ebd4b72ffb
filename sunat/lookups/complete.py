"""GET /api/ruc/<ruc>/completo: a RUC's ficha and every section it offers, within one time budget.

The ficha is looked up like /api/ruc/<ruc>?fuente=sunat (its errors are the answer's). Each
section then goes the way of a batch item (sunat.lookups.batch): from the cache or the database
at once, from the ficha when SUNAT shows no button for it (empty, nothing asked), else queued at
BATCH priority under the same pacing and single flight. What is not done by COMPLETO_TIMEOUT is
"pendiente" and keeps running, so that asking again finds it cached; one failing section never
fails the others.
"""

import time
from functools import partial

from django.conf import settings

from sunat.lookups import batch, services
from sunat.lookups.pages import SECTION_PAGES
from sunat.registers import annotations
from sunat.upstream import asker


class InvalidSections(Exception):
    """?secciones= names no section, or one that does not exist; the message is the API's detail."""


def sections_asked(text: str | None) -> list[str]:
    """The sections a ?secciones= value names, in the ficha's order; every one when absent."""
    if text is None:
        return list(SECTION_PAGES)
    names = {name.strip() for name in text.split(",") if name.strip()}
    unknown = sorted(names - set(SECTION_PAGES))
    if not names or unknown:
        raise InvalidSections(
            f"El parámetro secciones admite, separadas por comas: {', '.join(SECTION_PAGES)}"
            + (f" (no existe: {', '.join(unknown)[:200]})." if unknown else "."))
    return [name for name in SECTION_PAGES if name in names]


def lookup_complete(ruc: str, names: list[str], fresh: bool = False, timeout: float | None = None) -> services.Lookup:
    """{"ficha", "secciones": {name: entry}, "resumen"}, with the ficha's cache status (`fresh`
    applies to the ficha). Raises what lookup_ruc raises for the ficha."""
    ficha = services.lookup_ruc(ruc, fresh=fresh, source=services.SUNAT)
    budget = settings.COMPLETO_TIMEOUT if timeout is None else timeout
    deadline = min(time.monotonic() + budget, asker.current().deadline)
    entries, pending = {}, {}
    for name in names:
        answer = batch.entry(partial(services.begin_section, ficha.data, name, ficha.cache_status))
        if isinstance(answer, services.Pending):
            pending[name] = answer
        else:
            entries[name] = answer
    batch.wait_until(deadline, [item.future for item in pending.values()])
    for name, item in pending.items():
        entries[name] = batch.entry(item.result) if item.future.done() else batch.pending_entry()
    sections = {name: entries[name] for name in names}
    answer = {"ficha": annotations.annotate(ficha.data), "secciones": sections,
              "resumen": batch.summary_of(sections.values())}
    return services.Lookup(answer, ficha.cache_status, ficha.fresh_in)  # fresh applies to the ficha
