"""Importing the Padrón Reducido RUC: a new copy of the table, loaded whole, swapped in at once.

The rows go into `sunat_padron_new` (PostgreSQL: one COPY, indexes built after; SQLite:
one insert transaction per block of lines), then one transaction drops the old table, renames the new one into its
place and records the PadronVersion. Lookups read the old register until that commit and the
new one after it; an import that fails or is interrupted drops its copy and leaves the
register as it was.
"""

import contextlib
import fcntl
import hashlib
import logging
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, connection, transaction

from sunat import cache_keys
from sunat.models import PadronEntry, PadronVersion
from sunat.padron.reader import (
    COLUMNS, EMPTY, ENCODING, Block, PadronError, Source, open_padron, read_blocks, rows_of,
)

logger = logging.getLogger(__name__)

TABLE = PadronEntry._meta.db_table
NEW_TABLE = f"{TABLE}_new"
LOADING, INDEXING = "loading", "indexing"  # Progress.phase
VERSION_CACHE_KEY = cache_keys.PADRON_VERSION
INDEX_BUILD_MEMORY = "256MB"
PROGRESS_EVERY = 50_000  # rows between progress reports
_PG_ENCODING = {"iso-8859-1": "LATIN1"}[ENCODING]
# Two imports at once would share NEW_TABLE: the second one waits for none, it refuses.
_ADVISORY_LOCK = 0x50414452  # "PADR"


@dataclass
class Progress:
    rows: int
    bytes_read: int
    total_bytes: int | None
    seconds: float
    phase: str  # LOADING (the rows), then INDEXING (indexes and swap)


ProgressCallback = Callable[[Progress], None]


def import_padron(path_or_url: str, progress: ProgressCallback | None = None, force: bool = False) -> PadronVersion:
    """Load the padrón at `path_or_url` and swap it in; PadronError when it cannot be.

    A file with PADRON_MAX_SHRINK fewer rows than the version in use (a download cut at a line
    boundary reads as a valid, shorter register) is refused unless `force`.
    """
    started = time.monotonic()
    report = progress or (lambda _: None)
    loader = _PostgresLoader() if connection.vendor == "postgresql" else _SqliteLoader()
    with loader.exclusive():
        try:
            with open_padron(path_or_url) as source:
                loader.create_table()
                rows = loader.load(_reporting(source, started, report))
                if not force:
                    _check_not_shrunk(rows)
                report(Progress(rows, source.stream.count, source.size, time.monotonic() - started, INDEXING))
                loader.build_indexes()
                with transaction.atomic():
                    loader.swap()
                    version = PadronVersion.objects.create(
                        source=str(path_or_url)[:1000], file_date=source.file_date, rows=rows,
                        seconds=round(time.monotonic() - started, 2),
                    )
        except BaseException:
            loader.drop_new_table()
            raise
    cache.delete(VERSION_CACHE_KEY)
    logger.info("padrón imported: %s rows from %s in %.1f s", rows, path_or_url, version.seconds)
    return version


def _check_not_shrunk(rows: int) -> None:
    in_use = PadronVersion.objects.order_by("-imported_at").first()
    if in_use is not None and rows < in_use.rows * (1 - settings.PADRON_MAX_SHRINK):
        raise PadronError(f"el archivo tiene {rows:,} filas, {1 - rows / in_use.rows:.0%} menos que el padrón en uso "
                          f"({in_use.rows:,}); ¿descarga incompleta? Use --force si es correcto")


def _reporting(source: Source, started: float, report: ProgressCallback) -> Iterator[Block]:
    """The checked blocks of `source`, calling `report` each time PROGRESS_EVERY more rows are read."""
    rows, reported = 0, 0
    for block in read_blocks(source):
        yield block
        rows += block.rows
        if rows - reported >= PROGRESS_EVERY:
            reported = rows
            report(Progress(rows, source.stream.count, source.size, time.monotonic() - started, LOADING))


def _quoted_columns() -> str:
    return ", ".join(connection.ops.quote_name(column) for column in COLUMNS)


