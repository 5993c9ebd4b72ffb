"""The time left to the SUNAT work running in this thread: one deadline for every wait and attempt.

The scheduler runs each job under a budget that ends when nobody wants the answer any more or
SUNAT_DEADLINE after it started, whichever comes first. The clients take every timeout and
every sleep from it, so that no pacing wait, attempt or backoff outlives it.
"""

import contextlib
import contextvars
import time
from collections.abc import Callable

from django.conf import settings

from sunat.exceptions import DeadlineExceeded


class Budget:
    """A deadline on time.monotonic(); a callable one may move (a job gains or loses waiters).

    `yields`: whether the work gives way to everyone else's (background work: it takes only
    pacing slots nobody has reserved, sunat.upstream.throttle); a callable, since a live
    lookup that joins a background job makes it live.
    """

    def __init__(self, deadline: float | Callable[[], float], yields: Callable[[], bool] = lambda: False):
        self._deadline = deadline if callable(deadline) else (lambda: deadline)
        self.yields = yields
        self.paced = 0.0  # seconds spent waiting for pacing slots: not SUNAT's time

    def remaining(self) -> float:
        return self._deadline() - time.monotonic()

    def check(self, what: str = "") -> float:
        """The seconds left; DeadlineExceeded when there are none."""
        remaining = self.remaining()
        if remaining <= 0:
            raise DeadlineExceeded(f"SUNAT_DEADLINE spent{': ' + what if what else ''}")
        return remaining

    def timeout(self, limit: float) -> float:
        """An I/O timeout: `limit`, or what is left if that is less."""
        return min(limit, self.check())

    def sleep(self, seconds: float, what: str = "") -> None:
        """Sleep, unless that would outlive the budget: then DeadlineExceeded at once."""
        if seconds >= self.remaining():
            raise DeadlineExceeded(f"SUNAT_DEADLINE would pass {what or 'waiting'}")
        if seconds > 0:
            time.sleep(seconds)


_current: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("sunat_upstream_budget", default=None)


def current() -> Budget:
    """The budget of the work in progress, or a new SUNAT_DEADLINE for a caller outside any."""
    budget = _current.get()
    return budget if budget is not None else Budget(time.monotonic() + settings.SUNAT_DEADLINE)


@contextlib.contextmanager
def running(budget: Budget):
    """Run the block under `budget`."""
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


@contextlib.contextmanager
def ensure():
    """Run the block under the budget in force, or a new SUNAT_DEADLINE if there is none (a shell,
    a benchmark calling a client directly)."""
    budget = _current.get()
    if budget is not None:
        yield budget
        return
    with running(Budget(time.monotonic() + settings.SUNAT_DEADLINE)) as budget:
        yield budget
