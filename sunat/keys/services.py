"""API keys: issuing them, recognising them, and counting their quotas in the cache.

A key reads `rk_<prefix>_<secret>`: the 8-hex-digit prefix finds the row, the SHA-256 of the
whole key must match (keys are long random strings, so a fast hash is the right one; a
password hasher would cost milliseconds per request). Quotas are counters in the Django
cache, one per key per minute and per day (Lima's day), shared by every process through
Redis when Redis is the cache.

When counters are not shared (no Redis, or Redis down and the cache on its in-process
fallback), each process counts on its own: it then admits only its share of each quota,
quota / WEB_PROCESSES rounded up, so that all of them together never pass the quota. Keys keep
working while Redis is out; a client whose requests land unevenly may meet 429 a little early.

A request with a key costs one Redis round trip: the key's row is read like a cached RUC
(sunat.lookups.ruc_cache.read, so a worker re-reads it every RUC_LOCAL_TTL seconds), and both counters
go up in one pipeline. Each separate cache call costs about 0.1 ms of a worker's CPU.
"""

import hashlib
import hmac
import logging
import math
import secrets
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from sunat import caching
from sunat.models import ApiKey

logger = logging.getLogger(__name__)

KEY_FORMAT = "rk_{prefix}_{secret}"
_PREFIX_LENGTH = 8
# A key's row is read from the cache for this long: a revocation in another process (LocMem)
# takes effect within it; with Redis, within RUC_LOCAL_TTL (each worker's copy of the row).
KEY_CACHE_SECONDS = 30
_MINUTE_TTL = 120
_DAY_TTL = 2 * 24 * 3600


class InvalidApiKey(Exception):
    """The Authorization header holds no key we issued, or a revoked one."""


MINUTE, DAY = "minuto", "día"  # a quota's period, as said to the user


class QuotaExceeded(Exception):
    def __init__(self, period: str, limit: int, retry_after: int, shared: bool = True, usage: "Usage | None" = None):
        super().__init__(f"{limit} per {period}")
        self.period = period  # MINUTE or DAY
        self.limit = limit  # the key's quota
        self.retry_after = retry_after
        self.shared = shared  # False: this process's share of it was spent (counters not shared)
        self.usage = usage  # what the key has spent and may still spend, this request not counted


@dataclass(frozen=True)
class KeyInUse:
    """What a request needs of its key, cached by prefix."""

    id: int
    prefix: str
    key_hash: str
    per_minute: int
    per_day: int
    revoked: bool
    # The key before a rotation, and until when it still works (a Unix time; 0: not at all).
    previous_hash: str = ""
    previous_until: float = 0.0


@dataclass(frozen=True)
class Usage:
    minute: int
    day: int
    # Set by charge(): the limits this process applies (the key's quotas, or this process's share of
    # them when the counters are not shared), and what the key may still spend under them.
    minute_left: int = 0
    day_left: int = 0
    minute_limit: int = 0
    day_limit: int = 0

    def refunded(self, units: int) -> "Usage":
        """The usage once `units` counted requests are given back (refund())."""
        return replace(self, minute=self.minute - units, day=self.day - units,
                       minute_left=self.minute_left + units, day_left=self.day_left + units)


def create_key(name: str, **fields) -> tuple[ApiKey, str]:
    """A new key: the saved row, and the key itself, which is never stored and cannot be shown again."""
    key = ApiKey(name=name, **fields)
    plain = issue(key)
    key.save()
    return key, plain


