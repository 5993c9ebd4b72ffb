"""One upstream request per key at a time: concurrent callers share the first one's outcome.

Within a process, followers wait on the leader's future. Across processes (Redis), the
leader holds a Redis lock; followers poll for the result it stores (`read_result`) or the
error it publishes, and take over only if the leader vanished without either.
"""

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from django.core.cache import cache

from sunat import cache as ruc_cache
from sunat import exceptions

logger = logging.getLogger(__name__)

_POLL = 0.05
_ERROR_TTL = 10  # seconds a leader's failure stays readable for its followers

_flights: dict[str, Future] = {}
_flights_lock = threading.Lock()


def run_once(key: str, compute: Callable, read_result: Callable, wait: float):
    """compute() once for everyone asking for `key` now; followers get the same result or error.

    read_result() returns the stored result, None while there is none, or raises (e.g. RucNotFound).
    A follower that waits longer than `wait` gets SunatTimeout.
    """
    with _flights_lock:
        future = _flights.get(key)
        leader = future is None
        if leader:
            future = _flights[key] = Future()
    if not leader:
        try:
            return future.result(timeout=wait)
        except FutureTimeout:
            raise exceptions.SunatTimeout("waited too long for the same lookup in progress") from None
    try:
        result = _across_processes(key, compute, read_result, wait)
    except BaseException as exc:
        future.set_exception(exc)
        raise
    else:
        future.set_result(result)
        return result
    finally:
        with _flights_lock:
            _flights.pop(key, None)


def _across_processes(key: str, compute: Callable, read_result: Callable, wait: float):
    if ruc_cache.redis_connection() is None:
        return compute()
    lock = cache.lock(f"sunat:flight:{key}", timeout=wait + 5)
    deadline = time.monotonic() + wait
    while True:
        try:
            acquired = lock.acquire(blocking=False)
        except Exception:  # Redis trouble: this process's own single flight is all there is
            logger.warning("cross-process single flight unavailable for %s", key, exc_info=True)
            return compute()
        if acquired:
            try:
                return _lead(key, compute)
            finally:
                _release(lock)
        # Another process is asking SUNAT: wait for what it stores.
        while time.monotonic() < deadline:
            result = read_result()
            if result is not None:
                return result
            _raise_published_error(key)
            if not _held(lock):
                break  # the leader is gone without a result or an error: take over
            time.sleep(_POLL)
        else:
            raise exceptions.SunatTimeout("waited too long for the same lookup in another worker")


def _held(lock) -> bool:
    try:
        return lock.locked()
    except Exception:
        return False


def _lead(key: str, compute: Callable):
    cache.delete(_error_key(key))
    try:
        return compute()
    except exceptions.SunatError as exc:
        cache.set(_error_key(key), {"type": type(exc).__name__, "message": str(exc),
                                    "retry_after": exc.retry_after}, timeout=_ERROR_TTL)
        raise


def _raise_published_error(key: str) -> None:
    error = cache.get(_error_key(key))
    if error:
        error_class = getattr(exceptions, error["type"], exceptions.SunatUnavailable)
        raise error_class(error["message"], retry_after=error["retry_after"])


def _release(lock) -> None:
    try:
        lock.release()
    except Exception:  # expired or Redis gone: it frees itself at its timeout
        logger.debug("could not release %s", lock, exc_info=True)


def _error_key(key: str) -> str:
    return f"sunat:flight-error:{key}"
