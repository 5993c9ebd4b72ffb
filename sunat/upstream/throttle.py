"""Keep SUNAT's firewall friendly: space requests out, and stop asking while it cannot answer.

- Pacing: one request every SUNAT_MIN_INTERVAL for the whole deployment. With Redis, slots are
  reserved on Redis's clock by a small Lua script; without it (or while it is out) each process
  paces itself to its part of the rate (local_interval), so that SUNAT still sees the documented rate.
- Priority: background work (stale refreshes, re-checks of watched RUCs: the job queue's) takes
  only a slot that is free now, never one ahead, so that live lookups go first in every process
  sharing the pacing; without it, background work has SUNAT_BACKGROUND_SHARE of the rate.
- Firewall: after SUNAT's "Request Rejected" page, nobody asks for SUNAT_BLOCK_COOLDOWN.
- Failures: after a request that got no answer at all (connection refused or reset, a timeout),
  nobody asks for SUNAT_FAILURE_BACKOFF seconds, doubled on each failure in a row up to
  SUNAT_BLOCK_COOLDOWN; then one request (the probe) tries, and its answer closes the circuit.

Each host SUNAT answers from is a lane (Lane): its own interval setting and its own keys, so that
the official API's pacing and failures (sunat.comprobantes) never pause RUC lookups, nor the reverse.
Every function takes the lane; RUC (e-consultaruc, SUNAT_MIN_INTERVAL) when none is given.

The cooldowns live in the cache: shared through Redis, per process without it. The local pacing's
last slots are a piece of this process's state (sunat.process): none after a fork, none between tests.
"""

import logging
import math
import os
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from sunat import caching, process
from sunat.exceptions import DeadlineExceeded, SunatBlocked, SunatBusy
from sunat.monitoring import metrics
from sunat.upstream import budget

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lane:
    """One host's pacing and backoff: the setting naming its interval, and its keys (sunat.caching)."""

    name: str
    interval_setting: str
    pace_key: str
    block_key: str
    failing_key: str
    probe_key: str

    @property
    def interval(self) -> float:
        return getattr(settings, self.interval_setting)


RUC = Lane("ruc", "SUNAT_MIN_INTERVAL", caching.PACE, caching.BLOCKED_UNTIL, caching.FAILING, caching.PROBE)
# SUNAT's official REST API (api.sunat.gob.pe and its token host): comprobantes.
CPE_API = Lane("cpe-api", "SUNAT_API_MIN_INTERVAL", caching.CPE_API_PACE, caching.CPE_API_BLOCKED_UNTIL,
               caching.CPE_API_FAILING, caching.CPE_API_PROBE)
# SUNAT's exchange rate (sunat.exchange): another host, asked about once a month, at the RUC lookups' rate.
EXCHANGE = Lane("tipo-cambio", "SUNAT_MIN_INTERVAL", caching.EXCHANGE_PACE, caching.EXCHANGE_BLOCKED_UNTIL,
                caching.EXCHANGE_FAILING, caching.EXCHANGE_PROBE)

PACE_KEY = RUC.pace_key
BLOCK_KEY = RUC.block_key
FAILING_KEY = RUC.failing_key
PROBE_KEY = RUC.probe_key

# Reserve the next free slot: max(now, last + interval), on Redis's clock so that every
# host agrees. Returns the wait in seconds, negative (and nothing reserved) if too long.
_RESERVE_SLOT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, last + interval)
local wait = slot - now
if wait > tonumber(ARGV[2]) then return tostring(-wait) end
redis.call('SET', KEYS[1], string.format('%.6f', slot), 'EX', math.ceil(interval) + 60)
return tostring(wait)
"""

# The most a background request waits for a slot it takes: it leaves slots further ahead to live work.
IDLE_SLOT = 0.05



class _LocalPacing:
    def __init__(self):
        self.lock = threading.Lock()
        # The last slot this process took per (lane, background?): live and batch work, background work.
        self.last: dict[tuple[str, bool], float] = {}


_local_pacing = process.lazy("local pacing", _LocalPacing)


def wait_for_turn(lane: Lane = RUC) -> None:
    """Sleep until this process may send the next request to SUNAT, within the current budget.

    Raises SunatBlocked during a cooldown (firewall or failures), and SunatBusy when the next free
    slot lies beyond the budget: better a quick 503 than a request held past every deadline.
    """
    remaining = blocked_for(lane)
    if remaining:
        raise SunatBlocked(f"SUNAT rejected us; not asking for {remaining}s", retry_after=remaining)
    _check_failing(lane)
    interval = lane.interval
    if interval <= 0:
        return
    work = budget.current()
    started = time.monotonic()
    try:
        _wait_for_slot(lane, interval, work)
    except DeadlineExceeded as exc:
        exc.before_sending = True  # nothing reached SUNAT: the metrics say not_sent, not timeout
        raise
    finally:
        waited = time.monotonic() - started
        work.paced += waited
        if lane is RUC:  # the metric is the RUC lookups' pacing
            metrics.PACING_WAIT.observe(waited)


def _wait_for_slot(lane: Lane, interval: float, work: budget.Budget) -> None:
    """Reserve this request's slot and sleep until it comes (background work: a free one only)."""
    if work.yields():
        _take_idle_slot(lane, interval, work)
        return
    max_wait = work.check("waiting for a pacing slot")
    wait = _reserve(lane, interval, max_wait)
    if wait < 0:
        if max_wait < interval:  # the deadline was spent waiting in the queue: a timeout, not a crowd
            raise DeadlineExceeded("no time left for a pacing slot")
        raise SunatBusy("too many SUNAT requests queued", retry_after=int(-wait) + 1)
    work.sleep(wait, "for a pacing slot")


