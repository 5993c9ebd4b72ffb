"""The stored SUNAT answers a new Padrón Reducido corrects, and their eviction from every cache.

A stored SUNAT answer is kept up to RUC_CACHE_TTL (a week), but the Padrón Reducido tells us
every day each RUC's estado and condición. So in the import's transaction, before the swap,
each stored answer older than the register that the register contradicts takes the register's
values, and `estadoActualizadoEn` its date:

- against the new table itself, not only the day's changes (sunat.registers.changes): an answer
  stored before the first import, or while an import was running, is corrected as well;
- one join of the stored answers with the new table by RUC finds them, a page at a time (the
  stored answers drive it: each probes the new table's primary key); only those that differ
  come to Python to have their JSON rewritten;
- the padrón cuts these values at WIDTH characters ("NO HALLADO SE MUDO D"): a stored value it
  is the start of is the same value, and a cut value is written as the known one it starts;
- an empty value in the register says nothing and erases nothing;
- an answer SUNAT gave after the register was produced is newer than it and stays as it is.

In place rather than marked stale: a stale answer would send each of those RUCs to SUNAT (a
day's batch of NO HABIDO would spend the pacing budget of live lookups) when the register
already says what SUNAT says. After the commit the importer evicts the corrected RUCs from the
cache, so that the next hit reads the corrected record (an eviction cannot undo a fresher
answer another process wrote; an overwrite could). Each process evicts them from its own
cache as well (LocMem, Redis' local copies) when it notices the new version (seen()), and
caches no record it read before it noticed (generation()). The version a process saw is a piece of
its state (sunat.process): none after a fork, none between tests.
"""

import logging
import threading

from django.core.cache import cache
from django.db import connection

from sunat import caching, process
from sunat.clock import api_time
from sunat.models import PadronVersion, RucRecord
from sunat.registers.changes import register_date
from sunat.registers.files import Register
from sunat.upstream.parser.ficha import CONDICIONES

logger = logging.getLogger(__name__)

UPDATED_FIELD = "estadoActualizadoEn"  # on a corrected answer: the register's date
# The padrón's estado and condición columns are cut to this width (the 2018 sample in
# shared/sunat/registers: "NO HALLADO SE MUDO D", "BAJA MULT.INSCR. Y O").
WIDTH = 20
ESTADOS = ("ACTIVO", "BAJA DE OFICIO", "BAJA DEFINITIVA", "BAJA PROV. POR OFICIO", "BAJA PROVISIONAL",
           "SUSPENSION TEMPORAL", "BAJA MULT.INSCR. Y OTROS")
_KNOWN = {"estado": ESTADOS, "condicion": CONDICIONES}
_PAGE = 1000
_TRAILER = ("fuente", "actualizadoEn")  # stay last, as on every answer


def correct_lookups(register: Register, version: PadronVersion, new_table: str) -> int:
    """Put the register in `new_table` into the stored answers older than it that it contradicts;
    how many were corrected. The tracked fields are RucRecord columns of the same name."""
    q = connection.ops.quote_name
    tracked = register.tracked
    differs = " OR ".join(
        f"(n.{q(column)} IS NOT NULL AND r.{q(field)} <> n.{q(column)} AND NOT "
        f"(LENGTH(n.{q(column)}) = {WIDTH} AND SUBSTR(r.{q(field)}, 1, {WIDTH}) = n.{q(column)}))"
        for column, field in tracked)
    sql = (f"SELECT r.ruc, {', '.join(f'n.{q(column)}' for column, _ in tracked)} "
           f"FROM {RucRecord._meta.db_table} r JOIN {new_table} n ON n.ruc = r.ruc "
           f"WHERE r.fetched_at < %s AND r.ruc > %s AND ({differs}) ORDER BY r.ruc LIMIT {_PAGE}")
    date = register_date(version)
    stamp = api_time(date)
    corrected, last = 0, ""
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [connection.ops.adapt_datetimefield_value(date), last])
            rows = cursor.fetchall()
        if not rows:
            return corrected
        last = rows[-1][0]
        records = RucRecord.objects.only("ruc", "data", *(field for _, field in tracked)).in_bulk([row[0] for row in rows])
        changed = []
        for ruc, *values in rows:
            stored = records[ruc]
            new_values = {field: _known(field, value) for (_, field), value in zip(tracked, values, strict=True)
                          if value is not None and not same_value(getattr(stored, field), value)}
            if new_values:
                stored.data = corrected_answer(stored.data, new_values, stamp)
                for field, value in new_values.items():
                    setattr(stored, field, value)
                stored.corrected_by = version
                changed.append(stored)
        RucRecord.objects.bulk_update(changed, [*(field for _, field in tracked), "data", "corrected_by"])
        corrected += len(changed)


def same_value(stored: str, register_value: str) -> bool:
    """Whether a stored answer's value is the register's (which may be cut at WIDTH characters)."""
    return stored == register_value or (len(register_value) == WIDTH and stored[:WIDTH] == register_value)


def _known(field: str, value: str) -> str:
    """The known value a cut one starts (the only one), else the value as the register has it."""
    if len(value) != WIDTH:
        return value
    candidates = [known for known in _KNOWN.get(field, ()) if known.startswith(value)]
    return candidates[0] if len(candidates) == 1 else value


def corrected_answer(answer: dict, new_values: dict, stamp: str) -> dict:
    """`answer` with the register's values and UPDATED_FIELD, its trailer kept last."""
    answer = dict(answer)
    trailer = [(key, answer.pop(key)) for key in _TRAILER if key in answer]
    answer.update(new_values)
    answer.pop(UPDATED_FIELD, None)
    answer[UPDATED_FIELD] = stamp
    answer.update(trailer)
    return answer


def evict(after_id: int, upto_id: int) -> int:
    """Drop from the cache (and this process's copies) the RUCs whose stored answer a version in
    (after_id, upto_id] corrected and SUNAT has not answered again since; how many."""
    rucs = RucRecord.objects.filter(corrected_by__gt=after_id, corrected_by__lte=upto_id).values_list("ruc", flat=True)
    keys = [caching.ruc_key(ruc) for ruc in rucs]
    for start in range(0, len(keys), _PAGE):
        chunk = keys[start:start + _PAGE]
        caching.discard_local_copies(chunk)
        cache.delete_many(chunk)
    return len(keys)


class _Seen:
    def __init__(self):
        self.version: int | None = None
        self.lock = threading.Lock()


_seen = process.lazy("padron version seen", _Seen)


def seen(version_id: int | None) -> None:
    """The padrón version this process finds in use, checked every few seconds (sunat.registers.annotations).

    A new one's corrected RUCs are evicted here: the importer's eviction reaches neither another
    process's LocMem nor Redis' local copies. A process's first look evicts those of the version
    in use once, for a Redis entry that outlived an importer that could not delete it.
    """
    state = _seen.get()
    with state.lock:
        if version_id is None or (state.version is not None and version_id <= state.version):
            return
        count = evict(version_id - 1 if state.version is None else state.version, version_id)
        if count:
            logger.info("padrón version %s: %s corrected answers evicted from this process's cache", version_id, count)
        state.version = version_id


def generation() -> int | None:
    """The padrón version this process has seen: a lookup that read a record under another one
    must not cache it (its eviction may have passed already)."""
    return _seen.get().version


def forget() -> None:
    """Forget the version this process saw (tests)."""
    _seen.drop()
