"""Locks that make a second import (or sync) refuse at once instead of colliding with the first.

PostgreSQL: a session advisory lock (two keys: ours and the job's number). SQLite: flock() on a
file named after the database (the OS drops it if the process dies).
"""

import contextlib
import fcntl
import hashlib
import tempfile
from pathlib import Path

from django.db import connection

from sunat.padron.sources import PadronError

_ADVISORY_LOCK = 0x50414452  # "PADR"


def exclusive(number: int, name: str, busy: str):
    """Held for the job: `number` keys the advisory lock, `name` the lock file; PadronError(busy) when taken."""
    if connection.vendor == "postgresql":
        return advisory_lock(number, busy)
    return file_lock(f"{connection.settings_dict['NAME']}:{name}", busy)


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


@contextlib.contextmanager
def file_lock(key: str, busy: str):
    path = Path(tempfile.gettempdir()) / f"padron-import-{hashlib.sha1(key.encode()).hexdigest()[:16]}.lock"
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PadronError(busy) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
