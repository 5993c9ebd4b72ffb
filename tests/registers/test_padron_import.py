"""Importing the Padrón Reducido (sunat.registers.importer and manage.py import_padron), on SQLite and PostgreSQL."""

import importlib
import io
import threading
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from devtools.replica.rucs import make_ruc
from sunat.management.commands import import_padron as command
from sunat.models import PadronEntry, PadronVersion
from sunat.registers import importer
from sunat.registers.files import PADRON
from sunat.registers.importer import COMPARING, INDEXING, LOADING, import_padron
from sunat.registers.queries import padron_answer
from sunat.registers.reader import COLUMNS
from sunat.registers.sources import PadronError
from tests.support.padron_files import (
    COMPANY,
    COMPANY_ROW,
    DAMAGED_HEADER,
    ENIE,
    ENIE_ROW,
    HANDMADE,
    PERSON_ROW,
    ROAD_ROW,
    SAMPLE,
    SEVERAL_BLOCKS,
    QuietHandler,
    as_tuple,
    garbage_deflate_zip,
    generated,
    http_server,
    line,
    write_lines,
    write_rows,
    write_zip,
)

# The importer runs DDL and its own transactions: no test-wide transaction around it.
pytestmark = pytest.mark.django_db(transaction=True)

TABLE = PADRON.table
NEW_TABLE = f"{TABLE}_new"
ON_POSTGRES = connection.vendor == "postgresql"
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only")
FILE_DATE = datetime(2024, 3, 15, 11, 30, tzinfo=UTC)  # write_zip's default, 06:30 in Lima

TRIGRAM_INDEX = importlib.import_module("sunat.migrations.0003_padron").TRIGRAM_INDEX


def register() -> set[tuple]:
    return set(PadronEntry.objects.values_list(*COLUMNS))


def table_names() -> list[str]:
    return connection.introspection.table_names()


def table_indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname", [TABLE])
        return cursor.fetchall()


@pytest.fixture
def old_register(tmp_path):
    """The handmade rows imported and in use: what a failed import must leave as it is."""
    import_padron(write_rows(tmp_path / "old.zip", HANDMADE))
    return register()


def assert_untouched(old_register):
    assert register() == old_register
    assert PadronVersion.objects.count() == 1
    assert NEW_TABLE not in table_names()


def run_in_thread(target):
    """Run target() in a thread with its own database connection; returns (thread, outcome dict)."""
    outcome = {}

    def run():
        try:
            outcome["result"] = target()
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def blocking_progress(phase=LOADING):
    """A progress callback that stops the import at its first `phase` report until released."""
    reached, release = threading.Event(), threading.Event()

    def progress(report):
        if report.phase == phase and not reached.is_set():
            reached.set()
            if not release.wait(60):
                raise TimeoutError("the test never released the import")

    return progress, reached, release


# Contents ------------------------------------------------------------------------

def test_import_loads_every_row_of_the_file(tmp_path):
    path, expected = generated(tmp_path / "padron.zip", 1000, seed=1)

    version = import_padron(str(path))

    assert version.rows == 1000 == PadronEntry.objects.count()
    assert register() == set(expected)


def test_imported_rows_keep_latin1_names_quotes_dashes_and_empties(tmp_path):
    path = write_rows(tmp_path / "padron.txt", HANDMADE)

    import_padron(path)

    enie = PadronEntry.objects.get(ruc=ENIE)
    assert enie.razon_social == 'PEÑA & NUÑEZ "EL ÑANDÚ" E.I.R.L.'
    assert (enie.nombre_via, enie.tipo_zona, enie.numero, enie.interior, enie.lote) == (
        "JOSÉ PARDO", "SAN ANDRÉS", "601", "1603", None)
    person = PadronEntry.objects.get(ruc=PERSON_ROW[0])
    assert person.razon_social == "ÑAUPARI CASTAÑEDA MARÍA ELENA"
    assert person.ubigeo is None and person.codigo_zona == "----"
    assert PadronEntry.objects.get(ruc=ROAD_ROW[0]).kilometro == "6.5"
    assert register() == {as_tuple(fields) for fields in HANDMADE}


