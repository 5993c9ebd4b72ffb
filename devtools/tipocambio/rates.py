"""Which days SUNAT publishes a rate on, and the (made-up, repeatable) rate of each."""

from datetime import date, timedelta

# Peru's national holidays, for the years the tests use (Holy Thursday and Good Friday move).
_FIXED = ["01-01", "05-01", "06-07", "06-29", "07-23", "07-28", "07-29", "08-06", "08-30", "10-08",
          "11-01", "12-08", "12-09", "12-25"]
_HOLY_WEEK = {2024: ("03-28", "03-29"), 2025: ("04-17", "04-18"), 2026: ("04-02", "04-03"),
              2027: ("03-25", "03-26")}
HOLIDAYS = frozenset(date.fromisoformat(f"{year}-{day}") for year, holy in _HOLY_WEEK.items()
                     for day in (*_FIXED, *holy))


def is_published_day(day: date) -> bool:
    """A business day that is not a holiday (SUNAT publishes nothing on the others)."""
    return day.weekday() < 5 and day not in HOLIDAYS


def rate_for(day: date) -> tuple[str, str]:
    """(compra, venta) of a day, as SUNAT writes them: strings with three decimals."""
    compra = 3300 + (day.toordinal() * 37) % 250
    venta = compra + 3 + day.toordinal() % 6
    return f"{compra / 1000:.3f}", f"{venta / 1000:.3f}"


def published_days(year: int, month: int, today: date, today_published: bool) -> list[date]:
    """The days of a month with a published rate, as of `today` (today whenever `today_published`, even a
    Sunday: the tests of today's rate run any day)."""
    day, days = date(year, month, 1), []
    while day.month == month:
        if (is_published_day(day) and day < today) or (day == today and today_published):
            days.append(day)
        day += timedelta(days=1)
    return days


def last_published(today: date, today_published: bool) -> date:
    """The newest day with a published rate, as of `today`."""
    if today_published:
        return today
    day = today - timedelta(days=1)
    while not is_published_day(day):
        day -= timedelta(days=1)
    return day
