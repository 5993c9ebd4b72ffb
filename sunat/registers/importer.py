"""Importing one of SUNAT's files (files.py): a new copy of its table, loaded whole, swapped in at once.

The rows go into `<table>_new` (PostgreSQL: one COPY, indexes built after; SQLite: one insert
transaction per block of lines), then one transaction drops the old table, renames the new
one into its place and records the PadronVersion of that register. Lookups read the old
register until that commit and the new one after it; an import that fails or is interrupted
drops its copy and leaves the register as it was.
"""

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, connection, transaction

from sunat import caching
from sunat.changes import events
from sunat.models import ChangeEvent, PadronVersion
from sunat.registers import changes, corrections, locks, watched
from sunat.registers.files import PADRON, REGISTERS, Register
from sunat.registers.reader import EMPTY, Block, read_blocks, rows_of
from sunat.registers.sources import PadronError, Source, Validators, open_padron

logger = logging.getLogger(__name__)

LOADING, INDEXING, COMPARING = "loading", "indexing", "comparing"  # Progress.phase
VERSION_CACHE_KEY = caching.PADRON_VERSION
INDEX_BUILD_MEMORY = "256MB"
PROGRESS_EVERY = 50_000  # rows between progress reports
# Two imports of a register at once would share its new table: the second one waits for none,
# it refuses (sunat.registers.locks, keyed by the register).
BUSY = "otra importación de este registro está en curso"


@dataclass
class Progress:
    rows: int
    bytes_read: int
    total_bytes: int | None
    seconds: float
    phase: str  # LOADING (the rows), INDEXING (indexes), then COMPARING (a register with tracked fields)


ProgressCallback = Callable[[Progress], None]


def import_padron(path_or_url: str, progress: ProgressCallback | None = None, force: bool = False,
                  register: Register = PADRON, unless: Validators | None = None) -> PadronVersion:
    """Load `register`'s file at `path_or_url` and swap it in; PadronError when it cannot be.

    A file with PADRON_MAX_SHRINK fewer rows than the version in use (a download cut at a line
    boundary reads as a valid, shorter register) is refused unless `force`, as is a padrón that
    changes the estado or condición of more than PADRON_MAX_CHANGES of its rows. With `unless` (the
    validators of the version in use), sources.NotModified when the URL still serves that file.
    """
    started = time.monotonic()
    report = progress or (lambda _: None)
    if register.table not in connection.introspection.table_names():
        raise PadronError(f"la base de datos no tiene la tabla {register.table}: ejecute manage.py migrate")
    loader = (_PostgresLoader if connection.vendor == "postgresql" else _SqliteLoader)(register)
    with loader.exclusive():
        try:
            with open_padron(path_or_url, unless) as source:
                loader.create_table()
                rows = loader.load(_reporting(source, register, started, report))
                if not force:
                    _check_not_shrunk(rows, register)
                report(Progress(rows, source.stream.count, source.size, time.monotonic() - started, INDEXING))
                loader.build_indexes()
                if register.tracked:
                    report(Progress(rows, source.stream.count, source.size, time.monotonic() - started, COMPARING))
                previous = PadronVersion.objects.filter(register=register.name).first()
                with transaction.atomic():
                    validators = source.validators or Validators(None, None, None)
                    version = PadronVersion.objects.create(
                        register=register.name, source=str(path_or_url)[:1000], file_date=source.file_date, rows=rows,
                        seconds=0, source_size=validators.size, source_last_modified=validators.last_modified,
                        source_etag=validators.etag[:200] if validators.etag else None,
                    )
                    # Against the table in use, before the swap drops it; in this transaction, so that
                    # the register and the answers it corrects change together.
                    comparing = time.monotonic()
                    version.change_count = changes.record(register, version, loader.table, loader.new_table,
                                                          previous is not None, force)
                    # The watched RUCs' changes, read now (before the corrections and the swap)...
                    announced = {}
                    if version.change_count:
                        announced = watched.register_changes(version)
                    elif register.answer_field and previous is not None:
                        announced = watched.membership_changes(register.answer_field, loader.table, loader.new_table)
                    if register.tracked:
                        version.corrected_lookups = corrections.correct_lookups(register, version, loader.new_table)
                    loader.swap()
                    events.record_many(announced, ChangeEvent.PADRON)  # ...written last, just before the commit
                    compared = time.monotonic() - comparing
                    version.seconds = round(time.monotonic() - started, 2)
                    version.save(update_fields=["change_count", "corrected_lookups", "seconds"])
        except BaseException:
            loader.drop_new_table()
            raise
    cache.delete(version_cache_key(register))
    if version.corrected_lookups:
        try:
            corrections.evict(version.pk - 1, version.pk)
        except Exception:  # committed: each server process evicts them too when it sees the version
            logger.exception("could not evict the answers %s corrected from the cache", register.name)
    logger.info("%s imported: %s rows from %s in %.1f s; %s changes, %s stored answers corrected (in %.2f s)",
                register.name, rows, path_or_url, version.seconds, version.change_count, version.corrected_lookups,
                compared)
    return version


