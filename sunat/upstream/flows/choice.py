"""Which flow works now, remembered deployment-wide: in the cache (Redis when there is one, else
per process), so that every lookup starts with the flow that worked last; a check stored since
(sunat.upstream.flow_check, often the job queue's) overrides it in every process.

- plan(): the flow in use first, then the others cheapest first. Once the flow in use has been
  in use SUNAT_FLOW_RECHECK_MINUTES without the cheaper ones being tried, one lookup starts from
  the cheapest again (the scheduled check, sunat.upstream.flow_check, usually does it first).
- accepted() / everything_refused(): what a lookup learned. While every flow is refused, lookups
  do not walk them all again for SUNAT_FLOW_RETRY seconds, and then one lookup at a time does:
  a SUNAT that refuses everything is not asked in bursts.
"""

import logging
import math
import os
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError

from sunat import caching
from sunat.exceptions import SunatBlocked
from sunat.models import SunatCheck

logger = logging.getLogger(__name__)

_WALKER = caching.NO_FLOW + ":walker"


def in_use() -> dict | None:
    """{"flow", "since", "checked", "answered"} (epoch seconds) of the flow in use, or None."""
    return cache.get(caching.FLOW)


def nothing_works() -> dict | None:
    """{"since", "last", "detail"} (epoch seconds: the first and the last refusal of every flow) while
    every flow is refused, else None."""
    return cache.get(caching.NO_FLOW)


def plan(names: list[str]) -> tuple[list[str], bool]:
    """The flows to try, in order, and whether the walk starts from the cheapest of `names` (then
    the flow accepted is the cheapest that works). `names` come cheapest first."""
    state = _with_stored_check(in_use(), names)
    if not state or state["flow"] not in names:
        return list(names), True
    current = state["flow"]
    now = time.time()
    if current != names[0] and now - state["checked"] >= settings.SUNAT_FLOW_RECHECK_MINUTES * 60:
        # This lookup re-examines the cheaper flows; the others meanwhile keep to the one in use, and
        # a re-examination that fails (SUNAT unreachable) is not tried again at once.
        cache.set(caching.FLOW, {**state, "checked": now}, timeout=None)
        return list(names), True
    return [current, *(name for name in names if name != current)], current == names[0]


def _with_stored_check(state: dict | None, names: list[str]) -> dict | None:
    """The flow in use, or the cheapest of `names` that a check stored since accepted: the job queue's
    check reaches every process through the database, with or without Redis."""
    stored = _stored_check()
    if not stored or (state and stored["at"] <= state["checked"]):
        return state
    usable = [name for name in names if name in stored["accepted"]]
    if not usable:
        return state
    if state and state["flow"] == usable[0]:
        state = {**state, "checked": stored["at"]}
    else:
        logger.warning("SUNAT answers through the %s flow, says the check of %s UTC", usable[0],
                       time.strftime("%H:%M:%S", time.gmtime(stored["at"])))
        state = {"flow": usable[0], "since": stored["at"], "checked": stored["at"],
                 "answered": (state or {}).get("answered")}
    cache.set(caching.FLOW, state, timeout=None)
    return state


def _stored_check() -> dict | None:
    """{"at", "accepted"} of the newest stored check (read at most once a minute), or None."""
    found = cache.get(caching.STORED_CHECK)
    if found is None:
        try:
            check = SunatCheck.objects.only("checked_at", "outcomes").first()
        except DatabaseError:
            return None
        found = {"at": check.checked_at.timestamp(), "accepted": check.accepted()} if check else {}
        cache.set(caching.STORED_CHECK, found, timeout=60)
    return found or None


def accepted(name: str, from_cheapest: bool) -> None:
    """SUNAT answered through flow `name`: it is the flow in use, and something works."""
    now = time.time()
    state = in_use()
    if state and state["flow"] == name:
        state = {**state, "answered": now, **({"checked": now} if from_cheapest else {})}
    else:
        logger.warning("SUNAT answers through the %s flow now (it was %s)", name, state["flow"] if state else "none")
        state = {"flow": name, "since": now, "checked": now, "answered": now}
    cache.set(caching.FLOW, state, timeout=None)
    if nothing_works() is not None:
        cache.delete_many([caching.NO_FLOW, _WALKER])
        logger.warning("SUNAT takes the %s flow again", name)


def everything_refused(detail: str) -> None:
    """Every flow was refused: say so, and hold the next walk back SUNAT_FLOW_RETRY seconds."""
    now = time.time()
    previous = nothing_works()
    since = previous["since"] if previous else now
    if previous is None:
        logger.error("SUNAT refused every flow: %s", detail)
    cache.set(caching.NO_FLOW, {"since": since, "last": now, "detail": detail}, timeout=None)
    cache.delete(_WALKER)


def check_may_walk() -> None:
    """Raise SunatBlocked while every flow is refused and it is not yet this thread's turn to walk them
    again (one thread at a time, every SUNAT_FLOW_RETRY seconds)."""
    state = nothing_works()
    if state is None:
        return
    left = state["last"] + settings.SUNAT_FLOW_RETRY - time.time()
    if left > 0:
        raise SunatBlocked(f"SUNAT refused every flow; not walking them again for {left:.0f}s",
                           retry_after=math.ceil(left))
    token = f"{os.getpid()}:{threading.get_ident()}"
    if cache.get(_WALKER) == token:
        return
    if not cache.add(_WALKER, token, timeout=math.ceil(settings.SUNAT_DEADLINE) + 1):
        raise SunatBlocked("SUNAT refused every flow; another request is trying them now", retry_after=5)


def forget_stored_check() -> None:
    """A check was stored: the next plan() reads it (in this process; the others within a minute)."""
    cache.delete(caching.STORED_CHECK)


def forget() -> None:
    """Start over (tests, benchmarks): no flow in use, nothing known to be refused."""
    cache.delete_many([caching.FLOW, caching.NO_FLOW, _WALKER, caching.STORED_CHECK])
