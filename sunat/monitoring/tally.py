"""The admin's counts (hits per RUC, each key's requests per day, the service hour by hour), added
up in this process and written every TALLY_FLUSH_SECONDS by a thread of its own, one statement per
table (an upsert adding to what is there): never a database write per request. A flush the
database refuses (it is out) puts its counts back, to be written by the next one (at most
MAX_RUCS RUCs' hits are kept; the least hit go first past it). Counts of a process killed hard are
lost; they are a guide, not a ledger.

A piece of this process's state (sunat.process): a forked child starts with no counts (the
parent's are the parent's to write) and its own thread; gunicorn's worker_exit flushes (so does
the interpreter's exit, for manage.py's commands); tests start with none.
"""

import atexit
import logging
import random
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone

from sunat import process

logger = logging.getLogger(__name__)

HOUR_FIELDS = ("hits", "misses", "stale", "sunat_ok", "sunat_failed")
_CHUNK = 500  # rows per INSERT: well below SQLite's 32,766 parameters
MAX_RUCS = 100_000  # distinct RUCs' hits kept through an outage (a few MB)



class _Tally:
    """What this process counted since its last flush, and whether its flushing thread runs."""

    def __init__(self):
        self.lock = threading.Lock()
        self.flushing = False
        self.ruc_hits: Counter = Counter()
        self.last_hit: dict[str, float] = {}
        self.key_days: Counter = Counter()  # (key id, Lima's day)
        self.hours: Counter = Counter()  # (hours since the epoch, field)

    def take(self):
        with self.lock:
            taken = self.ruc_hits, self.last_hit, self.key_days, self.hours
            self.ruc_hits, self.last_hit, self.key_days, self.hours = Counter(), {}, Counter(), Counter()
        return taken

    def after_fork(self) -> None:
        # A new lock (a parent's thread may have held this one), no counts, no thread yet.
        self.__init__()


_tally = _Tally()


# On the hot path: plain Unix times (a few ns), turned into datetimes when written.
def ruc_hit(ruc: str) -> None:
    with _tally.lock:
        _tally.ruc_hits[ruc] += 1
        _tally.last_hit[ruc] = time.time()
    _ensure_flusher()


def key_request(key_id: int) -> None:
    with _tally.lock:
        _tally.key_days[(key_id, timezone.localdate())] += 1
    _ensure_flusher()


def hour_event(field: str) -> None:
    """One more of `field` (HOUR_FIELDS) in this hour."""
    hour = int(time.time() // 3600)
    with _tally.lock:
        _tally.hours[(hour, field)] += 1
    _ensure_flusher()


def unwritten_hits(ruc: str) -> int:
    """The hits of `ruc` this process counted and has not written yet (they reach the table within
    TALLY_FLUSH_SECONDS): the admin adds them, so that a RUC fetched a moment ago does not show 0."""
    with _tally.lock:
        return _tally.ruc_hits.get(ruc, 0)


def discard():
    """Forget what this process counted since the last flush, and return it."""
    return _tally.take()


def flush() -> None:
    """Write what this process counted since the last flush (also at exit, and from tests)."""
    hits, last, days, hours = discard()
    if not (hits or days or hours):
        return
    # Here, not at the top: the SUNAT clients count through this module, and gunicorn's config
    # file imports them before Django's apps are loaded.
    from sunat.models import KeyUsageDay, RucHits, ServiceHour

    try:
        with transaction.atomic():
            _upsert(RucHits, ["ruc"], [(ruc, n, _moment(last[ruc])) for ruc, n in hits.items()], ["hits"],
                    ["last_hit_at"])
            _upsert(KeyUsageDay, ["key_id", "day"], [(key, day, n) for (key, day), n in days.items()],
                    ["requests"], [])
            by_hour: dict[datetime, Counter] = {}
            for (hour, field), n in hours.items():
                by_hour.setdefault(_moment(hour * 3600), Counter())[field] += n
            _upsert(ServiceHour, ["hour"], [(hour, *(counts[f] for f in HOUR_FIELDS)) for hour, counts in by_hour.items()],
                    list(HOUR_FIELDS), [])
    except DatabaseError:
        lost = _put_back(hits, last, days, hours)
        logger.warning("could not write the usage counts; kept for the next flush (%d RUCs' hits lost)", lost,
                       exc_info=True)


def _put_back(hits: Counter, last: dict, days: Counter, hours: Counter) -> int:
    """Add counts a flush could not write to what was counted since; how many RUCs' hits did not fit."""
    with _tally.lock:
        _tally.key_days.update(days)
        _tally.hours.update(hours)
        for ruc, n in hits.most_common():
            if ruc not in _tally.ruc_hits and len(_tally.ruc_hits) >= MAX_RUCS:
                continue
            _tally.ruc_hits[ruc] += n
            _tally.last_hit[ruc] = max(_tally.last_hit.get(ruc, 0.0), last[ruc])
        return sum(1 for ruc in hits if ruc not in _tally.ruc_hits)


def _upsert(model, conflict: list[str], rows: list[tuple], added: list[str], latest: list[str]) -> None:
    """INSERT rows (conflict columns, added columns, latest columns, in that order) or, for a row
    that exists, add the added columns to it and keep the later of each latest column (PostgreSQL
    and SQLite alike). Rows go in key order, so that two processes' flushes never deadlock."""
    if not rows:
        return
    rows = sorted(rows, key=lambda row: row[:len(conflict)])
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [*conflict, *added, *latest]
    quoted = [connection.ops.quote_name(column) for column in columns]
    later = "GREATEST" if connection.vendor == "postgresql" else "MAX"  # SQLite's MAX of two values
    updates = [f"{q} = {table}.{q} + excluded.{q}" for q in quoted[len(conflict):len(conflict) + len(added)]]
    updates += [f"{q} = {later}({table}.{q}, excluded.{q})" for q in quoted[len(conflict) + len(added):]]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start:start + _CHUNK]
            sql = (f"INSERT INTO {table} ({', '.join(quoted)}) VALUES {', '.join([placeholders] * len(chunk))} "
                   f"ON CONFLICT ({', '.join(quoted[:len(conflict)])}) DO UPDATE SET {', '.join(updates)}")
            cursor.execute(sql, [_adapt(value) for row in chunk for value in row])


def _moment(unix_time: float) -> datetime:
    return datetime.fromtimestamp(unix_time, UTC)


def _adapt(value):
    # Raw SQL: the database's own representation of dates and times, as the ORM would send them.
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _ensure_flusher() -> None:
    """Start this process's flushing thread on first use (after gunicorn's fork, never before)."""
    if _tally.flushing:
        return
    with _tally.lock:
        if _tally.flushing:
            return
        _tally.flushing = True
    threading.Thread(target=_flush_forever, name="usage-tally", daemon=True).start()


def _flush_forever() -> None:
    # The first wait is drawn at random: workers started together do not flush together.
    time.sleep(random.uniform(0, settings.TALLY_FLUSH_SECONDS))
    while True:
        try:
            close_old_connections()
            flush()
            close_old_connections()
        except Exception:  # whatever the database did, the next flush tries again
            logger.warning("the usage counts' flush failed", exc_info=True)
        time.sleep(settings.TALLY_FLUSH_SECONDS)


process.register("usage tally", after_fork=_tally.after_fork, stop=flush, reset=discard)
atexit.register(flush)
