"""A django-redis cache that keeps answering when Redis misbehaves.

django-redis with IGNORE_EXCEPTIONS still waits the full socket timeout on every call while
Redis hangs, and some calls (ttl, lock, iter_keys, delete_pattern) raise anyway. This backend
puts a circuit breaker in front of Redis, one per process and per LOCATION:

- closed: calls go to Redis. The first Redis error opens the breaker (one WARNING), and that
  call is answered from the fallback.
- open: every call goes straight to the fallback, an in-process LocMemCache, without touching
  Redis. A daemon thread PINGs Redis every RETRY_INTERVAL seconds over its own short-timeout
  connection; when Redis answers, the breaker closes (one INFO) and calls go to Redis again.

While open, each process has its own fallback: what one process writes, the others and Redis
never see. The fallback only holds what was written during the current outage: it is emptied
when the breaker opens and when it closes. Deletions are different: an eviction must not be
undone by Redis coming back with the old entry, so the keys and patterns deleted while open are
deleted from Redis too before the breaker closes (up to FALLBACK_MAX_ENTRIES of them).

    CACHES = {"default": {
        "BACKEND": "resilient_cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {...django-redis options..., "FALLBACK_MAX_ENTRIES": 10_000, "RETRY_INTERVAL": 2.0},
    }}

Set SOCKET_CONNECT_TIMEOUT and SOCKET_TIMEOUT: without them, the call that meets a hung Redis
waits forever, and so does the probe.
"""

import time
from datetime import datetime, timedelta
from functools import partial

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import LockError, RedisError

from resilient_cache.breaker import Breaker, breaker_for, probe_kwargs
from resilient_cache.fallback import FallbackCache, FallbackCalls
from resilient_cache.locks import ResilientLock

DEFAULT_FALLBACK_MAX_ENTRIES = 10_000
DEFAULT_RETRY_INTERVAL = 2.0

# What "Redis trouble" looks like once django-redis stops swallowing it:
# - redis.exceptions.ConnectionError: refused / reset (server killed or restarting), LOADING, auth;
# - redis.exceptions.TimeoutError: a hung server (SIGSTOP, overload) after SOCKET_TIMEOUT;
# - other RedisError replies that make the cache unusable (OOM, READONLY after a failover, MISCONF);
# - ConnectionInterrupted: django-redis's wrapper, should any path still raise it;
# - OSError (socket.timeout is one): a socket error that escaped redis-py's wrapping.
# LockError is a RedisError too, but it reports a lock's own state (not owned, expired): it propagates.
# ValueError from incr/decr on a missing key is Django's contract and propagates as well.
REDIS_ERRORS = (ConnectionInterrupted, RedisError, OSError)


def _location_key(server) -> str:
    return server if isinstance(server, str) else ",".join(server)


def _unix_time(when) -> float:
    return when.timestamp() if isinstance(when, datetime) else float(when)


