"""What is known of each month of rates, and asking SUNAT for a month: one request per month in the
whole deployment at a time (this process's scheduler, then single flight across processes)."""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from sunat.exceptions import SunatError
from sunat.exchange import client, sources
from sunat.models import ExchangeMonth, ExchangeRate
from sunat.upstream import scheduler, singleflight
from sunat.upstream.scheduler import LIVE

logger = logging.getLogger(__name__)


def first_day(day: date) -> date:
    return day.replace(day=1)


def previous_month(month: date) -> date:
    return first_day(month - timedelta(days=1))


def knows(day: date, known: ExchangeMonth | None = None) -> bool:
    """Whether the stored rates say all there is about `day`: SUNAT was asked for its month after it
    (a month asked after it ended is settled), or today within TIPO_CAMBIO_REFRESH_MINUTES."""
    if known is None:
        known = ExchangeMonth.objects.filter(month=first_day(day)).first()
    if known is None:
        return False
    asked_on = timezone.localdate(known.asked_at)
    if known.settled or day < asked_on:
        return True
    refresh = timedelta(minutes=settings.TIPO_CAMBIO_REFRESH_MINUTES)
    return day == asked_on == timezone.localdate() and timezone.now() - known.asked_at < refresh


def fetch(month: date, priority: int = LIVE) -> None:
    """Ask SUNAT for `month` and store its rates, at `priority`, waiting for the answer; SunatError."""
    key = f"tipo-cambio:{month:%Y-%m}"
    started = timezone.now()

    def stored_by_another():  # another process asked (single flight): what it stored is the answer
        return True if ExchangeMonth.objects.filter(month=month, asked_at__gte=started).exists() else None

    flight = lambda: singleflight.run_once(key, lambda: _ask_and_store(month), read_result=stored_by_another)  # noqa: E731
    if priority == LIVE:
        scheduler.get().run(key, flight, LIVE)
    else:  # the scheduled job: queued behind live work, waited for in this (worker) thread
        future = scheduler.get().start(key, flight, priority, keep_for=settings.SUNAT_DEADLINE)
        future.result(timeout=settings.SUNAT_DEADLINE * 3)


def _ask_and_store(month: date) -> bool:
    asked_at = timezone.now()
    rates = client.ask_month(month.year, month.month)
    store(rates, asked_at)
    ExchangeMonth.objects.update_or_create(month=month, defaults={"asked_at": asked_at})
    return True


def store(rates: list[sources.Published], fetched_at) -> None:
    """Store published rates; one already stored is kept as it is (published rates never change)."""
    ExchangeRate.objects.bulk_create(
        [ExchangeRate(fecha=rate.fecha, compra=rate.compra, venta=rate.venta, fetched_at=fetched_at) for rate in rates],
        ignore_conflicts=True)


def today_from_txt(priority: int = LIVE) -> bool:
    """Today's rate from tipoCambio.txt (when the month query fails): whether it was published."""
    try:
        if priority == LIVE:
            rate = scheduler.get().run("tipo-cambio:txt", client.ask_txt, LIVE)
        else:
            rate = scheduler.get().start("tipo-cambio:txt", client.ask_txt, priority,
                                         keep_for=settings.SUNAT_DEADLINE).result(timeout=settings.SUNAT_DEADLINE * 3)
    except SunatError as exc:
        logger.info("tipoCambio.txt did not answer either: %s", exc)
        return False
    if rate.fecha != timezone.localdate():  # the previous day's line: today's is not out yet
        return False
    try:
        store([rate], timezone.now())
    except DatabaseError:
        logger.warning("could not store today's exchange rate", exc_info=True)
    return True