def version_cache_key(register: Register) -> str:
    """Where the register's version in use is remembered (sunat.registers.queries)."""
    return VERSION_CACHE_KEY if register is PADRON else caching.register_version(register.name)


def _check_not_shrunk(rows: int, register: Register) -> None:
    in_use = PadronVersion.objects.filter(register=register.name).order_by("-imported_at").first()
    if in_use is not None and rows < in_use.rows * (1 - settings.PADRON_MAX_SHRINK):
        raise PadronError(f"el archivo tiene {rows:,} filas, {1 - rows / in_use.rows:.0%} menos que el registro en "
                          f"uso ({in_use.rows:,}); ¿descarga incompleta? Use --force si es correcto")


def _reporting(source: Source, register: Register, started: float, report: ProgressCallback) -> Iterator[Block]:
    """The checked blocks of `source`, calling `report` each time PROGRESS_EVERY more rows are read."""
    rows, reported = 0, 0
    for block in read_blocks(source, register):
        yield block
        rows += block.rows
        if rows - reported >= PROGRESS_EVERY:
            reported = rows
            report(Progress(rows, source.stream.count, source.size, time.monotonic() - started, LOADING))


class _Loader:
    def __init__(self, register: Register):
        self.register = register
        self.table = register.table
        self.new_table = f"{register.table}_new"

    def quoted_columns(self) -> str:
        return ", ".join(connection.ops.quote_name(column) for column in self.register.columns)

    def exclusive(self):
        return locks.exclusive(list(REGISTERS).index(self.register.name), self.register.name, BUSY)

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
                cursor.execute(f"DROP TABLE IF EXISTS {self.new_table}")
        except DatabaseError:
            logger.exception("could not drop %s after a failed import", self.new_table)


