"""manage.py sync_sunat_files: every register's file from the replica (ReplicaServer(files_dir=...)),
imported when it changed, skipped when not, one failure alone; the whole sync's lock; the daily loop;
the replica's conditional GETs."""

import io
import os
import shutil
import signal
import threading
from datetime import UTC, datetime, time, timedelta
from email.utils import format_datetime
from functools import partial

import pytest
import requests
from django.core.management import CommandError, call_command
from django.utils.timezone import now as django_now

from devtools.padron_generator import write_padron
from devtools.register_generator import write_register
from devtools.replica import ReplicaServer
from devtools.replica.files import FILE_PATHS
from sunat.models import AgentePercepcion, PadronVersion
from sunat.registers import daily
from sunat.registers.files import REGISTERS
from sunat.registers.importer import INDEXING
from sunat.registers.sources import PadronError
from sunat.registers.sync import BUSY, IMPORTED, LIMA, sync_files
from tests.support.padron_files import QuietHandler, http_server, write_zip

pytestmark = pytest.mark.django_db(transaction=True)  # the importer runs DDL and its own transactions

PADRON_ROWS = 2000
REGISTER_PADRON_ROWS = 20_000  # the agents' files: about 1% of this padrón's companies
# The file of each register as SUNAT names it (its URL's last part).
FILES = {
    "padron": "padron_reducido_ruc.zip",
    "agentes-retencion": "AgenRet_TXT.zip",
    "agentes-percepcion": "AgenPerc_TXT.zip",
    "agentes-percepcion-vi": "AgenPercVI_TXT.zip",
    "buenos-contribuyentes": "BueCont_TXT.zip",
    "establecimientos-anexos": "padron_reducido_local_anexo.zip",
}
AN_HOUR_AGO = datetime.now().timestamp() - 3600


def write_file(directory, name: str, seed: int = 0):
    """Register `name`'s file in `directory`, dated AN_HOUR_AGO (so that a later date is a change)."""
    path = directory / FILES[name]
    if name == "padron":
        write_padron(path, PADRON_ROWS, seed=seed)
    else:
        write_register(path, name, REGISTER_PADRON_ROWS, seed=seed)
    os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO))
    return path


def touch(path, seconds: float = 60):
    """A newer mtime: a new Last-Modified and ETag for the same bytes."""
    stamp = path.stat().st_mtime + seconds
    os.utime(path, (stamp, stamp))


@pytest.fixture(scope="module")
def generated_files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sunat-files")
    for name in FILES:
        write_file(directory, name)
    return directory


@pytest.fixture
def files(generated_files, tmp_path):
    """This test's copy of the files (mtimes kept), which it may change."""
    return shutil.copytree(generated_files, tmp_path / "files")


@pytest.fixture
def sunat(files, settings):
    """The replica serving `files` at SUNAT's paths, every register's URL setting pointed at it."""
    with ReplicaServer(files_dir=files) as server:
        for name, register in REGISTERS.items():
            setattr(settings, register.url_setting, server.file_url(FILES[name]))
        yield server


def sync(*args) -> list[str]:
    out = io.StringIO()
    call_command("sync_sunat_files", *args, stdout=out)
    return out.getvalue().splitlines()


def failing_sync(*args) -> tuple[CommandError, list[str]]:
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("sync_sunat_files", *args, stdout=out)
    return raised.value, out.getvalue().splitlines()


def line_of(lines: list[str], name: str) -> str:
    (found,) = [line for line in lines if f"({name}):" in line]
    return found


def versions(name: str) -> int:
    return PadronVersion.objects.filter(register=name).count()


# The sync ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_first_sync_imports_every_file_and_says_so_in_a_line_each(sunat, files):
    lines = sync()

    assert len(lines) == len(FILES)
    for name, register in REGISTERS.items():
        assert line_of(lines, name).startswith(f"{register.title} ({name}): importado, ")
        assert "filas/s)." in line_of(lines, name)
        version = PadronVersion.objects.get(register=name)
        assert version.rows == register.model.objects.count() > 0
        # What tomorrow's sync compares with: the download's headers.
        assert version.source_size == (files / FILES[name]).stat().st_size
        assert version.source_last_modified.timestamp() == int(AN_HOUR_AGO)
        assert version.source_etag.startswith('"')
    assert line_of(lines, "padron") == (
        f"Padrón Reducido RUC (padron): importado, {PADRON_ROWS:,} filas en "
        f"{PadronVersion.objects.get(register='padron').seconds:.1f} s"
        f" ({PADRON_ROWS / PadronVersion.objects.get(register='padron').seconds:,.0f} filas/s)."
        " 0 consultas guardadas corregidas.")


