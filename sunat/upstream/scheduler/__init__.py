"""This process's scheduler (threads.py's Scheduler, queue.py's queue): started on first use, after
gunicorn's fork, and failed on the way out (gunicorn's worker_exit; tests, between them).

The priorities are queue.py's, named here for the lookups that queue work.
"""

import os
import threading

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from sunat.upstream.scheduler.queue import BACKGROUND, BATCH, LIVE
from sunat.upstream.scheduler.threads import Scheduler

__all__ = ["BACKGROUND", "BATCH", "LIVE", "Scheduler", "get", "shutdown"]

_instance: Scheduler | None = None
_instance_lock = threading.Lock()


def get() -> Scheduler:
    """This process's scheduler, started on first use (after gunicorn's fork, never before)."""
    global _instance
    instance = _instance
    if instance is None or instance.pid != os.getpid():
        with _instance_lock:
            if _instance is None or _instance.pid != os.getpid():
                _instance = Scheduler(max(1, settings.SUNAT_CONCURRENCY))
            instance = _instance
    return instance


def shutdown(wait_for: float = 0) -> None:
    """Fail this process's queued SUNAT work (gunicorn's worker_exit; tests, between them)."""
    global _instance
    with _instance_lock:
        instance, _instance = _instance, None
    if instance is not None and instance.pid == os.getpid():
        instance.shutdown(wait_for)


def _reset_after_fork() -> None:
    global _instance, _instance_lock
    _instance, _instance_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


@receiver(setting_changed)
def _rebuild(*, setting, **kwargs):
    if setting == "SUNAT_CONCURRENCY":
        shutdown()