def test_backslashes_tabs_and_copy_markers_are_stored_as_written(tmp_path):
    # PostgreSQL loads through COPY's text format, where "\" escapes and "\N" / "\." mean something.
    names = ["A\\B S.A.C.", "\\N", "\\.", "TAB\tINSIDE", "ENDS WITH \\", "\\\\ DOBLE", "\\-", "- -",
             "NEL\x85 VT\x0b FS\x1c NBSP\xa0 Ñ", "",
             "".join(chr(code) for code in range(0x01, 0x100) if chr(code) not in "\n\r|")]
    rows = [[make_ruc(f"2060000{n:03d}"), name, *ENIE_ROW[2:]] for n, name in enumerate(names)]

    import_padron(write_rows(tmp_path / "padron.txt", rows))

    assert {entry.ruc: entry.razon_social for entry in PadronEntry.objects.all()} == {
        row[0]: row[1] for row in rows}


def test_import_records_the_version(tmp_path):
    path = write_rows(tmp_path / "padron.zip", HANDMADE)
    before = datetime.now(UTC)

    version = import_padron(str(path))

    stored = PadronVersion.objects.get()
    assert stored == version
    assert (stored.rows, stored.source, stored.file_date) == (4, str(path), FILE_DATE)
    assert stored.seconds >= 0 and stored.imported_at >= before


def test_crlf_file_imports_like_lf(tmp_path):
    lf, expected = generated(tmp_path / "lf.txt", 600, seed=3)
    crlf, _ = generated(tmp_path / "crlf.zip", 600, seed=3, newline="\r\n")

    import_padron(crlf)
    from_crlf = register()
    import_padron(lf)

    assert from_crlf == register() == set(expected)


def test_file_with_sunats_damaged_header_imports(tmp_path):
    path = tmp_path / "padron.txt"
    path.write_bytes(DAMAGED_HEADER + b"\r\n" + write_rows(tmp_path / "rows.txt", HANDMADE, "\r\n").read_bytes()
                     .split(b"\r\n", 1)[1])

    assert import_padron(path).rows == 4
    assert register() == {as_tuple(fields) for fields in HANDMADE}


def test_sunat_sample_of_2018_imports(tmp_path):
    if not SAMPLE.is_file():
        pytest.skip(f"{SAMPLE} is not available here")

    version = import_padron(SAMPLE)

    assert version.rows == 1000 == PadronEntry.objects.count()
    assert version.file_date is not None
    answer = padron_answer("20338054115")
    assert answer["razonSocial"] == "AUSTRAL GROUP S.A.A" and answer["fuente"] == "padron"
    assert answer["distrito"] == "SAN ISIDRO" and answer["domicilio"]["codigoZona"] is None


