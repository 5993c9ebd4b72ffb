"""The scheduled re-check of watched RUCs from SUNAT (a task of sunat.schedules, every minute).

Each run asks SUNAT for the watched RUCs checked longest ago (never checked first), as many as
WATCH_SUNAT_SHARE of a minute's SUNAT budget (60 / SUNAT_MIN_INTERVAL requests), at BACKGROUND
priority under the existing pacing: live lookups keep the rest of the budget and go first. At
the default pacing (1 s) and share (0.1) that is 6 a minute, 8,640 RUCs a day; the padrón's and
the registers' daily imports cover estado, condición and the registers for every watched RUC
anyway. What a re-check finds is an event of source "revision".
"""

import logging
import math
from concurrent.futures import wait

from django.conf import settings
from django.db.models import F, Min
from django.utils import timezone

from sunat.exceptions import RucNotFound, SunatError, SunatTimeout, SunatUnavailable
from sunat.lookups import services
from sunat.models import Watch

logger = logging.getLogger(__name__)

RUN_BUDGET = 90.0  # seconds a run waits for its answers: below the queue's task timeout (120 s)


def per_run() -> int:
    """How many RUCs a run (a minute) re-checks: WATCH_SUNAT_SHARE of a minute's SUNAT requests."""
    requests_per_minute = 60 / max(settings.SUNAT_MIN_INTERVAL, 0.001)
    return max(0, math.floor(requests_per_minute * settings.WATCH_SUNAT_SHARE))


def recheck_due() -> int:
    """Re-check the watched RUCs checked longest ago; how many were checked."""
    count = per_run()
    if not count:
        return 0
    started = timezone.now()
    rucs = list(Watch.objects.filter(key__revoked_at__isnull=True).values("ruc").annotate(last=Min("checked_at"))
                .order_by(F("last").asc(nulls_first=True), "ruc").values_list("ruc", flat=True)[:count])
    # Stamped now, before asking: a run that starts meanwhile (another worker) takes the next ones.
    before = dict(Watch.objects.filter(ruc__in=rucs).values_list("ruc", "checked_at"))
    Watch.objects.filter(ruc__in=rucs).update(checked_at=started)
    futures = {ruc: services.begin_recheck(ruc, keep_for=RUN_BUDGET) for ruc in rucs}
    wait(futures.values(), timeout=RUN_BUDGET)
    checked = []
    for ruc, future in futures.items():
        exc = future.exception() if future.done() else None
        if not future.done() or isinstance(exc, (SunatUnavailable, SunatTimeout)):
            # Not asked in time, SUNAT busy, blocked or down: first in line again.
            Watch.objects.filter(ruc=ruc, checked_at=started).update(checked_at=before.get(ruc))
            continue
        if exc is not None and not isinstance(exc, (RucNotFound, SunatError)):
            logger.error("re-check of %s failed", ruc, exc_info=exc)
        checked.append(ruc)  # answered, not found, or a page SUNAT got wrong: next in turn after the others
    return len(checked)
