"""Two checkouts running the suite on one machine at once: what one takes is never the other's.

The padrón import's SQLite lock (sunat.registers.locks) is taken here by other processes, as another
checkout's tests or a second `manage.py import_padron` would take it.
"""

import contextlib
import os
import signal
import subprocess
import sys

import pytest

from devtools.servers import PROJECT_ROOT

pytestmark = [pytest.mark.standalone, pytest.mark.servers]

# Takes the padrón import's lock as the importer does, for a database of the given NAME (argv[1]):
# "hold" keeps it until its stdin closes, "try" says whether it got it and lets it go.
_LOCKER = """
import sys
import django
django.setup()
from django.db import connection
connection.settings_dict["NAME"] = sys.argv[1]
from sunat.registers.importer import _SqliteLoader
from sunat.registers.files import PADRON
from sunat.registers.sources import PadronError
try:
    with _SqliteLoader(PADRON).exclusive():
        print("held", flush=True)
        if sys.argv[2] == "hold":
            sys.stdin.read()
except PadronError:
    print("refused", flush=True)
"""


def _locker(database_name: str, mode: str) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env.pop("DATABASE_URL", None)  # SQLite, whatever the suite runs on; NAME is argv[1]'s
    return subprocess.Popen([sys.executable, "-c", _LOCKER, str(database_name), mode], cwd=PROJECT_ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@contextlib.contextmanager
def import_lock_held_elsewhere(database_name: str):
    """Another process holding the padrón import's lock of an SQLite database named `database_name`."""
    process = _locker(database_name, "hold")
    try:
        line = process.stdout.readline().strip()
        assert line == "held", f"the other process did not take the lock: {line!r} {process.stderr.read()}"
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def try_import_lock(database_name: str) -> str:
    """'held' or 'refused': what another process gets asking for the lock now."""
    result = _locker(database_name, "try")
    out, err = result.communicate(timeout=60)
    assert result.returncode == 0, err
    return out.strip()


def test_two_imports_of_one_database_file_refuse_each_other_whatever_its_path_is_spelled(tmp_path):
    database = tmp_path / "db.sqlite3"
    database.touch()
    (tmp_path / "link").symlink_to(tmp_path)

    with import_lock_held_elsewhere(str(database)):
        assert try_import_lock(str(tmp_path / "link" / "db.sqlite3")) == "refused"
        assert try_import_lock(os.path.relpath(database, PROJECT_ROOT)) == "refused"
        assert try_import_lock(str(tmp_path / "other.sqlite3")) == "held"  # another database


def test_the_lock_of_a_database_file_goes_with_a_process_that_dies_holding_it(tmp_path):
    database = str(tmp_path / "db.sqlite3")
    with import_lock_held_elsewhere(database) as holder:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)

        assert try_import_lock(database) == "held"


def test_in_memory_databases_of_one_name_in_two_processes_do_not_share_a_lock():
    # Each checkout's test database: the same NAME, two databases.
    name = "file:memorydb_default?mode=memory&cache=shared"
    with import_lock_held_elsewhere(name):
        assert try_import_lock(name) == "held"