def test_file_over_http_imports(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    _, expected = generated(served / "padron_reducido_ruc.zip", 800, seed=4)

    with http_server(served) as url:
        version = import_padron(f"{url}/padron_reducido_ruc.zip")

    assert version.rows == 800 and version.source == f"{url}/padron_reducido_ruc.zip"
    assert register() == set(expected)


def test_second_import_replaces_the_first(tmp_path):
    first, first_rows = generated(tmp_path / "first.zip", 700, seed=1)
    second, second_rows = generated(tmp_path / "second.zip", 300, seed=2)
    gone = {row[0] for row in first_rows} - {row[0] for row in second_rows}
    assert gone

    import_padron(first)
    import_padron(second)

    assert register() == set(second_rows)
    assert not PadronEntry.objects.filter(ruc__in=gone).exists()
    assert [v.source for v in PadronVersion.objects.order_by("imported_at")] == [str(first), str(second)]
    assert NEW_TABLE not in table_names()


def test_download_without_last_modified_is_dated_by_the_import(tmp_path):
    class NoLastModified(QuietHandler):
        def send_header(self, keyword, value):
            if keyword != "Last-Modified":
                super().send_header(keyword, value)

    write_rows(tmp_path / "padron.txt", HANDMADE)
    with http_server(tmp_path, NoLastModified) as url:
        version = import_padron(f"{url}/padron.txt")

    assert version.file_date is None
    assert padron_answer(ENIE)["actualizadoEn"] == version.imported_at.astimezone(UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def test_import_replaces_a_copy_left_behind_by_a_crashed_import(tmp_path):
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {NEW_TABLE} (ruc varchar(11), sobra integer)")
        cursor.execute(f"INSERT INTO {NEW_TABLE} VALUES ('20100069530', 1)")

    import_padron(write_rows(tmp_path / "padron.zip", HANDMADE))

    assert register() == {as_tuple(fields) for fields in HANDMADE}
    assert NEW_TABLE not in table_names()


def test_import_of_the_same_file_twice_keeps_one_copy_of_each_row(tmp_path):
    path, expected = generated(tmp_path / "padron.zip", 500)

    import_padron(path)
    import_padron(path)

    assert PadronEntry.objects.count() == 500 and register() == set(expected)


# Errors leave the register in use as it was -------------------------------------------

def _malformed_in_the_middle(tmp_path):
    return write_lines(tmp_path / "bad.txt", [line(ROAD_ROW), line(ENIE_ROW[:-1]), line(PERSON_ROW)])


def _duplicate_ruc(tmp_path):
    return write_rows(tmp_path / "dup.zip", [ENIE_ROW, ROAD_ROW, [ENIE, "OTRO NOMBRE", *ENIE_ROW[2:]]])


def _truncated_zip(tmp_path):
    path, _ = generated(tmp_path / "cut.zip", 3000, seed=5)
    path.write_bytes(path.read_bytes()[:20_000])
    return path


def _two_txt_zip(tmp_path):
    text = write_rows(tmp_path / "one.txt", [ROAD_ROW]).read_bytes()
    return write_zip(tmp_path / "two.zip", {"a.txt": text, "b.txt": text})


def _only_header(tmp_path):
    return write_lines(tmp_path / "empty.txt", [])


def _wrong_header(tmp_path):
    return write_lines(tmp_path / "header.txt", [line(ROAD_ROW)], header="RUC|NOMBRE|")


def _missing(tmp_path):
    return tmp_path / "no-existe.zip"


@pytest.mark.parametrize(
    "make_file, message",
    [
        (_malformed_in_the_middle, "línea 3: se esperaban 15 campos"),
        (_duplicate_ruc, f"el RUC {ENIE} aparece más de una vez"),
        (_truncated_zip, "zip está dañado"),
        (_two_txt_zip, "un solo archivo .txt"),
        (_only_header, "no tiene filas"),
        (_wrong_header, "línea 1: la cabecera"),
        (_missing, "no existe el archivo"),
    ],
    ids=["malformed-row", "duplicate-ruc", "truncated-zip", "two-txt-zip", "only-header", "wrong-header", "missing"],
)
def test_failed_import_leaves_the_register_untouched(tmp_path, old_register, make_file, message):
    with pytest.raises(PadronError, match=message):
        import_padron(make_file(tmp_path))

    assert_untouched(old_register)
    assert padron_answer(COMPANY)["razonSocial"] == COMPANY_ROW[1]


def test_duplicate_ruc_in_different_read_blocks_is_named(tmp_path, old_register):
    path, rows = generated(tmp_path / "padron.txt", SEVERAL_BLOCKS, seed=6)
    repeated = rows[10]
    with path.open("ab") as out:
        out.write(line([value or "-" for value in repeated]).encode("iso-8859-1") + b"\n")

    with pytest.raises(PadronError, match=f"el RUC {repeated[0]} aparece más de una vez"):
        import_padron(path)

    assert_untouched(old_register)


def test_malformed_row_after_many_good_ones_leaves_the_register_untouched(tmp_path, old_register, monkeypatch):
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 1)
    path, rows = generated(tmp_path / "padron.txt", SEVERAL_BLOCKS, seed=7)
    with path.open("ab") as out:
        out.write(b"20100069530|SIN BARRA FINAL\n")
    reports = []

    with pytest.raises(PadronError, match=f"línea {SEVERAL_BLOCKS + 2}:"):
        import_padron(path, progress=reports.append)

    assert any(report.phase == LOADING for report in reports)  # rows were loaded before the bad line
    assert_untouched(old_register)


@pytest.mark.parametrize("phase", [LOADING, INDEXING, COMPARING])
@pytest.mark.parametrize("exception", [KeyboardInterrupt, RuntimeError])
def test_import_interrupted_from_the_progress_callback_leaves_the_register_untouched(
        tmp_path, old_register, monkeypatch, phase, exception):
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 1)
    path, _ = generated(tmp_path / "padron.zip", SEVERAL_BLOCKS, seed=8)

    def progress(report):
        if report.phase == phase:
            raise exception("interrumpido")

    with pytest.raises(exception):
        import_padron(path, progress=progress)

    assert_untouched(old_register)
    import_padron(write_rows(tmp_path / "next.zip", [ENIE_ROW]))  # the connection (and lock) are usable
    assert register() == {as_tuple(ENIE_ROW)}


