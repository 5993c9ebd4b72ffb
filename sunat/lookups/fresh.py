"""?fresh=1: ask SUNAT now, even for an answer within its TTL, without letting anyone make SUNAT answer
the same page over and over.

SUNAT is asked again for a RUC's page (its ficha or a section) at most once every FRESH_INTERVAL seconds
for each client (sunat.upstream.asker: the API key, else the address), and not at all while the answer
held is SUNAT's from less than FRESH_INTERVAL ago, whoever made it: a thousand keys forcing one RUC cost
SUNAT one request a minute. The client's turn is a cache.add in the Django cache: deployment-wide with
Redis, per process without it.
"""

import math
import time
from datetime import UTC, datetime

from django.core.cache import cache

from sunat import caching
from sunat.clock import API_TIME_FORMAT
from sunat.upstream import asker

FRESH_INTERVAL = 60  # seconds


def wait(ruc: str, section: str | None, fetched: float | None) -> int:
    """0 when SUNAT may be asked now for this page (the client's turn is then taken), else the seconds
    until it may: what X-Fresh-Disponible-En says. `fetched`: when SUNAT gave the answer held (epoch
    seconds; None: nothing of SUNAT's is held)."""
    now = time.time()
    if fetched is not None and now - fetched < FRESH_INTERVAL:
        return max(1, min(FRESH_INTERVAL, math.ceil(fetched + FRESH_INTERVAL - now)))
    turn = caching.fresh_turn(asker.current().client, ruc, section)
    if cache.add(turn, now + FRESH_INTERVAL, timeout=FRESH_INTERVAL):
        return 0
    until = cache.get(turn) or now + FRESH_INTERVAL
    return max(1, min(FRESH_INTERVAL, math.ceil(until - now)))


def fetched_at(held: dict | None) -> float | None:
    """When SUNAT gave the answer `held` (epoch seconds), from its actualizadoEn; None for nothing held or
    an answer that is not SUNAT's."""
    if not held or held.get("fuente") != "sunat":
        return None
    try:
        return datetime.strptime(held["actualizadoEn"], API_TIME_FORMAT).replace(tzinfo=UTC).timestamp()
    except (KeyError, TypeError, ValueError):
        return None