class _PostgresLoader(_Loader):
    def create_table(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.new_table}")
            # Columns and NOT NULLs only: indexes are built once the rows are in, much faster. An
            # identity column (the establishments' id) gets a sequence of its own, which the swap's
            # DROP of the old table leaves alone.
            cursor.execute(f"CREATE TABLE {self.new_table} (LIKE {self.table} INCLUDING DEFAULTS INCLUDING IDENTITY)")

    def load(self, blocks) -> int:
        # The checked lines go to COPY as they are: PostgreSQL splits them on "|", reads "-" as
        # NULL and converts from Latin-1 itself. Only "\\" needs escaping in the text format.
        count = 0
        statement = (f"COPY {self.new_table} ({self.quoted_columns()}) FROM STDIN "
                     f"(FORMAT text, DELIMITER '|', NULL '{EMPTY}', ENCODING '{self.register.pg_encoding}')")
        with connection.cursor() as cursor:
            # Dates as SUNAT writes them, dd/mm/yyyy; the session's own style comes back below.
            cursor.execute("SET DateStyle = 'ISO, DMY'")
            try:
                with cursor.cursor.copy(statement) as copy:
                    for block in blocks:
                        copy.write(block.data.replace(b"\\", b"\\\\") if b"\\" in block.data else block.data)
                        count += block.rows
            except DatabaseError as exc:
                raise PadronError(f"PostgreSQL rechazó una fila: {str(exc).strip().splitlines()[0]}") from exc
            finally:
                cursor.execute("RESET DateStyle")
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
                "WHERE conrelid = %s::regclass AND contype = 'p'", [self.table])
            for number, (name, definition) in enumerate(cursor.fetchall()):
                temporary = f"{self.new_table}_c{number}"
                try:
                    cursor.execute(f"ALTER TABLE {self.new_table} ADD CONSTRAINT {temporary} {definition}")
                except IntegrityError as exc:
                    detail = getattr(getattr(exc.__cause__, "diag", None), "message_detail", "") or str(exc)
                    found = re.search(r"\(ruc\)=\((\d+)\)", detail)
                    raise PadronError(f"el RUC {found.group(1) if found else '?'} aparece más de una vez") from exc
                self.renames.append(("CONSTRAINT", temporary, name))
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                "AND i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [self.table])
            for number, (name, definition) in enumerate(cursor.fetchall()):
                temporary = f"{self.new_table}_i{number}"
                statement = re.sub(r"^CREATE (UNIQUE )?INDEX \S+ ON (\S+\.)?\S+ ",
                                   rf"CREATE \1INDEX {temporary} ON {self.new_table} ", definition)
                cursor.execute(statement)
                self.renames.append(("INDEX", temporary, name))
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute(f"ANALYZE {self.new_table}")

    def swap(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {self.table}")
            cursor.execute(f"ALTER TABLE {self.new_table} RENAME TO {self.table}")
            for kind, temporary, name in self.renames:
                if kind == "CONSTRAINT":  # renames its index too
                    cursor.execute(f"ALTER TABLE {self.table} RENAME CONSTRAINT {temporary} TO {name}")
                else:
                    cursor.execute(f"ALTER INDEX {temporary} RENAME TO {name}")


class _SqliteLoader(_Loader):
    def create_table(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [self.table])
            (create,) = cursor.fetchone()
            cursor.execute(f"DROP TABLE IF EXISTS {self.new_table}")
            # The table's own definition (primary key included) under the new name.
            cursor.execute(create.replace(f'"{self.table}"', f'"{self.new_table}"', 1))

    def load(self, blocks) -> int:
        columns = self.register.columns
        insert = f"INSERT INTO {self.new_table} ({self.quoted_columns()}) VALUES ({', '.join(['%s'] * len(columns))})"
        return sum(self._insert(insert, list(rows_of(block, self.register))) for block in blocks)

    def _insert(self, insert: str, batch: list) -> int:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(insert, batch)
        except IntegrityError as exc:
            raise PadronError(f"el RUC {self._first_duplicate(batch)} aparece más de una vez") from exc
        return len(batch)

    def _first_duplicate(self, batch: list) -> str:
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
                cursor.execute(f"SELECT ruc FROM {self.new_table} WHERE ruc IN ({', '.join(['%s'] * len(chunk))})", chunk)
                found = cursor.fetchone()
                if found:
                    return found[0]
        return "?"

    def swap(self):
        with connection.cursor() as cursor:
            # Its other indexes, as the migrations made them: rebuilt once their names are free.
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                           "AND sql IS NOT NULL", [self.table])
            indexes = [sql for (sql,) in cursor.fetchall()]
            cursor.execute(f"DROP TABLE {self.table}")
            cursor.execute(f"ALTER TABLE {self.new_table} RENAME TO {self.table}")
            for sql in indexes:
                cursor.execute(sql)