def test_import_after_a_failed_one_succeeds(tmp_path, old_register):
    with pytest.raises(PadronError):
        import_padron(_duplicate_ruc(tmp_path))
    path, expected = generated(tmp_path / "good.zip", 200, seed=9)

    import_padron(path)

    assert register() == set(expected) and PadronVersion.objects.count() == 2


def test_import_refuses_a_second_import_while_one_runs(tmp_path, old_register, monkeypatch):
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 1)
    first, first_rows = generated(tmp_path / "first.zip", SEVERAL_BLOCKS, seed=10)
    second, _ = generated(tmp_path / "second.zip", 100, seed=11)
    progress, reached, release = blocking_progress()
    thread, outcome = run_in_thread(lambda: import_padron(first, progress))
    try:
        assert reached.wait(60)
        with pytest.raises(PadronError, match="otra importación de este registro está en curso"):
            import_padron(second)
    finally:
        release.set()
        thread.join(120)

    assert "error" not in outcome, outcome.get("error")
    assert register() == set(first_rows)
    assert PadronVersion.objects.count() == 2


# Progress reports -----------------------------------------------------------------

@pytest.mark.slow
def test_progress_is_reported_every_progress_every_rows_in_the_importing_thread(tmp_path, monkeypatch):
    every = SEVERAL_BLOCKS // 3  # about one block's rows
    total = 2 * SEVERAL_BLOCKS
    monkeypatch.setattr(importer, "PROGRESS_EVERY", every)
    path, _ = generated(tmp_path / "padron.zip", total, seed=12)
    reports, threads = [], set()

    def progress(report):
        reports.append(report)
        threads.add(threading.get_ident())

    import_padron(path, progress=progress)

    assert threads == {threading.get_ident()}
    loading = [report.rows for report in reports if report.phase == LOADING]
    assert len(loading) >= 2
    assert loading[0] >= every and all(b - a >= every for a, b in pairwise(loading))
    assert [report.phase for report in reports][len(loading):] == [INDEXING, COMPARING]
    assert reports[-1].rows == total
    assert all(report.total_bytes == reports[0].total_bytes > 0 for report in reports)
    assert all(a.bytes_read <= b.bytes_read <= b.total_bytes for a, b in pairwise(reports))
    assert reports[-1].bytes_read == reports[-1].total_bytes
    assert all(a.seconds <= b.seconds for a, b in pairwise(reports))


def test_small_file_reports_only_indexing_and_comparing(tmp_path):
    path, _ = generated(tmp_path / "padron.zip", 500)
    reports = []

    import_padron(path, progress=reports.append)

    assert [(report.phase, report.rows) for report in reports] == [(INDEXING, 500), (COMPARING, 500)]


# The swap: readers see the old register until the new one is committed --------------------

@pytest.mark.slow
def test_lookups_see_the_old_register_until_the_swap(tmp_path, old_register, client, monkeypatch):
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 1)
    path, new_rows = generated(tmp_path / "new.zip", SEVERAL_BLOCKS, seed=13)
    new_ruc = new_rows[0][0]
    assert COMPANY not in {row[0] for row in new_rows}
    progress, reached, release = blocking_progress()
    thread, outcome = run_in_thread(lambda: import_padron(path, progress))
    try:
        assert reached.wait(60), outcome
        # Mid-load: part of the new file is in the new table, the old register still answers.
        assert NEW_TABLE in table_names()
        assert padron_answer(COMPANY)["razonSocial"] == COMPANY_ROW[1]
        assert padron_answer(new_ruc) is None
        assert client.get(f"/api/ruc/{COMPANY}", {"fuente": "padron"}).status_code == 200
        assert client.get(f"/api/ruc/{new_ruc}", {"fuente": "padron"}).status_code == 404
        assert client.get("/api/buscar", {"q": "LEAD WORKING"}).json()["resultados"][0]["ruc"] == COMPANY
        assert register() == old_register and PadronVersion.objects.count() == 1
    finally:
        release.set()
        thread.join(120)

    assert "error" not in outcome, outcome.get("error")
    assert padron_answer(COMPANY) is None
    assert padron_answer(new_ruc)["ruc"] == new_ruc
    assert client.get(f"/api/ruc/{new_ruc}", {"fuente": "padron"}).json()["razonSocial"] == new_rows[0][1]
    assert client.get(f"/api/ruc/{COMPANY}", {"fuente": "padron"}).status_code == 404
    assert PadronEntry.objects.count() == SEVERAL_BLOCKS and PadronVersion.objects.count() == 2
    assert NEW_TABLE not in table_names()


