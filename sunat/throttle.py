"""Keep SUNAT's firewall friendly: space requests out, and stop asking after a rejection.

Both are shared by the whole deployment through Redis when it is there (the pacing slot
through a small Lua script, the block through the cache), and kept per process otherwise.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache

from sunat import cache as ruc_cache
from sunat.exceptions import SunatBlocked, SunatUnavailable

logger = logging.getLogger(__name__)

PACE_KEY = "sunat:upstream:last-request"
BLOCK_KEY = "sunat:upstream:blocked-until"

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

_local_lock = threading.Lock()
_local_last = 0.0


def wait_for_turn() -> None:
    """Sleep until this process may send the next request to SUNAT.

    Raises SunatBlocked while the firewall cooldown lasts, and SunatUnavailable when the
    queue is longer than a lookup's own time budget (SUNAT_TIMEOUT x SUNAT_MAX_ATTEMPTS):
    better a quick 503 than a request held past every proxy's timeout.
    """
    remaining = blocked_for()
    if remaining:
        raise SunatBlocked(f"SUNAT rejected us; not asking for {remaining}s", retry_after=remaining)
    interval = settings.SUNAT_MIN_INTERVAL
    if interval <= 0:
        return
    max_wait = settings.SUNAT_TIMEOUT * settings.SUNAT_MAX_ATTEMPTS
    wait = _reserve_shared_slot(interval, max_wait)
    if wait is None:
        wait = _reserve_local_slot(interval, max_wait)
    if wait < 0:
        raise SunatUnavailable("too many SUNAT requests queued", retry_after=int(-wait) + 1)
    if wait:
        time.sleep(wait)


def block_for(seconds: int | None = None) -> None:
    """Stop asking SUNAT for a while (after its firewall rejected or reset us)."""
    seconds = settings.SUNAT_BLOCK_COOLDOWN if seconds is None else seconds
    logger.warning("SUNAT's firewall rejected a request; not asking for %ss", seconds)
    cache.set(BLOCK_KEY, time.time() + seconds, timeout=seconds)


def blocked_for() -> int:
    """Seconds left in the firewall cooldown (0: free to ask)."""
    until = cache.get(BLOCK_KEY)
    if not until:
        return 0
    return max(0, int(until - time.time() + 0.999))


def _reserve_shared_slot(interval: float, max_wait: float) -> float | None:
    connection = ruc_cache.redis_connection()
    if connection is None:
        return None
    try:
        return float(connection.eval(_RESERVE_SLOT, 1, cache.make_key(PACE_KEY), interval, max_wait))
    except Exception:  # Redis trouble: pace within this process instead
        logger.warning("shared pacing unavailable; pacing per process", exc_info=True)
        return None


def _reserve_local_slot(interval: float, max_wait: float) -> float:
    global _local_last
    with _local_lock:
        now = time.monotonic()
        slot = max(now, _local_last + interval)
        wait = slot - now
        if wait > max_wait:
            return -wait
        _local_last = slot
        return wait
