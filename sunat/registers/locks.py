"""Locks that make a second import (or sync) refuse at once instead of colliding with the first.

PostgreSQL: a session advisory lock (two keys: ours and the task's number). SQLite file: flock() on
a file in the temporary folder named after the database file's resolved path, so that every
process using that file (whatever path it was given) takes the same lock and no other database
shares it (the OS drops it if the process dies). SQLite in memory: only this process can see that
database, so the lock is this process's own (another process's database of the same NAME, such as
another checkout's test database, is another database); it goes with the process too. Those
locks are a piece of this process's state (sunat.process): a forked child starts with none held.
"""

import contextlib
import fcntl
import hashlib
import os
import tempfile
import threading
from pathlib import Path

from django.db import connection

from sunat import process
from sunat.registers.sources import PadronError

_ADVISORY_LOCK = 0x50414452  # "PADR"



class _ProcessLocks:
    def __init__(self):
        self.locks: dict[str, threading.Lock] = {}
        self.guard = threading.Lock()

    def get(self, key: str) -> threading.Lock:
        with self.guard:
            return self.locks.setdefault(key, threading.Lock())


_process_locks = process.lazy("in-memory SQLite task locks", _ProcessLocks)


def exclusive(number: int, name: str, busy: str):
    """Held for the task: `number` keys the advisory lock, `name` the SQLite one; PadronError(busy) when taken."""
    if connection.vendor == "postgresql":
        return advisory_lock(number, busy)
    if connection.is_in_memory_db():
        return process_lock(f"{connection.alias}:{connection.settings_dict['NAME']}:{name}", busy)
    return file_lock(lock_path(connection.settings_dict["NAME"], name), busy)


@contextlib.contextmanager
def advisory_lock(number: int, busy: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_ADVISORY_LOCK, number])
        if not cursor.fetchone()[0]:
            raise PadronError(busy)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_ADVISORY_LOCK, number])


def lock_path(database: str | os.PathLike, name: str) -> Path:
    """The lock file of task `name` on the SQLite database file `database` (any spelling of its path)."""
    # realpath: a relative path, a symlink or "..": one file, one lock.
    key = f"{os.path.realpath(database)}:{name}"
    return Path(tempfile.gettempdir()) / f"padron-import-{hashlib.sha256(key.encode()).hexdigest()[:24]}.lock"


@contextlib.contextmanager
def file_lock(path: Path, busy: str):
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PadronError(busy) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def process_lock(key: str, busy: str):
    lock = _process_locks.get().get(key)
    if not lock.acquire(blocking=False):
        raise PadronError(busy)
    try:
        yield
    finally:
        lock.release()
