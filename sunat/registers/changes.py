"""What a new version of the Padrón Reducido changes: each RUC's estado or condición, before and after.

An import of a register with `tracked` fields compares the new table with the one in use in
the database, one INSERT ... SELECT over a join of the two (no row crosses into Python; ~30 s
for 18 million rows on PostgreSQL), inside the transaction that swaps the new table in, and
records each RUC's changed field as a RegisterChange: the history the watch feed delivers.
Stored answers are corrected against the new register by sunat.registers.corrections.
"""

from django.conf import settings
from django.db import connection

from sunat.models import PadronVersion, RegisterChange
from sunat.registers.files import Register
from sunat.registers.sources import PadronError

# So many changes are never a moved format, whatever share of a small register they are.
CHANGES_ALWAYS_ACCEPTED = 1000


def register_date(version: PadronVersion):
    """When the register says what it says: its file's date, else its import's."""
    return version.file_date or version.imported_at


def record(register: Register, version: PadronVersion, old_table: str, new_table: str, had_version: bool,
           force: bool = False) -> int | None:
    """Record each tracked field that differs between `old_table` (the version in use) and
    `new_table` (`version`'s rows) as RegisterChanges of `version`; how many, or None when the
    register tracks nothing or `had_version` is false (nothing before to compare with). RUCs that
    appear or disappear are not changes of a field.

    More than PADRON_MAX_CHANGES of the rows (RUCs) changed is a PadronError unless `force`: a file
    whose vocabulary or columns moved would otherwise rewrite every stored answer.
    """
    if not register.tracked or not had_version:
        return None
    q = connection.ops.quote_name
    selected = ", ".join(f"o.{q(column)} AS {q('old_' + column)}, n.{q(column)} AS {q('new_' + column)}"
                         for column, _ in register.tracked)
    differs = " OR ".join(f"COALESCE(o.{q(column)}, '') <> COALESCE(n.{q(column)}, '')" for column, _ in register.tracked)
    per_field = " UNION ALL ".join(
        f"SELECT ruc, CAST(%s AS TEXT) AS field, {q('old_' + column)} AS old, {q('new_' + column)} AS new "
        f"FROM differing WHERE COALESCE({q('old_' + column)}, '') <> COALESCE({q('new_' + column)}, '')"
        for column, _ in register.tracked)
    columns = ", ".join(q(name) for name in ("version_id", "ruc", "field", "before", "after", "register_date"))
    # INSERT first (SQLite gives a rowcount only then), its SELECT with the CTE: the join is
    # done once, then split into a row per changed field.
    sql = (f"INSERT INTO {RegisterChange._meta.db_table} ({columns}) "
           f"WITH differing AS (SELECT n.ruc, {selected} FROM {new_table} n JOIN {old_table} o ON o.ruc = n.ruc "
           f"WHERE {differs}) "
           f"SELECT %s, ruc, field, old, new, %s FROM ({per_field}) changed")
    date = connection.ops.adapt_datetimefield_value(register_date(version))  # as Django stores it
    params = [version.pk, date, *(field for _, field in register.tracked)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        count = cursor.rowcount
        # The guard counts rows (RUCs), as PADRON_MAX_CHANGES says: a RUC whose estado and condición
        # both changed is one changed row, not two.
        cursor.execute(f"SELECT COUNT(DISTINCT ruc) FROM {RegisterChange._meta.db_table} WHERE version_id = %s",
                       [version.pk])
        (changed_rows,) = cursor.fetchone()
    if not force and changed_rows > max(settings.PADRON_MAX_CHANGES * version.rows, CHANGES_ALWAYS_ACCEPTED):
        raise PadronError(f"{changed_rows:,} de {version.rows:,} filas cambian de estado o condición, más de "
                          f"{settings.PADRON_MAX_CHANGES:.0%}; ¿cambió el formato del archivo? Use --force si es correcto")
    return count


def summary(version: PadronVersion) -> str:
    """What the operator reads of the version's changes and corrections ("" for a register without)."""
    parts = []
    if version.change_count is not None:
        parts.append(f"{version.change_count:,} cambios de estado o condición respecto de la versión anterior")
    if version.corrected_lookups is not None:
        parts.append(f"{version.corrected_lookups:,} consultas guardadas corregidas")
    return f" {'; '.join(parts)}." if parts else ""
