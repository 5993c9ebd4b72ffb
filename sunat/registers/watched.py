"""What a new register changes for the watched RUCs, read in the import's transaction before the
swap: the events sunat.changes.events.record_many() then writes (source "padron").
"""

from collections import defaultdict
from datetime import timedelta

from django.db import connection

from sunat.changes.events import live_watches
from sunat.models import RegisterChange, RucRecord, Watch
from sunat.registers import corrections

# A SUNAT answer this recent that already says what a new register says announced it already.
_SAME_DAY = timedelta(days=2)


def register_changes(version) -> dict[str, list[dict]]:
    """The changes a padrón version recorded (RegisterChange) to watched RUCs, per RUC: what
    record_many() writes. A join with the watches: the cost is that of the watched RUCs' changes.
    Read it before the import corrects the stored answers (they tell what SUNAT showed first)."""
    changed = list(RegisterChange.objects.filter(version=version, ruc__in=live_watches().values("ruc"))
                   .order_by("ruc", "field").values_list("ruc", "field", "before", "after"))
    # A change SUNAT's page showed first was an event then (a refresh): the register saying it
    # later is no new change.
    stored = {record["ruc"]: record for record in RucRecord.objects.filter(ruc__in={row[0] for row in changed})
              .values("ruc", "estado", "condicion", "fetched_at")}
    per_ruc = defaultdict(list)
    for ruc, field, before, after in changed:
        record = stored.get(ruc)
        if (record is not None and after and field in record and record["fetched_at"] >= version.imported_at - _SAME_DAY
                and corrections.same_value(record[field], after)):
            continue
        per_ruc[ruc].append({"campo": field, "antes": before, "despues": after})
    return dict(per_ruc)


def membership_changes(field: str, old_table: str, new_table: str) -> dict[str, list[dict]]:
    """A register of agents or good taxpayers about to be swapped in: the watched RUCs it adds,
    drops or whose {"desde", "resolucion"} it changes, as changes of `field` (agenteRetencion...)
    per RUC. Only the watched RUCs' rows of both tables are read."""
    before, after = _members(old_table), _members(new_table)
    return {ruc: [{"campo": field, "antes": before.get(ruc), "despues": after.get(ruc)}]
            for ruc in sorted(set(before) | set(after)) if before.get(ruc) != after.get(ruc)}


def _members(table: str) -> dict[str, dict]:
    """The watched RUCs' rows of a register table, as the answer's field shows them."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ruc, desde, resolucion FROM {table} WHERE ruc IN "
                       f"(SELECT DISTINCT ruc FROM {Watch._meta.db_table})")
        return {ruc: {"desde": str(desde)[:10] if desde else None, "resolucion": resolucion}
                for ruc, desde, resolucion in cursor.fetchall()}
