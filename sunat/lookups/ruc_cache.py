"""The RUC entries in Django's cache: reads, writes, eviction and status.

The same functions work on django-redis and on LocMemCache. LocMem lives inside each
process: what one process writes or evicts, the others never see. Reads go through
sunat.caching.read (with Redis, each process's copy for RUC_LOCAL_TTL seconds).
"""

import logging

from django.conf import settings
from django.core.cache import cache, caches

from sunat import caching
from sunat.upstream.sections import SECTIONS, ttl_of

logger = logging.getLogger(__name__)

KEY_PREFIX = caching.RUC_PREFIX
_NOT_FOUND = {"notFound": True}
ruc_key = caching.ruc_key


def get(ruc: str, section: str | None = None):
    """Return the cached answer: a data dict, NOT_FOUND, or None on a miss."""
    return caching.read(ruc_key(ruc, section))


def is_not_found(value) -> bool:
    return value == _NOT_FOUND


def put(ruc: str, data: dict, timeout: int | None = None, section: str | None = None) -> None:
    timeout = ttl_of(section) if timeout is None else timeout
    key = ruc_key(ruc, section)
    caching.discard_local_copies([key])
    cache.set(key, data, timeout=timeout)


def put_not_found(ruc: str, timeout: int | None = None) -> None:
    caching.discard_local_copies([ruc_key(ruc)])
    cache.set(ruc_key(ruc), _NOT_FOUND, timeout=settings.RUC_NOT_FOUND_TTL if timeout is None else timeout)


def contains(ruc: str) -> bool:
    return cache.has_key(ruc_key(ruc))


def evict(rucs) -> int:
    """Remove these RUCs and their sections from the cache; return how many RUCs were there."""
    rucs = list(rucs)
    present = sum(1 for ruc in rucs if cache.has_key(ruc_key(ruc)))
    keys = [ruc_key(ruc, section) for ruc in rucs for section in (None, *SECTIONS)]
    caching.discard_local_copies(keys)
    cache.delete_many(keys)
    return present


def evict_all() -> int:
    """Remove every `sunat:ruc:*` entry and nothing else; return how many."""
    caching.clear_local_copies()
    if caching.uses_redis():
        # delete_pattern walks the keyspace with SCAN, never KEYS or FLUSHALL.
        return cache.delete_pattern(f"{KEY_PREFIX}*") or 0
    keys = _locmem_ruc_keys()
    cache.delete_many(keys)
    return len(keys)


def count() -> int:
    """How many RUCs are cached (their sections not counted)."""
    if caching.uses_redis():
        return sum(1 for _ in cache.iter_keys(KEY_PREFIX + "?" * 11))
    return sum(1 for key in _locmem_ruc_keys() if len(key) == len(KEY_PREFIX) + 11)


def _locmem_ruc_keys() -> list[str]:
    # LocMemCache has no key listing; its private dict is the only way to find our keys.
    locmem = caches["default"]
    raw_prefix = locmem.make_key(KEY_PREFIX)
    strip = len(locmem.make_key(""))
    with locmem._lock:
        return [raw[strip:] for raw in list(locmem._cache) if raw.startswith(raw_prefix)]


def status() -> dict:
    """Backend, reachability and, on Redis, the RUC key count and memory used."""
    info = {"backend": caching.backend_name(), "reachable": caching.probe() and not caching.circuit_open()}
    if not info["reachable"]:
        return info
    try:
        info["ruc_keys"] = count()
        connection = caching.redis_connection()
        if connection is not None:
            memory = connection.info("memory")
            info["used_memory"] = memory.get("used_memory")
            info["used_memory_human"] = memory.get("used_memory_human")
    except Exception:
        logger.warning("could not read cache statistics", exc_info=True)
        info["reachable"] = False
    return info
