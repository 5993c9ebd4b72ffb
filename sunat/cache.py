"""The RUC entries in Django's cache: keys, reads, writes, eviction and status.

The same functions work on django-redis and on LocMemCache. LocMem lives inside each
process: what one process writes or evicts, the others never see.

With Redis, each process also keeps what it read for RUC_LOCAL_TTL seconds (a few), so that a
popular RUC costs no Redis round trip at all; another process's eviction reaches it within
that time. read() and forget() give other hot entries (API keys) the same treatment.
"""

import logging
import threading
import time
import uuid
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache, caches
from django_redis.cache import RedisCache

from sunat.sections import SECTIONS

logger = logging.getLogger(__name__)

KEY_PREFIX = "sunat:ruc:"
_NOT_FOUND = {"notFound": True}


def ruc_key(ruc: str, section: str | None = None) -> str:
    """`sunat:ruc:<ruc>`, or `sunat:ruc:<ruc>:<section>` for a sub-page."""
    return f"{KEY_PREFIX}{ruc}:{section}" if section else f"{KEY_PREFIX}{ruc}"


def uses_redis() -> bool:
    # `cache` is a proxy; the backend class is on the object it stands for.
    return isinstance(caches["default"], RedisCache)


def circuit_open() -> bool:
    """Whether Redis is configured but its circuit breaker has it out of use now."""
    return uses_redis() and getattr(caches["default"], "circuit_open", lambda: False)()


def redis_connection():
    """A raw Redis client when the cache is Redis and answering, else None (use local means)."""
    if not uses_redis() or circuit_open():
        return None
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def backend_name() -> str:
    return "redis" if uses_redis() else type(caches["default"]).__name__.lower().removesuffix("cache")


def get(ruc: str, section: str | None = None):
    """Return the cached answer: a data dict, NOT_FOUND, or None on a miss."""
    return read(ruc_key(ruc, section))


def read(key: str):
    """cache.get(key), served from this process's copy of a Redis read while it is fresh."""
    if not _local_copies():
        return cache.get(key)
    value = _local.get(key)
    if value is None:
        value = cache.get(key)
        if value is not None:
            _local.put(key, value)
    return value


class _LocalCopies:
    """This process's recent reads from Redis: bounded, each kept RUC_LOCAL_TTL seconds."""

    MAX_ENTRIES = 5_000

    def __init__(self):
        self._entries: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            return entry[1]

    def put(self, key: str, value) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + settings.RUC_LOCAL_TTL, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.MAX_ENTRIES:
                self._entries.popitem(last=False)

    def discard(self, keys) -> None:
        with self._lock:
            for key in keys:
                self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_local = _LocalCopies()


def clear_local_copies() -> None:
    """Forget this process's copies of Redis reads (tests; a process that must re-read now)."""
    _local.clear()


def _local_copies() -> bool:
    # LocMem is already in the process; only a Redis read is worth keeping.
    return settings.RUC_LOCAL_TTL > 0 and uses_redis()


def forget(key: str) -> None:
    """Delete a key read through read(): from the cache, and from this process's copies."""
    _local.discard([key])
    cache.delete(key)


def is_not_found(value) -> bool:
    return value == _NOT_FOUND


def put(ruc: str, data: dict, timeout: int | None = None, section: str | None = None) -> None:
    timeout = settings.RUC_CACHE_TTL if timeout is None else timeout
    key = ruc_key(ruc, section)
    _local.discard([key])
    cache.set(key, data, timeout=timeout)


def put_not_found(ruc: str) -> None:
    _local.discard([ruc_key(ruc)])
    cache.set(ruc_key(ruc), _NOT_FOUND, timeout=settings.RUC_NOT_FOUND_TTL)


def contains(ruc: str) -> bool:
    return cache.has_key(ruc_key(ruc))


def evict(rucs) -> int:
    """Remove these RUCs and their sub-pages from the cache; return how many RUCs were there."""
    rucs = list(rucs)
    present = sum(1 for ruc in rucs if cache.has_key(ruc_key(ruc)))
    keys = [ruc_key(ruc, section) for ruc in rucs for section in (None, *SECTIONS)]
    _local.discard(keys)
    cache.delete_many(keys)
    return present


def evict_all() -> int:
    """Remove every `sunat:ruc:*` entry and nothing else; return how many."""
    _local.clear()
    if uses_redis():
        # delete_pattern walks the keyspace with SCAN, never KEYS or FLUSHALL.
        return cache.delete_pattern(f"{KEY_PREFIX}*") or 0
    keys = _locmem_ruc_keys()
    cache.delete_many(keys)
    return len(keys)


def count() -> int:
    """How many RUCs are cached (their sub-pages not counted)."""
    if uses_redis():
        return sum(1 for _ in cache.iter_keys(KEY_PREFIX + "?" * 11))
    return sum(1 for key in _locmem_ruc_keys() if len(key) == len(KEY_PREFIX) + 11)


def _locmem_ruc_keys() -> list[str]:
    # LocMemCache has no key listing; its private dict is the only way to find our keys.
    locmem = caches["default"]
    raw_prefix = locmem.make_key(KEY_PREFIX)
    strip = len(locmem.make_key(""))
    with locmem._lock:
        return [raw[strip:] for raw in list(locmem._cache) if raw.startswith(raw_prefix)]


def probe() -> bool:
    """Write, read back and delete a throwaway key: does the cache really answer?"""
    key = f"sunat:probe:{uuid.uuid4().hex}"
    try:
        cache.set(key, "ok", timeout=10)
        ok = cache.get(key) == "ok"
        cache.delete(key)
        return ok
    except Exception:  # a cache that raises is a cache that does not answer
        logger.warning("cache probe failed", exc_info=True)
        return False


def status() -> dict:
    """Backend, reachability and, on Redis, the RUC key count and memory used."""
    info = {"backend": backend_name(), "reachable": probe() and not circuit_open()}
    if not info["reachable"]:
        return info
    try:
        info["ruc_keys"] = count()
        connection = redis_connection()
        if connection is not None:
            memory = connection.info("memory")
            info["used_memory"] = memory.get("used_memory")
            info["used_memory_human"] = memory.get("used_memory_human")
    except Exception:
        logger.warning("could not read cache statistics", exc_info=True)
        info["reachable"] = False
    return info
