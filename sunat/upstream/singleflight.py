"""One upstream request per key across processes: the others share the first one's outcome.

Within a process, the scheduler already runs one job per key (sunat.upstream.scheduler). Across
processes (Redis), the job that leads holds a lease in Redis; the jobs of other processes poll
for the result it stores (`read_result`) or the error it publishes, and take over as soon as the
lease is gone without either. Whoever takes a free lease first reads what a flight that answered
since it began asking stored (issue 30): the leader may have stored it and let go just after this
process's last poll, or this process's job may have waited in its scheduler's queue (behind the
pacing) while another instance asked and answered. An answer from before it began does not
count: a forced lookup (?fresh=1, the admin's refresh) still asks. "Began" is the caller's wall
clock (`since`), and the answer's too: hosts kept in time by NTP differ by far less than a lookup.

The lease lasts LEASE seconds and this process renews it every LEASE / 3 while its holder
works, so that a worker killed while it leads delays that key by seconds, not by a lookup's
whole timeout. Its value names the process that holds it (`<pid>:<random>`), for operators.
The renewer is a piece of this process's state (sunat.process): a forked child renews none of its
parent's leases, with a thread of its own.
"""

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable

from django.core.cache import cache

from sunat import caching, exceptions, process
from sunat.upstream import budget

logger = logging.getLogger(__name__)

LEASE = 3.0  # seconds a leader's lease outlives its last renewal
_POLL = 0.05
_ERROR_TTL = 10  # seconds a leader's failure stays readable for its followers
_DONE_TTL = 120  # seconds a flight's answer time is kept: longer than anyone waits for it (SUNAT_DEADLINE)


def run_once(key: str, compute: Callable, read_result: Callable, since: float | None = None):
    """compute() once for every process asking for `key` now; the others get its result or error.

    read_result() returns the stored result, None while there is none, or raises (e.g. RucNotFound).
    `since` (time.time(), by default now): when the caller began wanting it; an answer given since
    then answers it. Waiting ends with the current budget (DeadlineExceeded).
    """
    asked_at = time.time() if since is None else since
    connection = caching.redis_connection()
    if connection is None:
        return compute()
    work = budget.current()
    lock = connection.lock(cache.make_key(caching.flight_lease(key)), timeout=LEASE, thread_local=False)
    while True:
        try:
            acquired = lock.acquire(blocking=False, token=f"{os.getpid()}:{uuid.uuid4().hex}")
        except Exception:  # Redis trouble: this process's own single flight is all there is
            logger.warning("cross-process single flight unavailable for %s", key, exc_info=True)
            return compute()
        if acquired:
            _renewer.add(lock)
            try:
                result = _answered_since(key, asked_at, read_result)
                return result if result is not None else _lead(key, compute)
            finally:
                _renewer.discard(lock)
                _release(lock)
        # Another process is asking SUNAT: wait for what it stores.
        while True:
            result = read_result()
            if result is not None:
                return result
            _raise_published_error(key)
            if not _held(lock):
                break  # the leader is gone without a result or an error: take over
            work.sleep(_POLL, "for the same lookup in another worker")


class _Renewer:
    """One thread per process that keeps this process's leases alive while their holders work."""

    def __init__(self):
        self._locks: set = set()
        self._lock = threading.Lock()
        self._thread = None

    def after_fork(self) -> None:
        # The parent's leases and thread are not this process's; its lock may be held by that thread.
        self.__init__()

    def add(self, lock) -> None:
        with self._lock:
            self._locks.add(lock)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sunat-flight-lease", daemon=True)
                self._thread.start()

    def discard(self, lock) -> None:
        with self._lock:
            self._locks.discard(lock)

    def _run(self) -> None:
        while True:
            time.sleep(LEASE / 3)
            with self._lock:
                locks = list(self._locks)
            for lock in locks:
                try:
                    lock.reacquire()
                except Exception:  # lost (Redis restarted, lease expired): the holder finds out at release
                    logger.warning("could not renew %s", lock.name, exc_info=True)
                    self.discard(lock)


_renewer = _Renewer()
process.register("flight lease renewer", after_fork=_renewer.after_fork)


def _held(lock) -> bool:
    try:
        return lock.locked()
    except Exception:
        return False


def _answered_since(key: str, asked_at: float, read_result: Callable):
    """What a flight that answered after `asked_at` stored (read_result() may raise RucNotFound); None
    when none did, or what it stored is gone."""
    done = cache.get(caching.flight_done(key))
    if done is None or done < asked_at:
        return None
    return read_result()


def _lead(key: str, compute: Callable):
    cache.delete(_error_key(key))
    try:
        result = compute()
    except exceptions.RucNotFound:  # its marker is stored: an answer like any other
        _mark_done(key)
        raise
    except exceptions.SunatError as exc:
        cache.set(_error_key(key), {"type": type(exc).__name__, "message": str(exc),
                                    "retry_after": exc.retry_after}, timeout=_ERROR_TTL)
        raise
    _mark_done(key)
    return result


def _mark_done(key: str) -> None:
    try:
        cache.set(caching.flight_done(key), time.time(), timeout=_DONE_TTL)
    except Exception:  # Redis trouble: a late follower may ask again, as it would without Redis
        logger.warning("could not mark the flight of %s answered", key, exc_info=True)


def _raise_published_error(key: str) -> None:
    error = cache.get(_error_key(key))
    if error:
        error_class = getattr(exceptions, error["type"], exceptions.SunatUnavailable)
        raise error_class(error["message"], retry_after=error["retry_after"])


def _release(lock) -> None:
    try:
        lock.release()
    except Exception:  # expired or Redis gone: it frees itself at its timeout
        logger.debug("could not release %s", lock.name, exc_info=True)


def _error_key(key: str) -> str:
    return caching.flight_error(key)
