"""Watching and unwatching RUCs for an API key, within the key's limit."""

from dataclasses import dataclass

from django.db import transaction

from sunat.clock import api_time
from sunat.models import ApiKey, Watch
from sunat.validators import InvalidRuc, validate_ruc

BATCH_LIMIT = 1000  # RUCs per POST /api/vigilancia/lote


class WatchLimitReached(Exception):
    def __init__(self, limit: int, watched: int):
        super().__init__(f"{watched} of {limit}")
        self.limit, self.watched = limit, watched


@dataclass(frozen=True)
class Watched:
    ruc: str
    since: str  # YYYY-MM-DDTHH:MM:SSZ
    checked: str | None

    def as_json(self) -> dict:
        return {"ruc": self.ruc, "vigiladoDesde": self.since, "revisadoEn": self.checked}


def watch(key_id: int, ruc: str) -> tuple[Watched, bool]:
    """Watch `ruc` (InvalidRuc if it is not one); (the watch, whether it is new). WatchLimitReached
    when the key already watches as many RUCs as its limit."""
    ruc = validate_ruc(ruc)
    with transaction.atomic():
        limit = _locked_limit(key_id)
        existing = Watch.objects.filter(key_id=key_id, ruc=ruc).first()
        if existing is not None:
            return _watched(existing), False
        count = Watch.objects.filter(key_id=key_id).count()
        if count >= limit:
            raise WatchLimitReached(limit, count)
        return _watched(Watch.objects.create(key_id=key_id, ruc=ruc)), True


def watch_many(key_id: int, rucs: list) -> dict:
    """Watch every valid RUC of `rucs` at once: {"nuevos", "yaVigilados", "invalidos"}. All or
    none: WatchLimitReached when the new ones would pass the limit."""
    valid, invalid = [], {}
    for value in dict.fromkeys(str(ruc) for ruc in rucs):
        try:
            valid.append(validate_ruc(value))
        except InvalidRuc as exc:
            invalid[value[:20]] = str(exc)
    with transaction.atomic():
        limit = _locked_limit(key_id)
        already = set(Watch.objects.filter(key_id=key_id, ruc__in=valid).values_list("ruc", flat=True))
        new = [ruc for ruc in valid if ruc not in already]
        count = Watch.objects.filter(key_id=key_id).count()
        if count + len(new) > limit:
            raise WatchLimitReached(limit, count)
        Watch.objects.bulk_create([Watch(key_id=key_id, ruc=ruc) for ruc in new])
    return {"nuevos": new, "yaVigilados": [ruc for ruc in valid if ruc in already], "invalidos": invalid}


def unwatch(key_id: int, ruc: str) -> bool:
    """Stop watching `ruc`; whether it was watched."""
    deleted, _ = Watch.objects.filter(key_id=key_id, ruc=validate_ruc(ruc)).delete()
    return deleted > 0


def watching(key_id: int, ruc: str) -> Watched | None:
    found = Watch.objects.filter(key_id=key_id, ruc=validate_ruc(ruc)).first()
    return _watched(found) if found is not None else None


def watched(key_id: int, page: int, per_page: int) -> tuple[list[Watched], int, bool]:
    """A page of the key's watched RUCs in RUC order: (the page, how many in all, whether more follow)."""
    watches = Watch.objects.filter(key_id=key_id).order_by("ruc")
    rows = list(watches[(page - 1) * per_page:page * per_page + 1])
    return [_watched(row) for row in rows[:per_page]], watches.count(), len(rows) > per_page


def _locked_limit(key_id: int) -> int:
    """The key's limit, its row locked until the transaction ends: two requests of one key count
    its watches one after the other (PostgreSQL; SQLite writes one at a time anyway)."""
    return ApiKey.objects.select_for_update().values_list("watch_limit", flat=True).get(pk=key_id)


def _watched(row: Watch) -> Watched:
    return Watched(ruc=row.ruc, since=api_time(row.created_at), checked=api_time(row.checked_at) if row.checked_at else None)