def test_lookups_see_the_old_register_while_indexes_are_built(tmp_path, old_register, client):
    path, new_rows = generated(tmp_path / "new.zip", 2000, seed=14)
    progress, reached, release = blocking_progress(INDEXING)
    thread, outcome = run_in_thread(lambda: import_padron(path, progress))
    try:
        assert reached.wait(60), outcome
        assert padron_answer(COMPANY)["razonSocial"] == COMPANY_ROW[1]
        assert padron_answer(new_rows[-1][0]) is None
    finally:
        release.set()
        thread.join(120)

    assert "error" not in outcome, outcome.get("error")
    assert padron_answer(new_rows[-1][0])["razonSocial"] == new_rows[-1][1]
    assert padron_answer(COMPANY) is None


# PostgreSQL: the new table gets the indexes migrate gives the table ----------------------

@pytest.fixture
def migrated_indexes():
    """The table's indexes as `migrate` makes them (a fresh table), and the table left that way after."""

    def remigrate():
        call_command("migrate", "sunat", "0002", verbosity=0)
        call_command("migrate", "sunat", verbosity=0)

    remigrate()
    yield table_indexes()
    remigrate()


@postgres_only
def test_import_builds_the_trigram_index_and_primary_key_as_migrate_does(tmp_path, migrated_indexes):
    import_padron(write_rows(tmp_path / "padron.zip", HANDMADE))

    after = dict(table_indexes())
    before = dict(migrated_indexes)
    assert after[TRIGRAM_INDEX] == before[TRIGRAM_INDEX]
    assert "gin_trgm_ops" in after[TRIGRAM_INDEX]
    assert after[f"{TABLE}_pkey"] == before[f"{TABLE}_pkey"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [TABLE])
        assert cursor.fetchall() == [(f"{TABLE}_pkey",)]


@postgres_only
def test_import_leaves_the_same_indexes_as_migrate(tmp_path, migrated_indexes):
    import_padron(write_rows(tmp_path / "padron.zip", HANDMADE))

    assert table_indexes() == migrated_indexes


@postgres_only
def test_second_import_keeps_the_index_names(tmp_path, migrated_indexes):
    import_padron(write_rows(tmp_path / "first.zip", HANDMADE))
    after_first = table_indexes()
    import_padron(write_rows(tmp_path / "second.zip", [ENIE_ROW]))

    assert table_indexes() == after_first


@postgres_only
def test_search_uses_the_trigram_index_after_an_import(tmp_path):
    path, _ = generated(tmp_path / "padron.zip", 5000, seed=15)
    import_padron(path)

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT ruc FROM {TABLE} WHERE %s <%% razon_social", ["CONSTRUCTORA"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert TRIGRAM_INDEX in plan


# manage.py import_padron -----------------------------------------------------------

class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_command_imports_and_says_how_many_rows(tmp_path):
    path, expected = generated(tmp_path / "padron.zip", 1200, seed=16)
    out = io.StringIO()

    call_command("import_padron", str(path), stdout=out)

    assert "Padrón importado: 1,200 filas en " in out.getvalue()
    assert register() == set(expected)


def test_command_fails_with_the_line_of_a_malformed_row(tmp_path, old_register):
    path = write_lines(tmp_path / "bad.txt", [line(ROAD_ROW), line(ENIE_ROW), "20100069530|NADA|"])

    with pytest.raises(CommandError) as caught:
        call_command("import_padron", str(path), stdout=io.StringIO())

    message = str(caught.value)
    assert message.startswith(f"No se importó el padrón ({path}): línea 4: se esperaban 15 campos")
    assert message.endswith("El padrón en uso no cambió.")
    assert_untouched(old_register)


