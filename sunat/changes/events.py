"""Changes of watched RUCs: one ChangeEvent per RUC and detection, a Notification per watching key.

Recorded in the transaction that stores the new answer (a refresh from SUNAT) or swaps the new
register in (an import), so that no change is stored without its notices, nor a notice without
its change: the notices are the webhooks' outbox and each key's feed.
"""

from django.utils import timezone

from sunat import tasks
from sunat.models import ChangeEvent, Notification, Watch, Webhook
from sunat.models.event_kinds import RUC_CAMBIO, EventKind

# What a change is, on a RUC's answer (the list; sections come later).
WATCHED_FIELDS = ("razonSocial", "estado", "condicion", "direccion", "ubigeo",
                  "agenteRetencion", "agentePercepcion", "agentePercepcionVentaInterna", "buenContribuyente")


# The sections whose new items are a change, when SUNAT is asked for them (their lists).
WATCHED_SECTIONS = ("deuda-coactiva", "omisiones", "actas-probatorias")


def new_items(field: str, before, after) -> list[dict]:
    """The section's items now listed that were not before, as one change of its field
    (deudaCoactiva...: "antes" the items before, "despues" the new ones); none when nothing was added."""
    if not isinstance(before, list) or not isinstance(after, list):
        return []
    added = [item for item in after if item not in before]
    return [{"campo": field, "antes": before, "despues": added}] if added else []


def differences(before: dict, after: dict) -> list[dict]:
    """The watched fields both answers have and that differ, as the event's "cambios"."""
    return [{"campo": field, "antes": before[field], "despues": after[field]}
            for field in WATCHED_FIELDS if field in before and field in after and before[field] != after[field]]


def record(ruc: str, changes: list[dict], source: str, kind: EventKind = RUC_CAMBIO) -> ChangeEvent | None:
    """The event (of `kind`, one of EVENT_KINDS) of `changes` to `ruc`, noticed to each key watching
    it now; None (nothing written) when nothing changed or nobody watches it. Call it inside the
    transaction that stores the change."""
    if not changes:
        return None
    keys = list(live_watches().filter(ruc=ruc).values_list("key_id", flat=True))
    if not keys:
        return None
    event = ChangeEvent.objects.create(ruc=ruc, kind=kind.name, changes=changes, source=source)
    _notify([(key_id, event) for key_id in keys])
    return event


def record_many(per_ruc: dict[str, list[dict]], source: str, kind: EventKind = RUC_CAMBIO) -> int:
    """An event (of `kind`) per RUC of `per_ruc` and a notice per watching key; how many events. The
    importer writes them last in its transaction, just before the commit: a feed reader paging by id
    never sees later ids committed while earlier ones wait in a long transaction."""
    if not per_ruc:
        return 0
    now = timezone.now()
    events = ChangeEvent.objects.bulk_create([
        ChangeEvent(ruc=ruc, kind=kind.name, changes=changes, source=source, detected_at=now)
        for ruc, changes in per_ruc.items()])
    by_ruc = {event.ruc: event for event in events}
    _notify([(key_id, by_ruc[ruc]) for ruc, key_id in live_watches().filter(ruc__in=list(by_ruc))
             .values_list("ruc", "key_id").iterator()])
    return len(events)


def live_watches():
    """The watches of keys not revoked: a revoked key is told of nothing."""
    return Watch.objects.filter(key__revoked_at__isnull=True)


def _notify(pairs: list[tuple[int, ChangeEvent]]) -> None:
    """A notice per (key, event); pending delivery where the key has an active webhook for the
    event's kind, and then one delivery task (in the caller's transaction)."""
    wanted = {key_id: set(types) for key_id, types in Webhook.objects.filter(
        key_id__in={key_id for key_id, _ in pairs}, disabled_at__isnull=True).values_list("key_id", "event_types")}
    notices = [Notification(key_id=key_id, event=event,
                            delivery=Notification.PENDING if event.kind in wanted.get(key_id, ()) else Notification.NONE)
               for key_id, event in pairs]
    Notification.objects.bulk_create(notices, batch_size=5000)
    if any(notice.delivery == Notification.PENDING for notice in notices):
        tasks.deliver_soon()