def test_a_second_sync_skips_every_unchanged_file_and_says_it_is_still_current(sunat):
    sync()
    imported = {version.register: version.imported_at for version in PadronVersion.objects.all()}

    lines = sync()

    since = datetime.fromtimestamp(int(AN_HOUR_AGO), tz=LIMA)
    assert lines == [f"{register.title} ({name}): sin cambios desde el {since:%Y-%m-%d %H:%M} (hora de Lima)."
                     for name, register in REGISTERS.items()]
    assert PadronVersion.objects.count() == len(FILES)
    for version in PadronVersion.objects.all():  # the metrics and RegisterStale read current_at
        assert version.checked_at > imported[version.register] and version.current_at == version.checked_at


class IgnoresConditions(QuietHandler):
    """A server that answers every GET in full, whatever If-Modified-Since says (and sends no ETag)."""

    def send_head(self):
        del self.headers["If-Modified-Since"]
        del self.headers["If-None-Match"]
        return super().send_head()


def test_a_server_that_ignores_the_conditions_is_still_skipped_by_its_headers(files, settings):
    with http_server(files, handler=IgnoresConditions) as base_url:
        for name, register in REGISTERS.items():
            setattr(settings, register.url_setting, f"{base_url}/{FILES[name]}")
        sync()
        touch(files / FILES["agentes-retencion"])

        lines = sync()

    assert "importado" in line_of(lines, "agentes-retencion")
    assert sum("sin cambios desde" in line for line in lines) == len(FILES) - 1
    assert PadronVersion.objects.count() == len(FILES) + 1


@pytest.mark.parametrize("change", ["mtime", "content"])
def test_a_changed_file_alone_is_imported_again(sunat, files, change):
    sync()
    if change == "mtime":
        touch(files / FILES["agentes-retencion"])
    else:
        touch(write_file(files, "agentes-retencion", seed=5), seconds=7200)

    lines = sync()

    assert "importado" in line_of(lines, "agentes-retencion")
    assert [name for name in REGISTERS if "sin cambios desde" in line_of(lines, name)] == [
        "padron", "agentes-percepcion", "agentes-percepcion-vi", "buenos-contribuyentes", "establecimientos-anexos"]
    assert versions("agentes-retencion") == 2 and PadronVersion.objects.count() == len(FILES) + 1


