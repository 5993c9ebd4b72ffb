"""The daily sync's clock (manage.py sync_sunat_files --daily): sleep until SUNAT_SYNC_TIME in
Lima, sync, repeat. A failed sync waits for the next day like any other; a stop request (the
command's SIGTERM) ends the wait at once.
"""

import logging
import threading
from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.utils import timezone

from sunat.registers.sources import LIMA

logger = logging.getLogger(__name__)


def parse_time(text: str) -> time:
    """SUNAT_SYNC_TIME: "HH:MM" or "HH:MM:SS" (Lima); ValueError in Spanish otherwise."""
    try:
        if text.count(":") not in (1, 2):
            raise ValueError
        return time(*(int(part) for part in text.strip().split(":")))
    except ValueError:
        raise ValueError(f"SUNAT_SYNC_TIME debe ser HH:MM en hora de Lima, por ejemplo 06:30; es {text!r}") from None


def next_run(now: datetime, at: time) -> datetime:
    """The first moment after `now` that is `at` in Lima: today's, or tomorrow's once it has passed."""
    local = now.astimezone(LIMA)
    run = datetime.combine(local.date(), at, tzinfo=LIMA)
    if run <= local:
        run = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=LIMA)
    return run


def run_daily(at: time, sync: Callable[[], None], stop: threading.Event,
              announce: Callable[[datetime], None] = lambda _: None) -> int:
    """Call sync() at `at` in Lima every day until `stop` is set; how many times it ran."""
    runs = 0
    while not stop.is_set():
        run = next_run(timezone.now(), at)
        announce(run)
        # Woken at once by stop; a clock that jumps (NTP, a suspended host) only moves the next check.
        while not stop.is_set() and (left := (run - timezone.now()).total_seconds()) > 0:
            stop.wait(min(left, 60))
        if stop.is_set():
            break
        runs += 1
        try:
            sync()
        except Exception:  # sync() reports its own failures; whatever escapes must not end the loop
            logger.exception("the daily sync failed")
    return runs
