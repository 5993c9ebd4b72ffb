"""The exchange rate of a date, and of every date of a range: from the cache, the database, or SUNAT
(one request per month, never again once the month is settled).

The rate of a date is the one SUNAT published that day, or else the last one published before it
(weekends, holidays, today before publication): the month before is looked into when needed.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.utils import timezone

from sunat import caching
from sunat.exceptions import SunatError, SunatUnavailable
from sunat.exchange import months
from sunat.models import ExchangeMonth, ExchangeRate
from sunat.models.exchange import last_day
from sunat.upstream.scheduler import LIVE

EARLIEST = date(2000, 1, 1)  # no date before is asked of SUNAT (a bad parameter)
MAX_DAYS = 366  # the longest range answered at once
LOOKBACK_MONTHS = 2  # months before a date looked into for the last rate published before it
CACHE_TTL = 24 * 3600  # a final answer (it cannot change) in the cache; the database is the truth


class FutureDate(ValueError):
    """A date after today in Lima: SUNAT has published nothing for it yet."""


@dataclass(frozen=True)
class InvalidRange(ValueError):
    field: str
    detail: str


def rate_for(day: date, priority: int = LIVE, failed: set | None = None) -> dict:
    """The API's answer for `day` (sources.RATE_SCHEMA). FutureDate; SunatError when SUNAT cannot
    answer and no rate published before `day` is stored. `failed`: months not to ask again (a range)."""
    today = timezone.localdate()
    if day > today:
        raise FutureDate(day)
    key = caching.exchange_rate(day)
    hit = cache.get(key)
    if hit is not None:
        return hit
    answer, final = _resolve(day, today, priority, set() if failed is None else failed)
    if final:
        cache.set(key, answer, CACHE_TTL)
    return answer


def rates_between(desde: date, hasta: date, priority: int = LIVE) -> list[dict]:
    """One answer per date from `desde` to `hasta`; InvalidRange, FutureDate, SunatError."""
    if desde > hasta:
        raise InvalidRange("desde", "desde debe ser anterior o igual a hasta.")
    if (hasta - desde).days + 1 > MAX_DAYS:
        raise InvalidRange("hasta", f"El rango admite hasta {MAX_DAYS} días.")
    if hasta > timezone.localdate():
        raise FutureDate(hasta)
    failed: set = set()  # a month SUNAT did not answer is not asked again for every one of its days
    return [rate_for(desde + timedelta(days=n), priority, failed) for n in range((hasta - desde).days + 1)]


def _resolve(day: date, today: date, priority: int, failed: set) -> tuple[dict, bool]:
    """The answer, and whether it is final (no later request to SUNAT can change it)."""
    month, upto, complete, error = months.first_day(day), day, True, None
    for _ in range(LOOKBACK_MONTHS + 1):
        if not months.knows(upto, ExchangeMonth.objects.filter(month=month).first()):
            try:
                if month in failed:
                    raise SunatUnavailable("SUNAT did not answer for this month a moment ago")
                months.fetch(month, priority)
            except SunatError as exc:
                failed.add(month)
                complete, error = False, exc
                if upto == today:  # today's rate may still come from the txt
                    months.today_from_txt(priority)
        rate = ExchangeRate.objects.filter(fecha__gte=month, fecha__lte=upto).order_by("-fecha").first()
        if rate is not None:
            return _answer(day, rate), complete and (rate.fecha == day or day < today)
        month = months.previous_month(month)
        upto = last_day(month)
    # Nothing within LOOKBACK_MONTHS (SUNAT did not answer): an older stored rate is the best there is.
    rate = ExchangeRate.objects.filter(fecha__lte=day).order_by("-fecha").first()
    if rate is not None:
        return _answer(day, rate), False
    raise error or SunatUnavailable(f"SUNAT published no exchange rate on or before {day}")


def _answer(day: date, rate: ExchangeRate) -> dict:
    return {"fecha": day.isoformat(), "compra": float(rate.compra), "venta": float(rate.venta), "moneda": "USD",
            "publicadoEl": rate.fecha.isoformat(), "fuente": "sunat"}