def truncated_zip(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def bad_row_zip(path):
    rows = b"Ruc|Nombre/Razon|A partir del|Resolucion|\r20100000001|BIEN S.A.|01/06/2002|RS|\r2051886291X|MAL|01/01/2020|RS|\r"
    write_zip(path, {"AgenPerc_TXT.txt": rows})


@pytest.mark.parametrize("breaks, reason", [
    (truncated_zip, "el archivo zip está dañado"),
    (bad_row_zip, "línea 3: RUC no válido"),
], ids=["truncated-zip", "bad-row"])
def test_a_broken_file_fails_alone_and_its_register_stays_as_it_was(sunat, files, breaks, reason):
    sync()
    in_use = set(AgentePercepcion.objects.values_list("ruc", flat=True))
    breaks(files / FILES["agentes-percepcion"])
    touch(files / FILES["agentes-percepcion"])
    touch(write_file(files, "buenos-contribuyentes", seed=3))

    error, lines = failing_sync()

    assert error.returncode == 1
    assert str(error) == "No se importaron 1 de 6 archivos: agentes-percepcion."
    failed = line_of(lines, "agentes-percepcion")
    assert failed.startswith("Agentes de percepción (agentes-percepcion): no se importó: ") and reason in failed
    assert failed.endswith("El registro en uso no cambió.")
    assert "importado" in line_of(lines, "buenos-contribuyentes")
    assert set(AgentePercepcion.objects.values_list("ruc", flat=True)) == in_use
    assert versions("agentes-percepcion") == 1 and versions("buenos-contribuyentes") == 2


def test_a_broken_file_on_the_first_sync_leaves_the_others_imported(sunat, files):
    (files / FILES["padron"]).write_bytes(b"no es un zip")

    error, lines = failing_sync()

    assert "la cabecera no es la del Padrón Reducido RUC" in line_of(lines, "padron")
    assert str(error) == "No se importaron 1 de 6 archivos: padron."
    assert versions("padron") == 0 and PadronVersion.objects.count() == len(FILES) - 1


def test_an_unreachable_url_fails_that_register(sunat, settings):
    settings.AGENTES_RETENCION_URL = sunat.origin + "/descarga/AgentRet/no_existe.zip"

    error, lines = failing_sync("--only", "agentes-retencion", "padron")

    assert "respondió HTTP 404" in line_of(lines, "agentes-retencion")
    assert versions("padron") == 1 and versions("agentes-retencion") == 0


def test_only_syncs_the_registers_named(sunat):
    lines = sync("--only", "buenos-contribuyentes", "--only", "padron")

    assert [line.split(":")[0] for line in lines] == ["Padrón Reducido RUC (padron)",
                                                       "Buenos contribuyentes (buenos-contribuyentes)"]
    assert set(PadronVersion.objects.values_list("register", flat=True)) == {"padron", "buenos-contribuyentes"}


def test_only_refuses_an_unknown_register(sunat):
    with pytest.raises(CommandError, match="invalid choice: 'agentes'"):
        call_command("sync_sunat_files", "--only", "agentes")


def test_force_imports_unchanged_files_again(sunat):
    sync()

    lines = sync("--force")

    assert all(": importado, " in line for line in lines) and len(lines) == len(FILES)
    assert PadronVersion.objects.count() == 2 * len(FILES)


def test_a_second_sync_while_one_runs_refuses_at_once(sunat):
    from tests.registers.test_padron_import import blocking_progress, run_in_thread

    progress, reached, release = blocking_progress(INDEXING)
    thread, outcome = run_in_thread(lambda: sync_files(progress=progress))
    try:
        assert reached.wait(60)
        error, lines = failing_sync()
    finally:
        release.set()
        thread.join(60)

    assert str(error) == f"No se sincronizó: {BUSY}." and lines == []
    assert "error" not in outcome, outcome.get("error")
    assert [result.outcome for result in outcome["result"]] == [IMPORTED] * len(FILES)
    assert sync()  # the lock is free again


# The daily loop ------------------------------------------------------------------------------

def lima(*args) -> datetime:
    return datetime(*args, tzinfo=LIMA)


@pytest.mark.standalone
@pytest.mark.parametrize("now, at, expected", [
    (lima(2024, 3, 15, 5, 0), time(6, 30), lima(2024, 3, 15, 6, 30)),
    (lima(2024, 3, 15, 6, 29, 59), time(6, 30), lima(2024, 3, 15, 6, 30)),
    (lima(2024, 3, 15, 6, 30), time(6, 30), lima(2024, 3, 16, 6, 30)),  # the moment itself: done, tomorrow
    (lima(2024, 3, 15, 23, 59), time(6, 30), lima(2024, 3, 16, 6, 30)),  # across midnight
    (lima(2024, 12, 31, 23, 59, 59), time(0, 0), lima(2025, 1, 1, 0, 0)),  # and the year's end
    (lima(2024, 2, 28, 7, 0), time(6, 30), lima(2024, 2, 29, 6, 30)),  # a leap day
    # 03:00 UTC on the 16th is 22:00 of the 15th in Lima: still the 16th's 06:30 next.
    (datetime(2024, 3, 16, 3, 0, tzinfo=UTC), time(6, 30), lima(2024, 3, 16, 6, 30)),
    # 12:00 UTC on the 16th is 07:00 in Lima: the 17th's.
    (datetime(2024, 3, 16, 12, 0, tzinfo=UTC), time(6, 30), lima(2024, 3, 17, 6, 30)),
])
def test_the_next_run_is_the_next_sync_time_in_lima(now, at, expected):
    assert daily.next_run(now, at) == expected


@pytest.mark.standalone
def test_the_sync_time_is_hours_and_minutes():
    assert daily.parse_time("06:30") == time(6, 30)
    assert daily.parse_time("23:59:30") == time(23, 59, 30)
    for wrong in ("6", "24:00", "06:60", "seis", "06:30:00:00", ""):
        with pytest.raises(ValueError, match="SUNAT_SYNC_TIME debe ser HH:MM"):
            daily.parse_time(wrong)


@pytest.mark.standalone
def test_a_failed_sync_does_not_end_the_daily_loop():
    stop, announced, runs = threading.Event(), [], []

    def announce(when):
        announced.append(when)
        if len(announced) == 2:  # it went on to wait for the next day
            stop.set()

    def broken_sync():
        runs.append(datetime.now(UTC))
        raise RuntimeError("SUNAT no responde")

    soon = (datetime.now(UTC) + timedelta(seconds=0.3)).astimezone(LIMA)
    assert daily.run_daily(soon.timetz().replace(tzinfo=None), broken_sync, stop, announce) == 1

    assert len(runs) == 1 and runs[0] >= soon
    assert announced == [soon, soon + timedelta(days=1)]


class SignalsAfter(io.StringIO):
    """The command's stdout: sends this process SIGTERM once `text` has been written `times` times."""

    def __init__(self, text: str, times: int):
        super().__init__()
        self.text, self.times = text, times

    def write(self, data):
        written = super().write(data)
        if self.text in data:
            self.times -= 1
            if self.times == 0:
                os.kill(os.getpid(), signal.SIGTERM)
        return written


def test_the_daily_command_syncs_at_the_sync_time_and_stops_on_sigterm(sunat, settings):
    # Two seconds from now in Lima (the command reads seconds too): no long wait.
    settings.SUNAT_SYNC_TIME = f"{(datetime.now(UTC) + timedelta(seconds=2)).astimezone(LIMA):%H:%M:%S}"
    previous = signal.getsignal(signal.SIGTERM)
    out = SignalsAfter("Próxima sincronización", times=2)  # the first run is over, the next is scheduled

    call_command("sync_sunat_files", "--daily", "--only", "agentes-retencion", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Próxima sincronización: ")
    assert lines[1].startswith("Sincronización del ") and "importado" in lines[2]
    assert lines[3] == "1 importados, 0 sin cambios, 0 con error."
    assert lines[4].startswith("Próxima sincronización: ") and lines[-1] == "Sincronización diaria detenida."
    assert versions("agentes-retencion") == 1
    assert signal.getsignal(signal.SIGTERM) is previous  # the command put the handler back


@pytest.mark.slow
def test_sigterm_during_the_daily_sync_ends_it_and_the_rest_stays_as_it_was(sunat, settings):
    settings.SUNAT_SYNC_TIME = f"{(datetime.now(UTC) + timedelta(seconds=2)).astimezone(LIMA):%H:%M:%S}"
    out = SignalsAfter("(padron): importado", times=1)  # while the sync holds its lock

    call_command("sync_sunat_files", "--daily", stdout=out)

    assert out.getvalue().splitlines()[-2:] == [
        "Sincronización interrumpida: el registro que se estaba importando no cambió.",
        "Sincronización diaria detenida."]
    assert versions("padron") == 1 and PadronVersion.objects.count() == 1
    assert len(sync()) == len(FILES)  # the lock went with it


def test_the_daily_command_refuses_a_bad_sync_time(settings):
    settings.SUNAT_SYNC_TIME = "6.30"

    with pytest.raises(CommandError, match="SUNAT_SYNC_TIME debe ser HH:MM"):
        call_command("sync_sunat_files", "--daily")


# The replica's files ---------------------------------------------------------------------

@pytest.fixture
def replica_files(generated_files):
    with ReplicaServer(files_dir=generated_files) as server:
        yield server, partial(requests.get, server.file_url("AgenRet_TXT.zip"), timeout=5)


@pytest.mark.standalone
def test_the_replica_serves_each_file_with_its_length_date_and_etag(replica_files, generated_files):
    server, _ = replica_files
    for path, name in FILE_PATHS.items():
        answer = requests.get(server.origin + path, timeout=5)
        stat = (generated_files / name).stat()

        assert answer.status_code == 200 and answer.content == (generated_files / name).read_bytes()
        assert answer.headers["Content-Length"] == str(stat.st_size)
        assert answer.headers["Last-Modified"] == format_datetime(
            datetime.fromtimestamp(int(stat.st_mtime), tz=UTC), usegmt=True)
        assert answer.headers["ETag"].startswith('"') and answer.headers["Content-Type"] == "application/zip"


@pytest.mark.standalone
def test_the_replica_answers_304_to_a_conditional_get_of_an_unchanged_file(replica_files):
    _, get = replica_files
    first = get()
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    earlier = format_datetime(datetime.fromtimestamp(int(AN_HOUR_AGO) - 1, tz=UTC), usegmt=True)

    assert get(headers={"If-None-Match": etag}).status_code == 304
    assert get(headers={"If-None-Match": f'"otra", W/{etag}'}).status_code == 304
    assert get(headers={"If-None-Match": "*"}).status_code == 304
    assert get(headers={"If-Modified-Since": last_modified}).status_code == 304
    not_modified = get(headers={"If-None-Match": etag})
    assert not_modified.content == b"" and not_modified.headers["ETag"] == etag
    assert get(headers={"If-None-Match": '"otra"'}).status_code == 200
    assert get(headers={"If-Modified-Since": earlier}).status_code == 200
    # If-None-Match decides when both are sent (RFC 9110): a different ETag is a new file.
    assert get(headers={"If-None-Match": '"otra"', "If-Modified-Since": last_modified}).status_code == 200
    assert get(headers={"If-Modified-Since": "no es una fecha"}).status_code == 200


@pytest.mark.standalone
def test_the_replica_answers_head_and_404(replica_files, tmp_path):
    server, _ = replica_files
    head = requests.head(server.file_url("BueCont_TXT.zip"), timeout=5)

    assert head.status_code == 200 and int(head.headers["Content-Length"]) > 0 and head.content == b""
    with ReplicaServer(files_dir=tmp_path) as empty, ReplicaServer() as without_files:
        assert requests.get(empty.file_url("BueCont_TXT.zip"), timeout=5).status_code == 404
        assert requests.get(without_files.origin + "/descarga/BueCont/BueCont_TXT.zip", timeout=5).status_code == 404
    with pytest.raises(ValueError, match="SUNAT publishes no file"):
        server.file_url("otro.zip")


# On the job queue ------------------------------------------------------------------------------


def test_sync_schedules_registers_the_daily_sync_at_the_sync_time_once(settings):
    from django_q.models import Schedule

    from sunat import schedules

    settings.SUNAT_SYNC_TIME = "05:15"
    schedules.sync_schedules()
    names = schedules.sync_schedules()  # again: the same rows

    assert sorted(Schedule.objects.values_list("name", flat=True)) == sorted(names)
    daily = Schedule.objects.get(name=schedules.SYNC_NAME)
    assert daily.func == "sunat.registers.sync.scheduled_sync" and daily.schedule_type == Schedule.DAILY
    assert daily.next_run.astimezone(LIMA).strftime("%H:%M") == "05:15" and daily.next_run > django_now()
    assert daily.kwargs == f"q_options={{'timeout': {schedules.SYNC_TIMEOUT}}}" and schedules.SYNC_TIMEOUT > 600  # minutes
    settings.SUNAT_SYNC_TIME = "25:00"
    with pytest.raises(ValueError, match="SUNAT_SYNC_TIME"):
        schedules.sync_schedules()


def test_the_scheduled_sync_imports_every_file_and_fails_when_one_failed(sunat, files, settings):
    from sunat.registers.sync import scheduled_sync

    assert scheduled_sync() == len(FILES)
    assert PadronVersion.objects.count() == len(FILES)
    truncated_zip(files / FILES["agentes-percepcion"])
    touch(files / FILES["agentes-percepcion"])

    with pytest.raises(PadronError, match="agentes-percepcion"):
        scheduled_sync()
