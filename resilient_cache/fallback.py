"""The in-process memory side: the LocMemCache calls answer from while the breaker is open, and the
deletions made there, kept to be replayed on Redis before the breaker closes."""

import fnmatch
import logging
import re
import time
from datetime import timedelta

from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger("resilient_cache")

_MISSING = object()


class FallbackCache(LocMemCache):
    def validate_key(self, key):
        pass  # Redis takes any key; memcached's key warnings would only make the two differ


class PendingDeletes:
    """Raw Redis keys and glob patterns deleted while Redis was out. Not locked: the breaker's lock guards it."""

    def __init__(self, limit: int):
        self.limit = limit
        self.keys: set[str] = set()
        self.patterns: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self.keys or self.patterns)

    def add(self, raw_keys=(), raw_patterns=()) -> None:
        for pending, items in ((self.keys, raw_keys), (self.patterns, raw_patterns)):
            pending.update(items)
            if len(pending) > self.limit:
                # Not worth more memory than the fallback itself: some evictions will only end at their TTL.
                logger.warning("more than %s deletions while Redis is out: not all will reach it", self.limit)
                for _ in range(len(pending) - self.limit):
                    pending.pop()

    def take(self) -> tuple[set[str], set[str]]:
        """Everything pending, leaving nothing: what is not sent goes back through add()."""
        keys, patterns = self.keys, self.patterns
        self.keys, self.patterns = set(), set()
        return keys, patterns


def _fnmatch_pattern(redis_glob: str) -> str:
    """Redis glob (*, ?, [abc], [^a], \\x) in fnmatch's dialect (negation is "[!a]", no backslash escape)."""
    return re.sub(r"\\(.)", r"[\1]", redis_glob.replace("[^", "[!"), flags=re.DOTALL)


class FallbackCalls:
    """The backend's calls answered from its `_fallback` (a FallbackCache), for ResilientRedisCache.

    Values are stored encoded like Redis does (the backend's django-redis `client`), so both give back
    the same types; deletions are reported to the backend's `_breaker`.
    """

    def _encode(self, value):
        return self.client.encode(value)

    def _decode(self, value):
        return self.client.decode(value)

    def _fallback_get(self, key, default, version):
        value = self._fallback.get(key, _MISSING, version=version)
        return default if value is _MISSING else self._decode(value)

    def _fallback_set(self, key, value, timeout, version, nx=False, xx=False):
        fallback = self._fallback
        if nx:
            return fallback.add(key, self._encode(value), timeout, version=version)
        if xx and not fallback.has_key(key, version=version):
            return False
        fallback.set(key, self._encode(value), timeout, version=version)
        return True

    def _fallback_get_many(self, keys, version):
        found = self._fallback.get_many(keys, version=version)
        return {key: self._decode(value) for key, value in found.items()}

    def _fallback_set_many(self, data, timeout, version):
        self._fallback.set_many({key: self._encode(value) for key, value in data.items()}, timeout, version=version)
        return []

    def _fallback_delete(self, key, version):
        return self._fallback_delete_many([key], version) > 0

    def _fallback_delete_many(self, keys, version):
        self._breaker.remember_deletes(raw_keys=[str(self.make_key(key, version=version)) for key in keys])
        return sum(1 for key in keys if self._fallback.delete(key, version=version))

    def _fallback_incr(self, key, delta, version, ignore_key_check=False):
        if ignore_key_check:
            self._fallback.add(key, 0, timeout=None, version=version)
        return self._fallback.incr(key, delta, version=version)

    def _fallback_ttl(self, key, version, scale=1):
        fallback = self._fallback
        raw_key = fallback.make_key(key, version=version)
        with fallback._lock:
            if fallback._has_expired(raw_key):
                return 0
            expires = fallback._expire_info.get(raw_key)
        return None if expires is None else max(0, int((expires - time.time()) * scale))

    def _fallback_expire_in(self, key, seconds, version):
        if isinstance(seconds, timedelta):
            seconds = seconds.total_seconds()
        return self._fallback.touch(key, seconds, version=version)

    def _fallback_keys(self, search, version=None, prefix=None):
        """The fallback's keys matching a Redis glob, built and matched like django-redis does on Redis."""
        pattern = _fnmatch_pattern(self.client.make_pattern(search, version=version, prefix=prefix))
        fallback = self._fallback
        with fallback._lock:
            raw_keys = [key for key in fallback._cache if not fallback._has_expired(key)]
        return [self.client.reverse_key(key) for key in raw_keys if fnmatch.fnmatchcase(key, pattern)]

    def _fallback_delete_pattern(self, pattern, version=None, prefix=None):
        redis_glob = str(self.client.make_pattern(pattern, version=version, prefix=prefix))
        self._breaker.remember_deletes(raw_patterns=[redis_glob])
        pattern = _fnmatch_pattern(redis_glob)
        fallback = self._fallback
        with fallback._lock:
            matching = [key for key in fallback._cache if fnmatch.fnmatchcase(key, pattern)]
            return sum(1 for key in matching if not fallback._has_expired(key) and fallback._delete(key))