def test_command_fails_for_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no existe el archivo"):
        call_command("import_padron", str(tmp_path / "no.zip"), stdout=io.StringIO())


def test_command_interrupted_says_the_register_did_not_change(tmp_path, old_register, monkeypatch):
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 1)

    def interrupt(self, progress):
        raise KeyboardInterrupt

    monkeypatch.setattr(command.Command, "_show", interrupt)
    path, _ = generated(tmp_path / "padron.zip", 500)

    with pytest.raises(CommandError, match="Importación interrumpida. El padrón en uso no cambió."):
        call_command("import_padron", str(path), stdout=io.StringIO())

    assert_untouched(old_register)


def test_zip_corrupted_inside_leaves_the_register_untouched(tmp_path, old_register):
    with pytest.raises(Exception):  # noqa: B017 - which one is test_padron_reader's concern
        import_padron(garbage_deflate_zip(tmp_path / "padron.zip"))

    assert_untouched(old_register)


def test_command_fails_cleanly_for_a_zip_corrupted_inside(tmp_path, old_register):
    with pytest.raises(CommandError, match="zip está dañado"):
        call_command("import_padron", str(garbage_deflate_zip(tmp_path / "padron.zip")), stdout=io.StringIO())


def command_output_without_a_terminal(tmp_path, monkeypatch, plain_every: float) -> str:
    """The command's output into a StringIO (not a TTY), a progress report for every block."""
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(command, "PLAIN_EVERY", plain_every)
    path, _ = generated(tmp_path / "padron.zip", SEVERAL_BLOCKS, seed=17)
    out = io.StringIO()
    call_command("import_padron", str(path), stdout=out)
    return out.getvalue()


@pytest.mark.slow
def test_command_without_a_terminal_prints_periodic_lines(tmp_path, monkeypatch):
    output = command_output_without_a_terminal(tmp_path, monkeypatch, plain_every=0.0)

    rows = f"{SEVERAL_BLOCKS:,} filas"
    lines = output.splitlines()
    loading = [text for text in lines if text.startswith("padrón: cargando, ")]
    assert len(loading) >= 2
    assert any(text.startswith(f"padrón: indexando, {rows} (100%)") for text in lines)
    assert "\r" not in output
    assert lines[-1].startswith(f"Padrón importado: {rows}")


@pytest.mark.slow
def test_command_without_a_terminal_prints_loading_lines_at_most_every_plain_every_seconds(tmp_path, monkeypatch):
    lines = command_output_without_a_terminal(tmp_path, monkeypatch, plain_every=3600.0).splitlines()

    assert sum(text.startswith("padrón: cargando") for text in lines) <= 1  # of at least two reports
    assert sum(text.startswith("padrón: indexando") for text in lines) == 1


@pytest.mark.slow
def test_command_on_a_terminal_draws_a_bar(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 1)
    path, _ = generated(tmp_path / "padron.zip", SEVERAL_BLOCKS, seed=18)
    out = FakeTerminal()

    call_command("import_padron", str(path), stdout=out)

    text = out.getvalue()
    assert text.count("\r[") >= 4  # loading reports, indexing, done
    assert f"\r[{'#' * command.BAR_WIDTH}] 100.0% {SEVERAL_BLOCKS:>12,} filas" in text
    assert f"Padrón importado: {SEVERAL_BLOCKS:,} filas" in text


def test_a_file_much_shorter_than_the_register_in_use_is_refused_unless_forced(tmp_path, settings):
    settings.PADRON_MAX_SHRINK = 0.05
    full, _ = generated(tmp_path / "full.zip", 1000, seed=4)
    cut, _ = generated(tmp_path / "cut.zip", 900, seed=4)  # a download cut at a line boundary
    import_padron(str(full))

    with pytest.raises(CommandError, match="10% menos que el registro en uso"):
        call_command("import_padron", str(cut), stdout=io.StringIO())
    assert PadronEntry.objects.count() == 1000 and PadronVersion.objects.count() == 1

    slightly, _ = generated(tmp_path / "slightly.zip", 960, seed=4)  # within 5%: an ordinary day
    assert import_padron(str(slightly)).rows == 960
    call_command("import_padron", str(cut), "--force", stdout=io.StringIO())
    assert PadronEntry.objects.count() == 900
