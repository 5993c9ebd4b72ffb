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
        "BACKEND": "sunat.resilient_cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {...django-redis options..., "FALLBACK_MAX_ENTRIES": 10_000, "RETRY_INTERVAL": 2.0},
    }}

Set SOCKET_CONNECT_TIMEOUT and SOCKET_TIMEOUT: without them, the call that meets a hung Redis
waits forever, and so does the probe.
"""

import fnmatch
import itertools
import logging
import os
import re
import threading
import time
import weakref
from datetime import datetime, timedelta, timezone
from functools import partial
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import redis
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import LockError, RedisError

logger = logging.getLogger(__name__)

DEFAULT_FALLBACK_MAX_ENTRIES = 10_000
DEFAULT_RETRY_INTERVAL = 2.0
DEFAULT_PROBE_TIMEOUT = 1.0

# What "Redis trouble" looks like once django-redis stops swallowing it:
# - redis.exceptions.ConnectionError: refused / reset (server killed or restarting), LOADING, auth;
# - redis.exceptions.TimeoutError: a hung server (SIGSTOP, overload) after SOCKET_TIMEOUT;
# - other RedisError replies that make the cache unusable (OOM, READONLY after a failover, MISCONF);
# - ConnectionInterrupted: django-redis's wrapper, should any path still raise it;
# - OSError (socket.timeout is one): a socket error that escaped redis-py's wrapping.
# LockError is a RedisError too, but it reports a lock's own state (not owned, expired): it propagates.
# ValueError from incr/decr on a missing key is Django's contract and propagates as well.
REDIS_ERRORS = (ConnectionInterrupted, RedisError, OSError)

_MISSING = object()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionInterrupted) and exc.__cause__ is not None:
        exc = exc.__cause__
    return f"{type(exc).__name__}: {exc}"


def _location_key(server) -> str:
    return server if isinstance(server, str) else ",".join(server)


def _redact(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class _Breaker:
    """The state of one LOCATION in this process, shared by every backend instance (one per thread)."""

    def __init__(self, location: str, retry_interval: float, probe_kwargs: dict, fallback: LocMemCache):
        self.location = location
        self.url = location.split(",")[0]  # the primary, where writes go
        self.retry_interval = retry_interval
        self.probe_kwargs = probe_kwargs
        self.fallback = fallback
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.is_open = False
        self.since: str | None = None
        self.last_error: str | None = None
        self.prober: threading.Thread | None = None
        self.prober_pid: int | None = None
        # Raw Redis keys and glob patterns deleted while open: deleted from Redis before closing.
        self.unsent_deletes: set[str] = set()
        self.unsent_patterns: set[str] = set()
        self.max_unsent = fallback._max_entries

    def status(self) -> dict:
        with self.lock:
            return {"state": "open" if self.is_open else "closed", "since": self.since,
                    "last_error": self.last_error, "retry_interval": self.retry_interval}

    def trip(self, exc: BaseException) -> None:
        opened = False
        with self.lock:
            self.last_error = _describe(exc)
            if not self.is_open:
                self.fallback.clear()  # nothing from an earlier outage may be served now
                self.is_open = True
                self.since = _now()
                opened = True
            self._start_prober_locked()
        if opened:
            logger.warning("Redis at %s failed (%s): serving the cache from process memory, probing every %ss",
                           _redact(self.location), self.last_error, self.retry_interval)

    def remember_deletes(self, raw_keys=(), raw_patterns=()) -> None:
        """Deletions made on the fallback: Redis must get them too when it answers again."""
        with self.lock:
            for pending, items in ((self.unsent_deletes, raw_keys), (self.unsent_patterns, raw_patterns)):
                pending.update(items)
                if len(pending) > self.max_unsent:
                    # Not worth more memory than the fallback itself: some evictions will only end at their TTL.
                    logger.warning("more than %s deletions while Redis is out: not all will reach it",
                                   self.max_unsent)
                    for _ in range(len(pending) - self.max_unsent):
                        pending.pop()

    def ensure_prober(self) -> None:
        """Called on every call while open: after a fork the child must probe for itself."""
        if self.prober_pid != os.getpid():
            with self.lock:
                if self.is_open:
                    self._start_prober_locked()

    def _start_prober_locked(self) -> None:
        # The pid tells whether the recorded thread lives in this process: a forked child
        # (gunicorn worker) inherits the record but not the thread.
        if self.prober is not None and self.prober_pid == os.getpid() and self.prober.is_alive():
            return
        thread = threading.Thread(target=self._probe_until_redis_answers, daemon=True,
                                  name=f"redis-probe {_redact(self.location)}")
        try:
            thread.start()
        except RuntimeError:  # interpreter shutting down: stay on the fallback
            return
        self.prober, self.prober_pid = thread, os.getpid()

    def _probe_until_redis_answers(self) -> None:
        while True:
            self.wake.wait(self.retry_interval)
            self.wake.clear()
            error = self._ping_and_send_deletes()
            with self.lock:
                if error is None and (self.unsent_deletes or self.unsent_patterns):
                    continue  # deleted meanwhile: send those too before closing
                if error is None:
                    opened_since = self.since
                    self.is_open = False
                    self.since = _now()
                    self.prober = self.prober_pid = None
                    break
                self.last_error = error
        self.fallback.clear()  # free the memory; Redis holds the truth again
        logger.info("Redis at %s answers again (breaker open since %s): cache back on Redis",
                    _redact(self.location), opened_since)

    def _ping_and_send_deletes(self) -> str | None:
        """PING, then the deletions made while open, over a connection of its own (a hung pool cannot
        block it). None if Redis answered all of it; what was not sent is kept for the next try."""
        with self.lock:
            keys, patterns = self.unsent_deletes, self.unsent_patterns
            self.unsent_deletes, self.unsent_patterns = set(), set()
        try:
            client = redis.Redis.from_url(self.url, **self.probe_kwargs)
            try:
                client.ping()
                for pattern in list(patterns):
                    for chunk in _chunks(client.scan_iter(match=pattern, count=1000), 1000):
                        client.delete(*chunk)
                    patterns.discard(pattern)
                for chunk in _chunks(list(keys), 1000):
                    client.delete(*chunk)
                    keys.difference_update(chunk)
            finally:
                client.close()
        except Exception as exc:  # whatever stops Redis from answering means "still down"
            self.remember_deletes(keys, patterns)
            return _describe(exc)
        return None


def _chunks(items, size: int):
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


_breakers: dict[str, _Breaker] = {}
_breakers_lock = threading.Lock()
# Process-local stand-ins for Redis locks while the breaker is open, by (location, key).
_local_locks: "weakref.WeakValueDictionary[tuple, threading.Lock]" = weakref.WeakValueDictionary()
_local_locks_lock = threading.Lock()


def _reinit_after_fork() -> None:
    # A lock held by another thread of the parent at fork time would stay held forever here.
    global _breakers_lock, _local_locks, _local_locks_lock
    _breakers_lock = threading.Lock()
    _local_locks = weakref.WeakValueDictionary()
    _local_locks_lock = threading.Lock()
    for breaker in _breakers.values():
        breaker.lock = threading.Lock()
        breaker.wake = threading.Event()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_after_fork)


def _local_lock(name: tuple) -> threading.Lock:
    with _local_locks_lock:
        lock = _local_locks.get(name)
        if lock is None:
            lock = _local_locks[name] = threading.Lock()
        return lock


def breaker_state(location=None) -> dict:
    """{"state": "closed"|"open", "since", "last_error", "retry_interval"} for a LOCATION (default cache's if None).

    "since" is when the current state began (None: closed since the process started), "last_error"
    the latest Redis error seen, kept after recovery.
    """
    if location is None:
        location = settings.CACHES["default"].get("LOCATION", "")
    breaker = _breakers.get(_location_key(location))
    if breaker is None:
        return {"state": "closed", "since": None, "last_error": None, "retry_interval": DEFAULT_RETRY_INTERVAL}
    return breaker.status()


def _fnmatch_pattern(redis_glob: str) -> str:
    """Redis glob (*, ?, [abc], [^a], \\x) in fnmatch's dialect (negation is "[!a]", no backslash escape)."""
    return re.sub(r"\\(.)", r"[\1]", redis_glob.replace("[^", "[!"), flags=re.DOTALL)


def _unix_time(when) -> float:
    return when.timestamp() if isinstance(when, datetime) else float(when)


class _FallbackCache(LocMemCache):
    def validate_key(self, key):
        pass  # Redis takes any key; memcached's key warnings would only make the two differ


class ResilientRedisCache(RedisCache):
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
        self._fallback = _FallbackCache(f"sunat.resilient_cache:{location}", fallback_params)
        with _breakers_lock:
            self._breaker = _breakers.get(location)
            if self._breaker is None:
                self._breaker = _breakers[location] = _Breaker(
                    location, float(options.get("RETRY_INTERVAL", DEFAULT_RETRY_INTERVAL)),
                    self._probe_kwargs(options), self._fallback)

    @staticmethod
    def _probe_kwargs(options: dict) -> dict:
        kwargs = {key: value for key, value in options.get("CONNECTION_POOL_KWARGS", {}).items()
                  if key != "max_connections"}
        for option in ("USERNAME", "PASSWORD"):
            if options.get(option):
                kwargs[option.lower()] = options[option]
        kwargs["socket_connect_timeout"] = options.get("SOCKET_CONNECT_TIMEOUT") or DEFAULT_PROBE_TIMEOUT
        kwargs["socket_timeout"] = options.get("SOCKET_TIMEOUT") or DEFAULT_PROBE_TIMEOUT
        return kwargs

    # --- breaker -------------------------------------------------------------------------------

    def circuit_status(self) -> dict:
        return self._breaker.status()

    def circuit_open(self) -> bool:
        """True while calls go to the fallback: code using raw Redis connections should stay away too."""
        return self._breaker.is_open

    def report_redis_error(self, exc: BaseException) -> None:
        """For code that talks to Redis over its own connection (get_redis_connection): open the breaker."""
        self._breaker.trip(exc)

    def probe_now(self) -> None:
        """Tests: make the background probe run now instead of at the end of RETRY_INTERVAL."""
        self._breaker.wake.set()

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

    # --- the fallback stores values encoded like Redis does, so both give back the same types ---

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
        return _ResilientLock(self, key, version=version, timeout=timeout, sleep=sleep, blocking=blocking,
                              blocking_timeout=blocking_timeout, client=client, thread_local=thread_local)

    # Sets, hashes and sorted sets (sadd, hset, zadd, ...) are django-redis's own, not routed:
    # nothing in this project uses them.


class _ResilientLock:
    """redis-py Lock's interface (acquire/release/locked/owned/context manager), decided at acquire time.

    The fallback is a threading.Lock per key and process; its `timeout` (auto-expiry) is not emulated.
    A Redis lock taken before the breaker opened is not released while it is open: it expires at its timeout.
    """

    def __init__(self, backend: ResilientRedisCache, key, *, version, timeout, sleep, blocking, blocking_timeout,
                 client, thread_local):
        self._backend = backend
        self._key, self._version = key, version
        self._redis_kwargs = {"timeout": timeout, "sleep": sleep, "blocking": blocking,
                              "blocking_timeout": blocking_timeout, "client": client, "thread_local": thread_local}
        self._blocking, self._blocking_timeout = blocking, blocking_timeout
        self._redis_lock = None
        self._local_name = (backend._breaker.location, backend.make_key(key, version=version))
        # Which lock this holder took: per thread, like redis-py's thread_local tokens.
        self._state = threading.local() if thread_local else SimpleNamespace()

    @property
    def name(self):
        return self._local_name[1]

    def _redis(self):
        if self._redis_lock is None:
            self._redis_lock = RedisCache.lock(self._backend, self._key, version=self._version, **self._redis_kwargs)
        return self._redis_lock

    def _held(self):
        return getattr(self._state, "held", None)

    def acquire(self, blocking=None, blocking_timeout=None, token=None):
        def on_redis():
            lock = self._redis()
            acquired = lock.acquire(blocking=blocking, blocking_timeout=blocking_timeout, token=token)
            if acquired:
                self._state.held = lock
            return acquired

        def on_local():
            lock = _local_lock(self._local_name)
            wait = self._blocking if blocking is None else blocking
            limit = self._blocking_timeout if blocking_timeout is None else blocking_timeout
            acquired = lock.acquire(True, limit) if wait and limit is not None else lock.acquire(bool(wait))
            if acquired:
                self._state.held = lock
            return acquired

        return self._backend._route(on_redis, on_local)

    def release(self):
        held = self._held()
        if held is None:
            raise LockError("Cannot release an unlocked lock", lock_name=self.name)
        self._state.held = None
        if held is self._redis_lock:
            self._backend._route(held.release, lambda: None)
        else:
            held.release()

    def locked(self):
        return self._backend._route(lambda: self._redis().locked(), lambda: _local_lock(self._local_name).locked())

    def owned(self):
        held = self._held()
        if held is None:
            return False
        if held is self._redis_lock:
            return self._backend._route(held.owned, lambda: True)
        return True

    def __enter__(self):
        if self.acquire():
            return self
        raise LockError("Unable to acquire lock within the time specified", lock_name=self.name)

    def __exit__(self, exc_type, exc_value, traceback):
        self.release()
