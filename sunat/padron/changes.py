"""What a new version of a register changes (a RUC's estado, condición), and the answers it corrects.

A stored SUNAT answer is kept up to RUC_CACHE_TTL (a week), but the Padrón Reducido tells us
every day each RUC's estado and condición. So an import of a register with `tracked` fields:

1. compares the new table with the one in use in the database, one INSERT ... SELECT over a
   join of the two (no row crosses into Python), recording each RUC's changed field as a
   RegisterChange;
2. corrects, in place, the stored answers those RUCs have that are older than the register:
   the fields take the register's value and `estadoActualizadoEn` its date. In place rather
   than marked stale: a stale answer would send each of those RUCs to SUNAT (a day's NO HABIDO
   batch would spend the pacing budget of live lookups), when the register already says what
   SUNAT says. An answer fetched after the register's date is newer than it and is left alone;
3. after the commit, evicts those RUCs' cache entries, so that the next hit reads the corrected
   record (an eviction cannot undo a fresher answer another process wrote; an overwrite could).

Steps 1 and 2 run in the transaction that swaps the new table in: the register and the answers
change together. Processes whose cache the importer cannot reach (LocMem, Redis' local copies)
evict the corrected RUCs themselves when they notice the new version (seen()).
"""

import logging
import threading
from collections import defaultdict
from datetime import timezone

from django.core.cache import cache
from django.db import connection

from sunat import caching, cache_keys
from sunat.models import PadronVersion, RegisterChange, RucRecord
from sunat.padron.registers import Register

logger = logging.getLogger(__name__)

UPDATED_FIELD = "estadoActualizadoEn"  # on a corrected answer: the register's date
_BATCH = 1000
_TRAILER = ("fuente", "actualizadoEn")  # stay last, as on every answer


def register_date(version: PadronVersion):
    """When the register says what it says: its file's date, else its import's."""
    return version.file_date or version.imported_at


def record(register: Register, version: PadronVersion, old_table: str, new_table: str) -> int | None:
    """Record each tracked field that differs between `old_table` (the version in use) and
    `new_table` (`version`'s rows) as RegisterChanges of `version`; how many, or None when the
    register tracks nothing or had no version before to compare with. RUCs that appear or
    disappear are not changes of a field."""
    if not register.tracked or not PadronVersion.objects.filter(register=register.name).exclude(pk=version.pk).exists():
        return None
    q = connection.ops.quote_name
    selected = ", ".join(f"o.{q(column)} AS {q('old_' + column)}, n.{q(column)} AS {q('new_' + column)}"
                         for column, _ in register.tracked)
    differs = " OR ".join(f"COALESCE(o.{q(column)}, '') <> COALESCE(n.{q(column)}, '')" for column, _ in register.tracked)
    per_field = " UNION ALL ".join(
        f"SELECT ruc, CAST(%s AS TEXT) AS field, {q('old_' + column)} AS old, {q('new_' + column)} AS new "
        f"FROM differing WHERE COALESCE({q('old_' + column)}, '') <> COALESCE({q('new_' + column)}, '')"
        for column, _ in register.tracked)
    columns = ", ".join(q(name) for name in ("version_id", "ruc", "field", "before", "after", "register_date",
                                              "corrected_lookup"))
    # The join is done once (the CTE), then split into a row per changed field.
    # INSERT first (SQLite gives a rowcount only then), its SELECT with the CTE.
    sql = (f"INSERT INTO {RegisterChange._meta.db_table} ({columns}) "
           f"WITH differing AS (SELECT n.ruc, {selected} FROM {new_table} n JOIN {old_table} o ON o.ruc = n.ruc "
           f"WHERE {differs}) "
           f"SELECT %s, ruc, field, old, new, %s, %s FROM ({per_field}) changed")
    params = [version.pk, register_date(version), False, *(field for _, field in register.tracked)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def correct_lookups(version: PadronVersion) -> int:
    """Put `version`'s changes into the stored answers older than its register; how many were corrected."""
    changes = RegisterChange.objects.filter(version=version)
    date = register_date(version)
    stamp = date.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    records = (RucRecord.objects.filter(ruc__in=changes.values("ruc"), fetched_at__lt=date)
               .only("ruc", "data", "estado", "condicion").order_by("ruc"))
    corrected, last = 0, ""
    # Pages by RUC, so that each batch's query is bounded and no cursor stays open across writes.
    while batch := list(records.filter(ruc__gt=last)[:_BATCH]):
        last = batch[-1].ruc
        rucs = [stored.ruc for stored in batch]
        new_values = defaultdict(dict)
        for ruc, field, after in changes.filter(ruc__in=rucs).values_list("ruc", "field", "after"):
            new_values[ruc][field] = after
        for stored in batch:
            stored.data = corrected_answer(stored.data, new_values[stored.ruc], stamp)
            for field, after in new_values[stored.ruc].items():
                if field in ("estado", "condicion"):  # the record's own columns, for the admin
                    setattr(stored, field, after or "")
        RucRecord.objects.bulk_update(batch, ["data", "estado", "condicion"])
        changes.filter(ruc__in=rucs).update(corrected_lookup=True)
        corrected += len(batch)
    return corrected


def corrected_answer(answer: dict, new_values: dict, stamp: str) -> dict:
    """`answer` with the register's values and UPDATED_FIELD, its trailer kept last."""
    answer = dict(answer)
    trailer = [(key, answer.pop(key)) for key in _TRAILER if key in answer]
    answer.update(new_values)
    answer.pop(UPDATED_FIELD, None)
    answer[UPDATED_FIELD] = stamp
    answer.update(trailer)
    return answer


def summary(version: PadronVersion) -> str:
    """What the operator reads of the version's changes ("" when nothing was compared)."""
    if version.change_count is None:
        return ""
    return (f" {version.change_count:,} cambios de estado o condición respecto de la versión anterior; "
            f"{version.corrected_lookups or 0:,} consultas guardadas corregidas.")


def evict_corrected(after_id: int | None, upto_id: int) -> int:
    """Drop from the cache (and this process's copies) the RUCs whose stored answer a version in
    (after_id, upto_id] corrected; how many RUCs."""
    changes = RegisterChange.objects.filter(version_id__lte=upto_id, corrected_lookup=True)
    if after_id is not None:
        changes = changes.filter(version_id__gt=after_id)
    keys = [cache_keys.ruc(ruc) for ruc in changes.values_list("ruc", flat=True).distinct()]
    for start in range(0, len(keys), _BATCH):
        chunk = keys[start:start + _BATCH]
        caching.discard_local_copies(chunk)
        cache.delete_many(chunk)
    return len(keys)


_seen: int | None = None
_again: tuple[int | None, int] | None = None
_seen_lock = threading.Lock()


def forget() -> None:
    """Forget the version this process saw (tests)."""
    global _seen, _again
    with _seen_lock:
        _seen, _again = None, None




def seen(version_id: int | None) -> None:
    """The padrón version this process finds in use, checked every few seconds (sunat.padron.annotations).

    When it is a new one, evict what it corrected: the importer's eviction reaches neither
    another process's LocMem nor Redis' local copies. Once more at the next check, for a lookup
    that read the old record just before the swap and cached it just after the first eviction.
    """
    global _seen, _again
    with _seen_lock:
        if _again is not None:
            evict_corrected(*_again)
            _again = None
        if version_id is None or (_seen is not None and version_id <= _seen):
            return
        if _seen is not None:
            count = evict_corrected(_seen, version_id)
            _again = (_seen, version_id)
            logger.info("padrón version %s: %s corrected answers evicted from this process's cache", version_id, count)
        _seen = version_id
