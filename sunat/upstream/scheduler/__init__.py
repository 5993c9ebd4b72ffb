"""This process's scheduler (threads.py's Scheduler, queue.py's queue): started on first use, after
gunicorn's fork, and failed on the way out. It is a piece of this process's state (sunat.process),
stopped and reset before the others: gunicorn's worker_exit fails its queued work without draining
it; between tests, and when SUNAT_CONCURRENCY changes, its running work gets up to 10 s to finish.

The priorities are queue.py's, named here for the lookups that queue work.
"""

from django.conf import settings

from sunat import process
from sunat.upstream.scheduler.queue import BACKGROUND, BATCH, LIVE
from sunat.upstream.scheduler.threads import Scheduler

__all__ = ["BACKGROUND", "BATCH", "LIVE", "Scheduler", "get"]

# A test's work must not reach the next test's replica (nor count or keep answers in it).
_scheduler = process.lazy("scheduler", lambda: Scheduler(max(1, settings.SUNAT_CONCURRENCY)),
                          stop=lambda scheduler: scheduler.shutdown(),
                          reset=lambda scheduler: scheduler.shutdown(wait_for=10),
                          settings=["SUNAT_CONCURRENCY"], first=True)


def get() -> Scheduler:
    """This process's scheduler, started on first use (after gunicorn's fork, never before)."""
    return _scheduler.get()
