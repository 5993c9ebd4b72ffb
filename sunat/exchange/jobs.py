"""The scheduled job (sunat.schedules, "tipo-de-cambio"): today's rate until SUNAT publishes it, and
the months since the first stored rate (the last GAP_MONTHS at most) that are not settled yet, at
BACKGROUND priority: live requests go first."""

import logging
from concurrent.futures import TimeoutError as FutureTimeout

from django.utils import timezone

from sunat.exceptions import SunatError
from sunat.exchange import months
from sunat.models import ExchangeMonth, ExchangeRate
from sunat.upstream.scheduler import BACKGROUND

logger = logging.getLogger(__name__)

GAP_MONTHS = 12


def refresh() -> str:
    """Ask what is missing; what happened, for the task's result."""
    today = timezone.localdate()
    this_month = months.first_day(today)
    wanted = []
    if not ExchangeRate.objects.filter(fecha=today).exists() and not months.knows(today):
        wanted.append(this_month)
    first = ExchangeRate.objects.order_by("fecha").values_list("fecha", flat=True).first()
    if first is not None:
        known = {row.month: row for row in ExchangeMonth.objects.filter(month__gte=months.first_day(first))}
        month = this_month
        for _ in range(GAP_MONTHS):
            month = months.previous_month(month)
            if month < months.first_day(first):
                break
            if month not in known or not known[month].settled:
                wanted.append(month)
    asked, failed = [], []
    for month in wanted:
        try:
            months.fetch(month, BACKGROUND)
            asked.append(f"{month:%Y-%m}")
        except (SunatError, FutureTimeout) as exc:
            logger.info("exchange rate of %s not fetched: %r", f"{month:%Y-%m}", exc)
            failed.append(f"{month:%Y-%m}")
            if month == this_month and months.today_from_txt(BACKGROUND):
                asked.append("hoy (tipoCambio.txt)")
    if not wanted:
        return "nada que pedir"
    return f"pedidos: {', '.join(asked) or 'ninguno'}; fallaron: {', '.join(failed) or 'ninguno'}"
