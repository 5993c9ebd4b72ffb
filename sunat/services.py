"""RUC lookups: cache, then the database record, then SUNAT; and the admin's refresh and evict."""

import logging
from dataclasses import dataclass

from django.db import DatabaseError
from django.utils import timezone

from sunat import cache as ruc_cache
from sunat.clients import get_client
from sunat.exceptions import RucNotFound, SunatError
from sunat.models import RucRecord
from sunat.validators import validate_ruc

logger = logging.getLogger(__name__)

HIT = "HIT"
MISS = "MISS"
STALE = "STALE"


@dataclass(frozen=True)
class Lookup:
    data: dict
    cache_status: str  # HIT, MISS or STALE: the X-Cache header


def lookup_ruc(ruc: str) -> Lookup:
    """SUNAT's data for a RUC, as cheaply as it can be had.

    Raises InvalidRuc, RucNotFound, or SunatError when SUNAT fails and nothing is stored.
    """
    ruc = validate_ruc(ruc)
    cached = ruc_cache.get(ruc)
    if ruc_cache.is_not_found(cached):
        raise RucNotFound(ruc)
    if cached is not None:
        return Lookup(cached, HIT)

    record = _stored_record(ruc)
    if record is not None and record.seconds_left() > 0:
        # Another process (or an earlier cache) fetched it; share it through the cache.
        ruc_cache.put(ruc, record.data, timeout=record.seconds_left())
        return Lookup(record.data, HIT)

    try:
        data = fetch_from_sunat(ruc)
    except RucNotFound:
        ruc_cache.put_not_found(ruc)
        raise
    except SunatError as exc:
        if record is None:
            raise
        logger.warning("SUNAT failed for %s (%s); serving the record from %s", ruc, exc, record.fetched_at)
        return Lookup(record.data, STALE)
    return Lookup(data, MISS)


def fetch_from_sunat(ruc: str) -> dict:
    """Ask SUNAT now, then store the answer in the database and the cache."""
    fetched_at = timezone.now()
    data = get_client().lookup(ruc)
    data["fuente"] = "sunat"
    data["actualizadoEn"] = fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    _store(ruc, data, fetched_at)
    ruc_cache.put(ruc, data)
    return data


def refresh(ruc: str) -> dict:
    """Fetch a RUC from SUNAT whatever the cache holds (admin action). Errors propagate."""
    return fetch_from_sunat(validate_ruc(ruc))


def _stored_record(ruc: str) -> RucRecord | None:
    try:
        return RucRecord.objects.filter(ruc=ruc).first()
    except DatabaseError:
        # The database is a fallback here; a broken one must not stop a lookup.
        logger.exception("could not read the stored record of %s", ruc)
        return None


def _store(ruc: str, data: dict, fetched_at) -> None:
    try:
        RucRecord.objects.update_or_create(
            ruc=ruc,
            defaults={
                "razon_social": data.get("razonSocial") or "",
                "estado": data.get("estado") or "",
                "condicion": data.get("condicion") or "",
                "data": data,
                "source": data["fuente"],
                "fetched_at": fetched_at,
            },
        )
    except DatabaseError:
        logger.exception("could not store the lookup of %s", ruc)
