"""Django's cache as the service uses it, whichever backend: every family of keys the service keeps
there (spelled here and nowhere else), which backend it is, Redis's raw connection when it answers,
a probe, and each process's short-lived copy of what it read.

Every key starts with `sunat:`; `manage.py clear_ruc_cache` removes `sunat:ruc:*` only.

With Redis, each process keeps what it read through read() for RUC_LOCAL_TTL seconds (a few), so
that a popular entry (a RUC, an API key's row) costs no Redis round trip at all; an eviction in
another process reaches it within that time. LocMem is already in the process: nothing is copied.
These copies are a piece of this process's state (sunat.process): none after a fork, none between tests.
"""

import logging
import threading
import time
import uuid
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache, caches
from django_redis.cache import RedisCache

from sunat import process

logger = logging.getLogger(__name__)

RUC_PREFIX = "sunat:ruc:"

# Pacing, cooldowns and the failure backoff (sunat.upstream.throttle).
PACE = "sunat:upstream:last-request"
BLOCKED_UNTIL = "sunat:upstream:blocked-until"
FAILING = "sunat:upstream:failing"  # {"until": epoch seconds, "failures": n in a row}
PROBE = "sunat:upstream:probe"  # held by the one request that tries after a backoff
# SUNAT's failures in a row, for /health (sunat.upstream.status): {"since", "last", "count", "kind"}.
SUNAT_FAILURES = "sunat:upstream:failures"

# Which way of asking SUNAT works (sunat.upstream.flows.choice).
FLOW = "sunat:upstream:flow"  # {"flow", "since", "checked", "answered"}: the flow in use
STORED_CHECK = "sunat:upstream:stored-check"  # {"at", "accepted"} of the newest SunatCheck, for a minute
NO_FLOW = "sunat:upstream:no-flow"  # {"since", "last", "detail"}: while every flow is refused

PADRON_VERSION = "sunat:padron:version"

# SUNAT's official REST API (sunat.comprobantes): its own pacing lane and backoff (sunat.upstream.throttle),
# the OAuth2 token every process shares (the secret is never part of a key), and the answers.
CPE_API_PACE = "sunat:cpe-api:last-request"
CPE_API_BLOCKED_UNTIL = "sunat:cpe-api:blocked-until"
CPE_API_FAILING = "sunat:cpe-api:failing"
CPE_API_PROBE = "sunat:cpe-api:probe"
CPE_API_TOKEN = "sunat:cpe-api:token"  # {"token", "expires"}: kept until a minute before it expires
CPE_API_TOKEN_FLIGHT = "cpe-api-token"  # the single flight of its renewal (flight_lease)
CPE_PREFIX = "sunat:cpe:"

# SUNAT's exchange rate (sunat.exchange, e-consulta.sunat.gob.pe and www.sunat.gob.pe): a lane of its own, so
# that its host failing never pauses RUC lookups.
EXCHANGE_PACE = "sunat:tipo-cambio:last-request"
EXCHANGE_BLOCKED_UNTIL = "sunat:tipo-cambio:blocked-until"
EXCHANGE_FAILING = "sunat:tipo-cambio:failing"
EXCHANGE_PROBE = "sunat:tipo-cambio:probe"


def cpe_answer(question: str) -> str:
    """A comprobante's validation: `sunat:cpe:<digest of every field asked>`."""
    return f"{CPE_PREFIX}{question}"


def exchange_rate(day) -> str:
    """SUNAT's exchange rate answered for a date (sunat.exchange), once no later answer can change it."""
    return f"sunat:tipo-cambio:{day.isoformat()}"


def register_version(name: str) -> str:
    """The version in use of one of SUNAT's other registers (sunat.registers.files)."""
    return f"sunat:register:{name}:version"


def ruc_key(ruc: str, section: str | None = None) -> str:
    """A lookup's answer: `sunat:ruc:<ruc>`, or `sunat:ruc:<ruc>:<section>` for a section."""
    return f"{RUC_PREFIX}{ruc}:{section}" if section else f"{RUC_PREFIX}{ruc}"


def refresh_marker(key: str) -> str:
    """Present while a background refresh of `key` runs or recently failed."""
    return f"sunat:refresh:{key}"


def flight_lease(key: str) -> str:
    """The Redis lease of the process asking SUNAT for `key` (sunat.upstream.singleflight)."""
    return f"sunat:flight:{key}"


def flight_done(key: str) -> str:
    """When (time.time()) the last flight for `key` answered: what it stored answers who waited."""
    return f"sunat:flight-done:{key}"


def flight_error(key: str) -> str:
    """A leader's failure for `key`, read by the processes that waited for it."""
    return f"sunat:flight-error:{key}"


def fresh_turn(client: str, ruc: str, section: str | None = None) -> str:
    """Present for a minute after `client` made SUNAT answer a RUC's page again (?fresh=1, sunat.lookups.fresh)."""
    return f"sunat:fresh:{client}:{ruc}:{section}" if section else f"sunat:fresh:{client}:{ruc}"


def api_key_row(prefix: str) -> str:
    """What a request needs of an API key, found by its prefix (sunat.keys.services)."""
    return f"sunat:apikey:{prefix}"


def quota_minute(prefix: str, minute: int) -> str:
    return f"sunat:quota:{prefix}:m:{minute}"


def quota_day(prefix: str, day: str) -> str:
    return f"sunat:quota:{prefix}:d:{day}"


def cache_probe(token: str) -> str:
    """A throwaway key written and read back to see whether the cache answers."""
    return f"sunat:probe:{token}"


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


def read(key: str):
    """cache.get(key), served from this process's copy of a Redis read while it is fresh."""
    if not _local_copies():
        return cache.get(key)
    copies = _copies.get()
    value = copies.get(key)
    if value is None:
        value = cache.get(key)
        if value is not None:
            copies.put(key, value)
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


_copies = process.lazy("local copies of Redis reads", _LocalCopies)


def discard_local_copies(keys) -> None:
    """Forget this process's copies of these keys (they were just written or deleted here)."""
    _copies.get().discard(keys)


def clear_local_copies() -> None:
    """Forget this process's copies of Redis reads (a process that must re-read now)."""
    _copies.get().clear()


def _local_copies() -> bool:
    # LocMem is already in the process; only a Redis read is worth keeping.
    return settings.RUC_LOCAL_TTL > 0 and uses_redis()


def forget(key: str) -> None:
    """Delete a key read through read(): from the cache, and from this process's copies."""
    _copies.get().discard([key])
    cache.delete(key)


def probe() -> bool:
    """Write, read back and delete a throwaway key: does the cache really answer?"""
    key = cache_probe(uuid.uuid4().hex)
    try:
        cache.set(key, "ok", timeout=10)
        ok = cache.get(key) == "ok"
        cache.delete(key)
        return ok
    except Exception:  # a cache that raises is a cache that does not answer
        logger.warning("cache probe failed", exc_info=True)
        return False