class _Loader:
    def exclusive(self):
        raise NotImplementedError

    def create_table(self):
        raise NotImplementedError

    def load(self, blocks: Iterable[Block]) -> int:
        raise NotImplementedError

    def build_indexes(self):
        pass

    def swap(self):
        raise NotImplementedError

    def drop_new_table(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {NEW_TABLE}")
        except DatabaseError:
            logger.exception("could not drop %s after a failed import", NEW_TABLE)


class _PostgresLoader(_Loader):
    def exclusive(self):
        return _advisory_lock()

    def create_table(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {NEW_TABLE}")
            # Columns and NOT NULLs only: indexes are built once the rows are in, much faster.
            cursor.execute(f"CREATE TABLE {NEW_TABLE} (LIKE {TABLE} INCLUDING DEFAULTS)")

    def load(self, blocks) -> int:
        # The checked lines go to COPY as they are: PostgreSQL splits them on "|", reads "-" as
        # NULL and converts from Latin-1 itself. Only "\\" needs escaping in the text format.
        count = 0
        statement = (f"COPY {NEW_TABLE} ({_quoted_columns()}) FROM STDIN "
                     f"(FORMAT text, DELIMITER '|', NULL '{EMPTY}', ENCODING '{_PG_ENCODING}')")
        with connection.cursor() as cursor:
            try:
                with cursor.cursor.copy(statement) as copy:
                    for block in blocks:
                        copy.write(block.data.replace(b"\\", b"\\\\") if b"\\" in block.data else block.data)
                        count += block.rows
            except DatabaseError as exc:
                raise PadronError(f"PostgreSQL rechazó una fila: {str(exc).strip().splitlines()[0]}") from exc
        return count

    def build_indexes(self):
        """The live table's primary key and indexes, whatever the migrations made them (the
        trigram index, Django's varchar_pattern_ops one on ruc), on the new table under
        temporary names; swap() gives them their names back."""
        with connection.cursor() as cursor:
            self.renames = []
            # A trigram index of millions of names builds several times faster with more than
            # the default 64 MB to sort in; the setting lasts until the RESET below.
            cursor.execute(f"SET maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'p'", [TABLE])
            for number, (name, definition) in enumerate(cursor.fetchall()):
                temporary = f"{NEW_TABLE}_c{number}"
                try:
                    cursor.execute(f"ALTER TABLE {NEW_TABLE} ADD CONSTRAINT {temporary} {definition}")
                except IntegrityError as exc:
                    detail = getattr(getattr(exc.__cause__, "diag", None), "message_detail", "") or str(exc)
                    found = re.search(r"\(ruc\)=\((\d+)\)", detail)
                    raise PadronError(f"el RUC {found.group(1) if found else '?'} aparece más de una vez") from exc
                self.renames.append(("CONSTRAINT", temporary, name))
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                "AND i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [TABLE])
            for number, (name, definition) in enumerate(cursor.fetchall()):
                temporary = f"{NEW_TABLE}_i{number}"
                statement = re.sub(r"^CREATE (UNIQUE )?INDEX \S+ ON (\S+\.)?\S+ ",
                                   rf"CREATE \1INDEX {temporary} ON {NEW_TABLE} ", definition)
                cursor.execute(statement)
                self.renames.append(("INDEX", temporary, name))
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute(f"ANALYZE {NEW_TABLE}")

    def swap(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {TABLE}")
            cursor.execute(f"ALTER TABLE {NEW_TABLE} RENAME TO {TABLE}")
            for kind, temporary, name in self.renames:
                if kind == "CONSTRAINT":  # renames its index too
                    cursor.execute(f"ALTER TABLE {TABLE} RENAME CONSTRAINT {temporary} TO {name}")
                else:
                    cursor.execute(f"ALTER INDEX {temporary} RENAME TO {name}")


class _SqliteLoader(_Loader):
    def exclusive(self):
        return _file_lock(connection.settings_dict["NAME"])

    def create_table(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [TABLE])
            (create,) = cursor.fetchone()
            cursor.execute(f"DROP TABLE IF EXISTS {NEW_TABLE}")
            # The table's own definition (primary key included) under the new name.
            cursor.execute(create.replace(f'"{TABLE}"', f'"{NEW_TABLE}"', 1))

    def load(self, blocks) -> int:
        insert = f"INSERT INTO {NEW_TABLE} ({_quoted_columns()}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
        return sum(self._insert(insert, list(rows_of(block))) for block in blocks)

    def _insert(self, insert: str, batch: list) -> int:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(insert, batch)
        except IntegrityError as exc:
            raise PadronError(f"el RUC {self._first_duplicate(batch)} aparece más de una vez") from exc
        return len(batch)

    @staticmethod
    def _first_duplicate(batch: list) -> str:
        """The RUC that broke the primary key: twice in the batch, or already loaded."""
        seen = set()
        for row in batch:
            if row[0] in seen:
                return row[0]
            seen.add(row[0])
        rucs = sorted(seen)
        with connection.cursor() as cursor:
            for start in range(0, len(rucs), 500):
                chunk = rucs[start:start + 500]
                cursor.execute(f"SELECT ruc FROM {NEW_TABLE} WHERE ruc IN ({', '.join(['%s'] * len(chunk))})", chunk)
                found = cursor.fetchone()
                if found:
                    return found[0]
        return "?"

    def swap(self):
        with connection.cursor() as cursor:
            # Its other indexes, as the migrations made them: rebuilt once their names are free.
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                           "AND sql IS NOT NULL", [TABLE])
            indexes = [sql for (sql,) in cursor.fetchall()]
            cursor.execute(f"DROP TABLE {TABLE}")
            cursor.execute(f"ALTER TABLE {NEW_TABLE} RENAME TO {TABLE}")
            for sql in indexes:
                cursor.execute(sql)


@contextlib.contextmanager
def _advisory_lock():
    """Held for the whole import, so that a second import says so instead of colliding."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_ADVISORY_LOCK])
        if not cursor.fetchone()[0]:
            raise PadronError("otra importación del padrón está en curso")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_ADVISORY_LOCK])


@contextlib.contextmanager
def _file_lock(database: str):
    """An exclusive lock on a file beside the SQLite database (the OS drops it if we die)."""
    path = Path(tempfile.gettempdir()) / f"padron-import-{hashlib.sha1(str(database).encode()).hexdigest()[:16]}.lock"
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PadronError("otra importación del padrón está en curso") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