def issue(key: ApiKey) -> str:
    """Give an unsaved ApiKey its prefix and hash; return the plain key."""
    prefix = secrets.token_hex(_PREFIX_LENGTH // 2)
    plain = KEY_FORMAT.format(prefix=prefix, secret=secrets.token_urlsafe(32))
    key.prefix, key.key_hash = prefix, _hash(plain)
    return plain


def rotate(key: ApiKey, grace: timedelta) -> str:
    """Give a key a new secret (same prefix, quotas, watches and webhook); the old one keeps working
    for `grace` (none: it stops now). Returns the new plain key."""
    plain = KEY_FORMAT.format(prefix=key.prefix, secret=secrets.token_urlsafe(32))
    key.previous_hash, key.previous_valid_until = (key.key_hash, timezone.now() + grace) if grace else ("", None)
    key.key_hash = _hash(plain)
    key.save(update_fields=["key_hash", "previous_hash", "previous_valid_until"])
    forget(key.prefix)
    return plain


def revoke(key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    forget(key.prefix)


def forget(prefix: str) -> None:
    """Drop the cached copy of a key's row after a change (quotas, revocation)."""
    caching.forget(_key_cache_key(prefix))


def authenticate(authorization: str) -> KeyInUse:
    """The key in an "Authorization: Bearer <key>" header value; InvalidApiKey if it is not a live one."""
    scheme, _, plain = authorization.strip().partition(" ")
    plain = plain.strip()
    if scheme.lower() != "bearer" or not plain.startswith("rk_") or plain[3 + _PREFIX_LENGTH:4 + _PREFIX_LENGTH] != "_":
        raise InvalidApiKey
    key = _key_by_prefix(plain[3:3 + _PREFIX_LENGTH])
    if key is None or key.revoked:
        raise InvalidApiKey
    given = _hash(plain)
    if hmac.compare_digest(key.key_hash, given):
        return key
    if key.previous_hash and time.time() < key.previous_until and hmac.compare_digest(key.previous_hash, given):
        return key  # the key before a rotation, within its grace period
    raise InvalidApiKey


def charge(key: KeyInUse, units: int = 1) -> Usage:
    """Count `units` requests against the key's quotas; QuotaExceeded (nothing counted) when over."""
    now = time.time()
    minute_key, day_key = _counter_keys(key.prefix, now)
    minute, day, shared = _count(minute_key, day_key, units)
    per_minute, per_day = key.per_minute, key.per_day
    if not shared:
        per_minute, per_day = _process_share(per_minute), _process_share(per_day)
    used = Usage(minute=minute, day=day, minute_left=per_minute - minute, day_left=per_day - day,
                 minute_limit=per_minute, day_limit=per_day)
    if minute > per_minute or day > per_day:
        _uncount(minute_key, day_key, units)
        used = used.refunded(units)
        if minute > per_minute:
            raise QuotaExceeded(MINUTE, key.per_minute, minute_reset(now), shared=shared, usage=used)
        raise QuotaExceeded(DAY, key.per_day, day_reset(), shared=shared, usage=used)
    if minute == units:  # the key's first request this minute: worth one write
        ApiKey.objects.filter(pk=key.id).update(last_used_at=timezone.now())
    return used


def charge_batch(key: KeyInUse, rucs: int) -> Usage | None:
    """A batch costs one request per distinct RUC, and the door counted one: count the rest (None: nothing
    more to count). Over quota, give the door's one back too and raise QuotaExceeded: a refused batch
    costs nothing."""
    if rucs <= 1:
        return None
    try:
        return charge(key, rucs - 1)
    except QuotaExceeded as exc:
        refund(key)
        exc.usage = exc.usage.refunded(1)
        raise


def minute_reset(now: float | None = None) -> int:
    """Seconds until this minute's counter starts again (1-60)."""
    return 60 - int((time.time() if now is None else now) % 60)


def _process_share(limit: int) -> int:
    return math.ceil(limit / max(1, settings.WEB_PROCESSES))


def refund(key: KeyInUse, units: int = 1) -> None:
    """Give back `units` requests counted for a request that was refused after all (a batch over quota)."""
    _uncount(*_counter_keys(key.prefix, time.time()), units)


def usage(prefix: str) -> Usage:
    """Requests counted this minute and today (the admin shows them)."""
    minute_key, day_key = _counter_keys(prefix, time.time())
    return Usage(minute=cache.get(minute_key, 0), day=cache.get(day_key, 0))


def _counter_keys(prefix: str, now: float) -> tuple[str, str]:
    """This minute's and today's (Lima's day) counters of a key."""
    return (caching.quota_minute(prefix, int(now // 60)),
            caching.quota_day(prefix, timezone.localdate().isoformat()))


def _count(minute_key: str, day_key: str, units: int) -> tuple[int, int, bool]:
    """Add `units` to both counters and return their new values, and whether every process
    shares them (Redis answered): one pipeline on Redis."""
    connection = caching.redis_connection()
    if connection is not None:
        pipeline = connection.pipeline(transaction=False)
        for key, timeout in ((minute_key, _MINUTE_TTL), (day_key, _DAY_TTL)):
            # The cache's own key names, so that cache.get (usage, the admin) reads these counters.
            pipeline.set(cache.make_key(key), 0, ex=timeout, nx=True)
            pipeline.incrby(cache.make_key(key), units)
        try:
            _, minute, _, day = pipeline.execute()
            return minute, day, True
        except Exception:  # Redis trouble: the cache's calls below fall back like every other
            logger.warning("counting API key use on Redis failed; counting through the cache", exc_info=True)
    return _add(minute_key, units, timeout=_MINUTE_TTL), _add(day_key, units, timeout=_DAY_TTL), False


def _uncount(minute_key: str, day_key: str, units: int) -> None:
    _add(minute_key, -units, timeout=_MINUTE_TTL)
    _add(day_key, -units, timeout=_DAY_TTL)


def _add(key: str, units: int, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key, units)
    except ValueError:  # expired between add and incr
        cache.set(key, max(units, 0), timeout=timeout)
        return max(units, 0)


def day_reset() -> int:
    """Seconds until today's counter starts again, at midnight in Lima."""
    now = timezone.localtime()
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo)
    return max(1, int((midnight - now).total_seconds()))


def _key_by_prefix(prefix: str) -> KeyInUse | None:
    cached = caching.read(_key_cache_key(prefix))
    if cached is not None:
        return KeyInUse(**cached) if cached else None
    row = ApiKey.objects.filter(prefix=prefix).values(
        "id", "prefix", "key_hash", "per_minute", "per_day", "previous_hash", revoked=F("revoked_at"),
        until=F("previous_valid_until")).first()
    key = None
    if row is not None:
        until = row.pop("until")
        key = KeyInUse(**{**row, "revoked": row["revoked"] is not None,
                          "previous_until": until.timestamp() if until else 0.0})
    cache.set(_key_cache_key(prefix), key.__dict__ if key else {}, timeout=KEY_CACHE_SECONDS)
    return key


def _key_cache_key(prefix: str) -> str:
    return caching.api_key_row(prefix)


def _hash(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()