class ResilientRedisCache(FallbackCalls, RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        # The breaker must see Redis errors: with IGNORE_EXCEPTIONS, django-redis would swallow them
        # after the full socket timeout, on every call. So never ignore them here, whatever settings say.
        self._ignore_exceptions = False

        options = params.get("OPTIONS", {})
        location = _location_key(server)
        fallback_params = {name: value for name, value in params.items() if name != "OPTIONS"}
        fallback_params["OPTIONS"] = {"MAX_ENTRIES": int(options.get("FALLBACK_MAX_ENTRIES",
                                                                     DEFAULT_FALLBACK_MAX_ENTRIES))}
        # Same name, same storage: every instance (thread) of this process shares one fallback per LOCATION.
        self._fallback = FallbackCache(f"resilient_cache:{location}", fallback_params)
        self._breaker = breaker_for(location, lambda: Breaker(
            location, float(options.get("RETRY_INTERVAL", DEFAULT_RETRY_INTERVAL)),
            probe_kwargs(options), self._fallback))

    # --- breaker -------------------------------------------------------------------------------

    def circuit_status(self) -> dict:
        """{"state": "closed"|"open", "since", "last_error", "retry_interval"}: "since" is when the current
        state began (None: closed since the process started), "last_error" the latest Redis error seen,
        kept after recovery."""
        return self._breaker.status()

    def circuit_open(self) -> bool:
        """True while calls go to the fallback: code using raw Redis connections should stay away too."""
        return self._breaker.is_open

    def report_redis_error(self, exc: BaseException) -> None:
        """For code that talks to Redis over its own connection (get_redis_connection): open the breaker."""
        self._breaker.trip(exc)

    def _route(self, redis_call, fallback_call):
        """Redis while the breaker is closed; the fallback while open, or when this very call fails."""
        breaker = self._breaker
        if not breaker.is_open:
            try:
                return redis_call()
            except LockError:
                raise
            except REDIS_ERRORS as exc:
                breaker.trip(exc)
        else:
            breaker.ensure_prober()
        return fallback_call()

    def _guarded_iter(self, redis_iter, fallback_iter):
        """Keys from Redis; if Redis fails before the first one, the fallback's. Redis is only asked on next()."""
        yielded = False
        try:
            for key in redis_iter:
                yielded = True
                yield key
        except LockError:
            raise
        except REDIS_ERRORS as exc:
            self._breaker.trip(exc)
            if not yielded:  # after a partial listing, stop rather than mix two sources
                yield from fallback_iter()

    # --- Django's cache API ----------------------------------------------------------------------

    def get(self, key, default=None, version=None, client=None):
        return self._route(partial(RedisCache.get, self, key, default, version, client),
                           partial(self._fallback_get, key, default, version))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None, client=None, nx=False, xx=False):
        return self._route(partial(RedisCache.set, self, key, value, timeout, version=version, client=client,
                                   nx=nx, xx=xx),
                           partial(self._fallback_set, key, value, timeout, version, nx=nx, xx=xx))

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None, client=None):
        return self._route(partial(RedisCache.add, self, key, value, timeout, version=version, client=client),
                           partial(self._fallback_set, key, value, timeout, version, nx=True))

    def delete(self, key, version=None, prefix=None, client=None):
        return self._route(partial(RedisCache.delete, self, key, version=version, prefix=prefix, client=client),
                           partial(self._fallback_delete, key, version))

    def get_many(self, keys, version=None, client=None):
        keys = list(keys)
        return self._route(partial(RedisCache.get_many, self, keys, version=version, client=client),
                           partial(self._fallback_get_many, keys, version))

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None, client=None):
        return self._route(partial(RedisCache.set_many, self, data, timeout, version=version, client=client),
                           partial(self._fallback_set_many, data, timeout, version))

    def delete_many(self, keys, version=None, client=None):
        keys = list(keys)
        return self._route(partial(RedisCache.delete_many, self, keys, version=version, client=client),
                           partial(self._fallback_delete_many, keys, version))

    def has_key(self, key, version=None, client=None):
        return self._route(partial(RedisCache.has_key, self, key, version=version, client=client),
                           partial(self._fallback.has_key, key, version=version))

    def incr(self, key, delta=1, version=None, client=None, ignore_key_check=False):
        return self._route(partial(RedisCache.incr, self, key, delta, version=version, client=client,
                                   ignore_key_check=ignore_key_check),
                           partial(self._fallback_incr, key, delta, version, ignore_key_check))

    def decr(self, key, delta=1, version=None, client=None):
        return self._route(partial(RedisCache.decr, self, key, delta, version=version, client=client),
                           partial(self._fallback_incr, key, -delta, version))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None, client=None):
        return self._route(partial(RedisCache.touch, self, key, timeout, version=version, client=client),
                           partial(self._fallback.touch, key, timeout, version=version))

    def incr_version(self, key, delta=1, version=None, client=None):
        return self._route(partial(RedisCache.incr_version, self, key, delta, version=version, client=client),
                           partial(self._fallback.incr_version, key, delta, version=version))

    def clear(self):
        return self._route(partial(RedisCache.clear, self), self._fallback.clear)

    def close(self, **kwargs):
        return self._route(partial(RedisCache.close, self, **kwargs), lambda: None)

    # get_or_set is BaseCache's: it calls self.get and self.add, both routed above.

    # --- django-redis extras ----------------------------------------------------------------------

    def ttl(self, key, version=None, client=None):
        return self._route(partial(RedisCache.ttl, self, key, version=version, client=client),
                           partial(self._fallback_ttl, key, version))

    def pttl(self, key, version=None, client=None):
        return self._route(partial(RedisCache.pttl, self, key, version=version, client=client),
                           partial(self._fallback_ttl, key, version, 1000))

    def persist(self, key, version=None, client=None):
        return self._route(partial(RedisCache.persist, self, key, version=version, client=client),
                           partial(self._fallback.touch, key, None, version=version))

    def expire(self, key, timeout, version=None, client=None):
        return self._route(partial(RedisCache.expire, self, key, timeout, version=version, client=client),
                           partial(self._fallback_expire_in, key, timeout, version))

    def pexpire(self, key, timeout, version=None, client=None):
        seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout / 1000
        return self._route(partial(RedisCache.pexpire, self, key, timeout, version=version, client=client),
                           partial(self._fallback_expire_in, key, seconds, version))

    def expire_at(self, key, when, version=None, client=None):
        return self._route(partial(RedisCache.expire_at, self, key, when, version=version, client=client),
                           lambda: self._fallback_expire_in(key, _unix_time(when) - time.time(), version))

    def pexpire_at(self, key, when, version=None, client=None):
        unix = _unix_time(when) if isinstance(when, datetime) else when / 1000
        return self._route(partial(RedisCache.pexpire_at, self, key, when, version=version, client=client),
                           lambda: self._fallback_expire_in(key, unix - time.time(), version))

    def keys(self, search, version=None, client=None):
        return self._route(partial(RedisCache.keys, self, search, version=version, client=client),
                           partial(self._fallback_keys, search, version))

    def iter_keys(self, search, itersize=None, client=None, version=None):
        fallback = partial(self._fallback_keys, search, version)
        return self._route(
            lambda: self._guarded_iter(RedisCache.iter_keys(self, search, itersize=itersize, client=client,
                                                            version=version), fallback),
            lambda: iter(fallback()))

    def delete_pattern(self, pattern, version=None, prefix=None, client=None, itersize=None):
        kwargs = {"version": version, "prefix": prefix, "client": client}
        if itersize is not None:
            kwargs["itersize"] = itersize
        return self._route(partial(RedisCache.delete_pattern, self, pattern, **kwargs),
                           partial(self._fallback_delete_pattern, pattern, version, prefix))

    def lock(self, key, version=None, timeout=None, sleep=0.1, blocking=True, blocking_timeout=None,
             client=None, thread_local=True):
        """A lock that lives in Redis while the breaker is closed and in this process while it is open."""
        return ResilientLock(self, key, version=version, timeout=timeout, sleep=sleep, blocking=blocking,
                             blocking_timeout=blocking_timeout, client=client, thread_local=thread_local)

    # Sets, hashes and sorted sets (sadd, hset, zadd, ...) are django-redis's own, not routed:
    # nothing in this project uses them.
