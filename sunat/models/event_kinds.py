"""The kinds of change event, one small declaration each: a ChangeEvent's "tipo", what a key's
webhook subscribes to ("eventos") and what the OpenAPI document lists.

Declared beside the models because ChangeEvent.kind's default names one, and every floor that
reads them (changes, watch, api) sits above. A new kind is one declaration added to EVENT_KINDS,
plus the code that records it: sunat.changes.events.record(..., kind=THE_KIND).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class EventKind:
    name: str  # the event's "tipo" in the feed and the webhook's body, and a webhook's "eventos" item
    description: str  # what it means, in Spanish: the OpenAPI document tells integrators


RUC_CAMBIO = EventKind(
    name="ruc.cambio",
    description="Cambió un dato vigilado del RUC (su ficha, un padrón importado o una sección consultada): "
                "cambios dice cuáles, con su valor antes y después.",
)

# In the order the OpenAPI document lists them; a webhook that names no "eventos" gets every one.
EVENT_KINDS = {kind.name: kind for kind in (RUC_CAMBIO,)}
