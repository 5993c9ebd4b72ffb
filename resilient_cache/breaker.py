"""The circuit breaker of one LOCATION in this process, and the thread that probes Redis while it is open.

A forked child inherits its parent's breakers (open or closed, what they must still delete from
Redis) but neither their probing thread (ensure_prober starts its own) nor their lock and event,
nor the lock of the breakers' table: those are per process (forksafe.PerProcess), made anew on a
process's first use, so that none is one a parent's thread held at fork time. No fork hook.
"""

import itertools
import logging
import os
import threading
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import redis
from django.core.cache.backends.locmem import LocMemCache
from django_redis.exceptions import ConnectionInterrupted

from resilient_cache.fallback import PendingDeletes
from resilient_cache.forksafe import PerProcess

logger = logging.getLogger("resilient_cache")

DEFAULT_PROBE_TIMEOUT = 1.0


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionInterrupted) and exc.__cause__ is not None:
        exc = exc.__cause__
    return f"{type(exc).__name__}: {exc}"


def _redact(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _chunks(items, size: int):
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def probe_kwargs(options: dict) -> dict:
    """redis-py keyword arguments for the probe's own connection, from the cache's OPTIONS."""
    kwargs = {key: value for key, value in options.get("CONNECTION_POOL_KWARGS", {}).items()
              if key != "max_connections"}
    for option in ("USERNAME", "PASSWORD"):
        if options.get(option):
            kwargs[option.lower()] = options[option]
    kwargs["socket_connect_timeout"] = options.get("SOCKET_CONNECT_TIMEOUT") or DEFAULT_PROBE_TIMEOUT
    kwargs["socket_timeout"] = options.get("SOCKET_TIMEOUT") or DEFAULT_PROBE_TIMEOUT
    return kwargs


class Breaker:
    """The state of one LOCATION in this process, shared by every backend instance (one per thread)."""

    def __init__(self, location: str, retry_interval: float, probe_kwargs: dict, fallback: LocMemCache):
        self.location = location
        self.url = location.split(",")[0]  # the primary, where writes go
        self.retry_interval = retry_interval
        self.probe_kwargs = probe_kwargs
        self.fallback = fallback
        self._sync = PerProcess(lambda: (threading.Lock(), threading.Event()))
        self.is_open = False
        self.since: str | None = None
        self.last_error: str | None = None
        self.prober: threading.Thread | None = None
        self.prober_pid: int | None = None
        # Raw Redis keys and glob patterns deleted while open: deleted from Redis before closing.
        self.unsent = PendingDeletes(fallback._max_entries)

    @property
    def lock(self) -> threading.Lock:
        return self._sync.get()[0]

    @property
    def wake(self) -> threading.Event:
        """What the probe waits on between its tries."""
        return self._sync.get()[1]

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
            self.unsent.add(raw_keys, raw_patterns)

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
                if error is None and self.unsent:
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
            keys, patterns = self.unsent.take()
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


_breakers: dict[str, Breaker] = {}
_breakers_lock = PerProcess(threading.Lock)


def breaker_for(location: str, make) -> Breaker:
    """The one Breaker of `location` in this process; make() builds it the first time."""
    with _breakers_lock.get():
        breaker = _breakers.get(location)
        if breaker is None:
            breaker = _breakers[location] = make()
        return breaker
