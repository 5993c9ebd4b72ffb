"""Changes of watched RUCs: one ChangeEvent per RUC and detection, a Notification per watching key.

Recorded in the transaction that stores the new answer (a refresh from SUNAT) or swaps the new
register in (an import), so that no change is stored without its notices, nor a notice without
its change: the notices are the webhooks' outbox and each key's feed.
"""

from collections import defaultdict
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from sunat import jobs
from sunat.models import ChangeEvent, Notification, RegisterChange, RucRecord, Watch, Webhook
from sunat.padron import corrections

# A SUNAT answer this recent that already says what a new register says announced it already.
_SAME_DAY = timedelta(days=2)
# What a change is, on a RUC's answer (the list; sub-pages come later).
WATCHED_FIELDS = ("razonSocial", "estado", "condicion", "direccion", "ubigeo",
                  "agenteRetencion", "agentePercepcion", "agentePercepcionVentaInterna", "buenContribuyente")


# The sub-pages whose new items are a change, when SUNAT is asked for them (their lists).
WATCHED_SECTIONS = ("deuda-coactiva", "omisiones", "actas-probatorias")


def new_items(field: str, before, after) -> list[dict]:
    """The sub-page's items now listed that were not before, as one change of its field
    (deudaCoactiva...: "antes" the items before, "despues" the new ones); none when nothing was added."""
    if not isinstance(before, list) or not isinstance(after, list):
        return []
    added = [item for item in after if item not in before]
    return [{"campo": field, "antes": before, "despues": added}] if added else []


def differences(before: dict, after: dict) -> list[dict]:
    """The watched fields both answers have and that differ, as the event's "cambios"."""
    return [{"campo": field, "antes": before[field], "despues": after[field]}
            for field in WATCHED_FIELDS if field in before and field in after and before[field] != after[field]]


def record(ruc: str, changes: list[dict], source: str) -> ChangeEvent | None:
    """The event of `changes` to `ruc`, noticed to each key watching it now; None (nothing written)
    when nothing changed or nobody watches it. Call it inside the transaction that stores the change."""
    if not changes:
        return None
    keys = list(_live_watches().filter(ruc=ruc).values_list("key_id", flat=True))
    if not keys:
        return None
    event = ChangeEvent.objects.create(ruc=ruc, changes=changes, source=source)
    _notify([(key_id, event) for key_id in keys])
    return event


def register_changes(version) -> dict[str, list[dict]]:
    """The changes a padrón version recorded (RegisterChange) to watched RUCs, per RUC: what
    record_many() writes. A join with the watches: the cost is that of the watched RUCs' changes.
    Read it before the import corrects the stored answers (they tell what SUNAT showed first)."""
    changed = list(RegisterChange.objects.filter(version=version, ruc__in=_live_watches().values("ruc"))
                   .order_by("ruc", "field").values_list("ruc", "field", "before", "after"))
    # A change SUNAT's page showed first was an event then (a refresh): the register saying it
    # later is no new change.
    stored = {record["ruc"]: record for record in RucRecord.objects.filter(ruc__in={row[0] for row in changed})
              .values("ruc", "estado", "condicion", "fetched_at")}
    per_ruc = defaultdict(list)
    for ruc, field, before, after in changed:
        record = stored.get(ruc)
        if (record is not None and after and field in record and record["fetched_at"] >= version.imported_at - _SAME_DAY
                and corrections.same_value(record[field], after)):
            continue
        per_ruc[ruc].append({"campo": field, "antes": before, "despues": after})
    return dict(per_ruc)


def membership_changes(field: str, old_table: str, new_table: str) -> dict[str, list[dict]]:
    """A register of agents or good taxpayers about to be swapped in: the watched RUCs it adds,
    drops or whose {"desde", "resolucion"} it changes, as changes of `field` (agenteRetencion...)
    per RUC. Only the watched RUCs' rows of both tables are read."""
    before, after = _members(old_table), _members(new_table)
    return {ruc: [{"campo": field, "antes": before.get(ruc), "despues": after.get(ruc)}]
            for ruc in sorted(set(before) | set(after)) if before.get(ruc) != after.get(ruc)}


def record_many(per_ruc: dict[str, list[dict]], source: str) -> int:
    """An event per RUC of `per_ruc` and a notice per watching key; how many events. The importer
    writes them last in its transaction, just before the commit: a feed reader paging by id never
    sees later ids committed while earlier ones wait in a long transaction."""
    if not per_ruc:
        return 0
    now = timezone.now()
    events = ChangeEvent.objects.bulk_create([
        ChangeEvent(ruc=ruc, changes=changes, source=source, detected_at=now) for ruc, changes in per_ruc.items()])
    by_ruc = {event.ruc: event for event in events}
    _notify([(key_id, by_ruc[ruc]) for ruc, key_id in _live_watches().filter(ruc__in=list(by_ruc))
             .values_list("ruc", "key_id").iterator()])
    return len(events)


def _members(table: str) -> dict[str, dict]:
    """The watched RUCs' rows of a register table, as the answer's field shows them."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ruc, desde, resolucion FROM {table} WHERE ruc IN "
                       f"(SELECT DISTINCT ruc FROM {Watch._meta.db_table})")
        return {ruc: {"desde": str(desde)[:10] if desde else None, "resolucion": resolucion}
                for ruc, desde, resolucion in cursor.fetchall()}


def _live_watches():
    """The watches of keys not revoked: a revoked key is told of nothing."""
    return Watch.objects.filter(key__revoked_at__isnull=True)


def _notify(pairs: list[tuple[int, ChangeEvent]]) -> None:
    """A notice per (key, event); pending delivery where the key has an active webhook for the
    event's kind, and then one delivery job (in the caller's transaction)."""
    wanted = {key_id: set(types) for key_id, types in Webhook.objects.filter(
        key_id__in={key_id for key_id, _ in pairs}, disabled_at__isnull=True).values_list("key_id", "event_types")}
    notices = [Notification(key_id=key_id, event=event,
                            delivery=Notification.PENDING if event.kind in wanted.get(key_id, ()) else Notification.NONE)
               for key_id, event in pairs]
    Notification.objects.bulk_create(notices, batch_size=5000)
    if any(notice.delivery == Notification.PENDING for notice in notices):
        jobs.deliver_soon()
