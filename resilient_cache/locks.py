"""The lock of ResilientRedisCache: a Redis lock while the breaker is closed, a process-local one while it is open.

The process-local locks are kept per process (forksafe.PerProcess): a forked child starts with none,
so none that a parent's thread held at fork time.
"""

import threading
import weakref
from types import SimpleNamespace
from typing import Protocol

from django_redis.cache import RedisCache
from redis.exceptions import LockError

from resilient_cache.breaker import Breaker
from resilient_cache.forksafe import PerProcess


class _LocalLocks:
    """Process-local stand-ins for Redis locks while the breaker is open, by (location, key)."""

    def __init__(self):
        self._locks: weakref.WeakValueDictionary[tuple, threading.Lock] = weakref.WeakValueDictionary()
        self._guard = threading.Lock()

    def get(self, name: tuple) -> threading.Lock:
        with self._guard:
            lock = self._locks.get(name)
            if lock is None:
                lock = self._locks[name] = threading.Lock()
            return lock


_local_locks = PerProcess(_LocalLocks)


def _local_lock(name: tuple) -> threading.Lock:
    return _local_locks.get().get(name)


class LockingCache(Protocol):
    """What a lock uses of its cache (ResilientRedisCache, a RedisCache): spelled here, since the
    cache's module imports this one."""

    _breaker: Breaker

    def make_key(self, key, version=None) -> str: ...

    def _route(self, redis_call, fallback_call): ...


class ResilientLock:
    """redis-py Lock's interface (acquire/release/locked/owned/context manager), decided at acquire time.

    The fallback is a threading.Lock per key and process; its `timeout` (auto-expiry) is not emulated.
    A Redis lock taken before the breaker opened is not released while it is open: it expires at its timeout.
    """

    def __init__(self, backend: LockingCache, key, *, version, timeout, sleep, blocking, blocking_timeout,
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