def _take_idle_slot(lane: Lane, interval: float, work: budget.Budget) -> None:
    """Background work never reserves a slot ahead: it takes one only when it is free now, after
    every slot live and batch requests reserved (in any process sharing the pacing) has passed.
    DeadlineExceeded when none comes free within its budget."""
    while (wait := _reserve(lane, interval, IDLE_SLOT, background=True)) < 0:
        work.sleep(-wait, "for a free pacing slot")
    work.sleep(wait, "for a free pacing slot")


def _reserve(lane: Lane, interval: float, max_wait: float, background: bool = False) -> float:
    """Reserve the next pacing slot if it starts within `max_wait`: the seconds until it does, or
    minus the seconds until it would (nothing reserved)."""
    wait = _reserve_shared_slot(lane, interval, max_wait)
    if wait is None:
        wait = _reserve_local_slot((lane.name, background), local_interval(interval, background), max_wait)
    return wait


def local_interval(interval: float, background: bool) -> float:
    """A process's own interval without the shared pacing: the web's SUNAT_PROCESSES share
    1 - SUNAT_BACKGROUND_SHARE of SUNAT's rate, the job queue's QUEUE_WORKERS (background work)
    the rest, so that SUNAT never sees more than the documented rate and live lookups keep most of it."""
    share = settings.SUNAT_BACKGROUND_SHARE
    if background:
        return interval * max(1, settings.QUEUE_WORKERS) / share
    return interval * max(1, settings.SUNAT_PROCESSES) / (1 - share)


def answered(lane: Lane = RUC) -> None:
    """SUNAT answered a query (whatever the page said): the failure backoff is over.

    Only a query counts: a firewall that resets queries still serves the form page.
    """
    if cache.get(lane.failing_key) is not None:
        cache.delete_many([lane.failing_key, lane.probe_key])
        logger.info("SUNAT answers again (%s)", lane.name)


def failed(lane: Lane = RUC) -> None:
    """A request to SUNAT got no answer: back off, longer after each failure in a row.

    Failures while the backoff runs (requests that were already in flight) do not lengthen it.
    """
    state = cache.get(lane.failing_key)
    now = time.time()
    if state is not None and state["until"] > now:
        return
    failures = (state["failures"] if state else 0) + 1
    backoff = min(settings.SUNAT_BLOCK_COOLDOWN, settings.SUNAT_FAILURE_BACKOFF * 2 ** (failures - 1))
    logger.warning("SUNAT did not answer (%s, %d in a row); not asking for %.1fs", lane.name, failures, backoff)
    # Remembered a while after the backoff ends, so that the next failure doubles it.
    cache.set(lane.failing_key, {"until": now + backoff, "failures": failures},
              timeout=math.ceil(backoff + settings.SUNAT_BLOCK_COOLDOWN))
    cache.delete(lane.probe_key)


def paused_for(lane: Lane = RUC) -> float:
    """Seconds left without asking SUNAT, for whichever reason (0: asking)."""
    return max(blocked_for(lane), failing_for(lane))


def failing_for(lane: Lane = RUC) -> float:
    """Seconds left in the failure backoff (0: free to ask, or to probe)."""
    state = cache.get(lane.failing_key)
    return max(0.0, state["until"] - time.time()) if state else 0.0


def _check_failing(lane: Lane) -> None:
    state = cache.get(lane.failing_key)
    if state is None:
        return
    left = state["until"] - time.time()
    if left > 0:
        raise SunatBlocked(f"SUNAT did not answer; not asking for {left:.1f}s", retry_after=math.ceil(left))
    # The backoff is over: one thread tries (its form page, then its query); the others wait for
    # its outcome.
    token = f"{os.getpid()}:{threading.get_ident()}"
    if cache.get(lane.probe_key) == token:
        return
    if not cache.add(lane.probe_key, token, timeout=math.ceil(settings.SUNAT_TIMEOUT) + 1):
        raise SunatBlocked("SUNAT did not answer; another request is trying it now", retry_after=2)


def block_for(seconds: int | None = None, lane: Lane = RUC) -> None:
    """Stop asking SUNAT for a while (after its firewall rejected or reset us)."""
    seconds = settings.SUNAT_BLOCK_COOLDOWN if seconds is None else seconds
    logger.warning("SUNAT's firewall rejected a request; not asking for %ss", seconds)
    cache.set(lane.block_key, time.time() + seconds, timeout=seconds)


def blocked_for(lane: Lane = RUC) -> int:
    """Seconds left in the firewall cooldown (0: free to ask)."""
    until = cache.get(lane.block_key)
    if not until:
        return 0
    return max(0, int(until - time.time() + 0.999))


def _reserve_shared_slot(lane: Lane, interval: float, max_wait: float) -> float | None:
    connection = caching.redis_connection()
    if connection is None:
        return None
    try:
        return float(connection.eval(_RESERVE_SLOT, 1, cache.make_key(lane.pace_key), interval, max_wait))
    except Exception:  # Redis trouble: pace within this process instead
        logger.warning("shared pacing unavailable; pacing per process", exc_info=True)
        return None


def _reserve_local_slot(which: tuple[str, bool], interval: float, max_wait: float) -> float:
    pacing = _local_pacing.get()
    with pacing.lock:
        now = time.monotonic()
        slot = max(now, pacing.last.get(which, 0.0) + interval)
        wait = slot - now
        if wait > max_wait:
            return -wait
        pacing.last[which] = slot
        return wait
