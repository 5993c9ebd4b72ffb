"""A small pool for work that must not hold up a response (refreshing stale entries)."""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor, wait

from django.db import connections

logger = logging.getLogger(__name__)

_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sunat-background")
_running: dict[str, object] = {}
_lock = threading.Lock()


def submit_once(key: str, function, *args) -> bool:
    """Run function(*args) in the background unless work for `key` is already queued or running."""
    with _lock:
        if key in _running:
            return False
        _running[key] = _executor.submit(_run, key, function, *args)
        return True


def _run(key: str, function, *args) -> None:
    try:
        function(*args)
    except Exception:
        logger.exception("background work %s failed", key)
    finally:
        connections.close_all()  # this thread's connections: no request will ever close them
        with _lock:
            _running.pop(key, None)


def wait_idle(timeout: float = 30.0) -> None:
    """Wait for the background work queued so far (tests, shutdown)."""
    with _lock:
        pending = list(_running.values())
    wait(pending, timeout=timeout)
