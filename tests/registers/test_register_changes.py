"""An import of the Padrón Reducido records each RUC's changed estado and condición
(sunat.registers.changes) and corrects the stored answers older than it that it contradicts
(sunat.registers.corrections), on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command

from sunat import caching
from sunat.lookups import ruc_cache, services
from sunat.models import PadronVersion, RegisterChange, RucRecord
from sunat.registers import annotations, changes, corrections
from sunat.registers.importer import import_padron
from sunat.registers.sources import LIMA, PadronError
from tests.support.padron_files import (
    COMPANY,
    COMPANY_ROW,
    ENIE,
    ENIE_ROW,
    HANDMADE,
    PERSON,
    ROAD,
    ROAD_ROW,
    later,
    write_rows,
)

pytestmark = pytest.mark.django_db(transaction=True)

OLD_DATE = (2024, 3, 15, 6, 30, 0)  # write_rows' default


def changed(row, estado=None, condicion=None) -> list:
    return [row[0], row[1], estado or row[2], condicion or row[3], *row[4:]]


def as_utc(date_time: tuple) -> datetime:
    return datetime(*date_time, tzinfo=LIMA).astimezone(UTC)


def stamp(date_time: tuple) -> str:
    return as_utc(date_time).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def old_padron(tmp_path):
    return import_padron(str(write_rows(tmp_path / "old.zip", HANDMADE)))


def test_the_first_import_has_nothing_to_compare(old_padron):
    assert old_padron.change_count is None and old_padron.corrected_lookups == 0
    assert not RegisterChange.objects.exists()


def test_an_import_records_each_changed_field_of_each_ruc(old_padron, tmp_path):
    rows = [changed(COMPANY_ROW, condicion="NO HABIDO"),
            changed(ENIE_ROW, estado="SUSPENSION TEMPORAL", condicion="NO HALLADO"),
            changed(ROAD_ROW, estado="-"),  # empty in the new file: recorded as null
            ["20100070970", "NEW S.A.", "ACTIVO", "HABIDO", *["-"] * 11]]  # PERSON left, a new RUC came: no changes

    version = import_padron(str(write_rows(tmp_path / "new.zip", rows, date_time=(2024, 3, 16, 6, 30, 0))))

    assert set(RegisterChange.objects.values_list("ruc", "field", "before", "after")) == {
        (COMPANY, "condicion", "HABIDO", "NO HABIDO"),
        (ENIE, "estado", "ACTIVO", "SUSPENSION TEMPORAL"), (ENIE, "condicion", "HABIDO", "NO HALLADO"),
        (ROAD, "estado", "BAJA DEFINITIVA", None),
    }
    assert version.change_count == 4 and version.corrected_lookups == 0  # no stored answers
    assert set(RegisterChange.objects.values_list("version", "register_date").distinct()) == {
        (version.pk, as_utc((2024, 3, 16, 6, 30, 0)))}
    assert PERSON not in set(RegisterChange.objects.values_list("ruc", flat=True))


def test_the_same_file_again_changes_nothing(old_padron, tmp_path):
    version = import_padron(str(write_rows(tmp_path / "again.zip", HANDMADE)))

    assert version.change_count == 0 and not RegisterChange.objects.exists()


def test_a_cached_sunat_answer_says_the_new_condicion_at_once(client, replica, old_padron, tmp_path):
    first = client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"}).json()
    assert first["condicion"] == "HABIDO" and "estadoActualizadoEn" not in first
    date = later()

    version = import_padron(str(write_rows(tmp_path / "new.zip", [changed(COMPANY_ROW, condicion="NO HABIDO"),
                                                                  *HANDMADE[1:]], date_time=date)))
    response = client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})  # from SUNAT, not the padrón

    body = response.json()
    assert response["X-Cache"] == "HIT" and replica.stats()["queries"] == 1  # no new SUNAT request
    assert body["condicion"] == "NO HABIDO" and body["estado"] == first["estado"]
    assert body["estadoActualizadoEn"] == stamp(date) and body["actualizadoEn"] == first["actualizadoEn"]
    assert list(body)[-3:] == ["estadoActualizadoEn", "fuente", "actualizadoEn"]
    assert {key: value for key, value in body.items() if key not in ("condicion", "estadoActualizadoEn")} == {
        key: value for key, value in first.items() if key != "condicion"}
    assert version.corrected_lookups == 1
    stored = RucRecord.objects.get(ruc=COMPANY)
    assert stored.condicion == "NO HABIDO" and stored.corrected_by == version


def test_the_corrected_answer_is_in_the_database_the_cache_a_batch_and_completo(client, replica, old_padron, tmp_path):
    client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})  # from SUNAT, not the padrón
    import_padron(str(write_rows(tmp_path / "new.zip", [changed(COMPANY_ROW, estado="BAJA DE OFICIO"),
                                                        *HANDMADE[1:]], date_time=later())))

    assert ruc_cache.get(COMPANY) is None  # evicted: the next hit reads the corrected record
    cache.clear()  # and with the cache lost, the record itself says it
    batch = client.post("/api/ruc/lote", {"rucs": [COMPANY]}, content_type="application/json").json()
    complete = client.get(f"/api/ruc/{COMPANY}/completo", {"secciones": "representantes"}).json()

    assert batch["resultados"][COMPANY]["datos"]["estado"] == "BAJA DE OFICIO"
    assert complete["ficha"]["estado"] == "BAJA DE OFICIO"
    assert RucRecord.objects.get(ruc=COMPANY).data["estado"] == "BAJA DE OFICIO"


def test_an_answer_fetched_after_the_register_was_produced_is_left_as_sunat_gave_it(client, replica, old_padron,
                                                                                   tmp_path):
    client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})  # from SUNAT, not the padrón
    # A register of 2024 changing COMPANY: SUNAT's page, read today, is newer than it.
    version = import_padron(str(write_rows(tmp_path / "new.zip", [changed(COMPANY_ROW, condicion="NO HABIDO"),
                                                                  *HANDMADE[1:]], date_time=(2024, 3, 16, 6, 30, 0))))

    body = client.get(f"/api/ruc/{COMPANY}").json()

    assert body["condicion"] == "HABIDO" and "estadoActualizadoEn" not in body
    assert version.change_count == 1 and version.corrected_lookups == 0


def test_another_process_evicts_its_own_copy_when_it_sees_the_new_version(client, replica, old_padron, tmp_path,
                                                                           monkeypatch):
    """What a worker does whose LocMem the importer (another process) cannot reach."""
    monkeypatch.setattr(annotations, "CHECK_SECONDS", 0)
    client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})  # from SUNAT, not the padrón
    stale = ruc_cache.get(COMPANY)
    annotations.check()  # this process has seen the padrón in use
    import_padron(str(write_rows(tmp_path / "new.zip", [changed(COMPANY_ROW, condicion="NO HABIDO"),
                                                        *HANDMADE[1:]], date_time=later())))
    cache.set(caching.ruc_key(COMPANY), stale)  # the copy another process's cache still holds

    body = client.get(f"/api/ruc/{COMPANY}").json()

    assert body["condicion"] == "NO HABIDO"


def test_a_process_that_starts_after_the_import_evicts_what_it_corrected_once(client, replica, old_padron,
                                                                                tmp_path, monkeypatch):
    """For a Redis entry the importer could not delete (Redis out), found by a worker started since."""
    monkeypatch.setattr(annotations, "CHECK_SECONDS", 0)
    client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})
    stale = ruc_cache.get(COMPANY)
    import_padron(str(write_rows(tmp_path / "new.zip", [changed(COMPANY_ROW, condicion="NO HABIDO"),
                                                        *HANDMADE[1:]], date_time=later())))
    cache.set(caching.ruc_key(COMPANY), stale)
    annotations.forget()  # a new process: no register copies, no padrón version seen
    corrections.forget()

    assert client.get(f"/api/ruc/{COMPANY}").json()["condicion"] == "NO HABIDO"
    cache.set(caching.ruc_key(COMPANY), {**stale, "razonSocial": "CACHED LATER"})
    assert client.get(f"/api/ruc/{COMPANY}").json()["razonSocial"] == "CACHED LATER"  # once, not at every look


def test_a_record_read_before_the_swap_is_not_cached_once_the_new_version_is_seen(client, replica, old_padron,
                                                                                   tmp_path, monkeypatch):
    """The lookup reads the record, the import commits and this process sees it, then the lookup
    would cache what it read: after the eviction, for a week."""
    monkeypatch.setattr(annotations, "CHECK_SECONDS", 0)
    client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})
    annotations.check()
    cache.clear()
    read = services._stored_record

    def read_then_import(ruc, page):
        record = read(ruc, page)
        monkeypatch.setattr(services, "_stored_record", read)
        import_padron(str(write_rows(tmp_path / "new.zip", [changed(COMPANY_ROW, condicion="NO HABIDO"),
                                                            *HANDMADE[1:]], date_time=later())))
        annotations.check()
        return record

    monkeypatch.setattr(services, "_stored_record", read_then_import)
    assert client.get(f"/api/ruc/{COMPANY}").json()["condicion"] == "HABIDO"  # what it read, served once

    assert ruc_cache.get(COMPANY) is None
    assert client.get(f"/api/ruc/{COMPANY}").json()["condicion"] == "NO HABIDO"


def test_the_first_import_corrects_answers_stored_before_it(client, replica, tmp_path):
    client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})

    version = import_padron(str(write_rows(tmp_path / "first.zip", [changed(COMPANY_ROW, condicion="NO HABIDO"),
                                                                    *HANDMADE[1:]], date_time=later())))

    assert version.change_count is None and version.corrected_lookups == 1
    assert client.get(f"/api/ruc/{COMPANY}").json()["condicion"] == "NO HABIDO"


def test_an_answer_that_disagrees_with_an_unchanged_register_is_corrected_too(client, replica, tmp_path):
    """Stored while the first import ran, say: the day's changes do not list it, the register does."""
    date = later()
    import_padron(str(write_rows(tmp_path / "first.zip", [changed(COMPANY_ROW, condicion="NO HABIDO"),
                                                          *HANDMADE[1:]], date_time=date)))
    client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})
    RucRecord.objects.filter(ruc=COMPANY).update(fetched_at=as_utc(date) - timedelta(hours=1))

    version = import_padron(str(write_rows(tmp_path / "again.zip", [changed(COMPANY_ROW, condicion="NO HABIDO"),
                                                                    *HANDMADE[1:]], date_time=later())))

    assert version.change_count == 0 and version.corrected_lookups == 1
    assert client.get(f"/api/ruc/{COMPANY}").json()["condicion"] == "NO HABIDO"


@pytest.mark.parametrize("register_value, served", [
    ("NO HALLADO SE MUDO D", "NO HALLADO SE MUDO DE DOMICILIO"),  # the padrón cuts at 20 characters
    ("-", "HABIDO"),  # empty in the register: it says nothing
])
def test_a_cut_value_is_written_whole_and_an_empty_one_erases_nothing(client, replica, tmp_path, register_value,
                                                                      served):
    client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})

    import_padron(str(write_rows(tmp_path / "first.zip", [changed(COMPANY_ROW, condicion=register_value),
                                                          *HANDMADE[1:]], date_time=later())))

    assert client.get(f"/api/ruc/{COMPANY}").json()["condicion"] == served


def test_a_stored_value_the_cut_one_starts_is_the_same_value(client, replica, tmp_path):
    client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})
    RucRecord.objects.filter(ruc=COMPANY).update(condicion="NO HALLADO SE MUDO DE DOMICILIO")

    version = import_padron(str(write_rows(tmp_path / "first.zip", [
        changed(COMPANY_ROW, condicion="NO HALLADO SE MUDO D"), *HANDMADE[1:]], date_time=later())))

    assert version.corrected_lookups == 0


def test_the_guard_counts_changed_rows_not_changed_fields(old_padron, tmp_path, settings, monkeypatch):
    settings.PADRON_MAX_CHANGES = 0.3  # of 4 rows: at most 1.2 RUCs changed
    monkeypatch.setattr(changes, "CHANGES_ALWAYS_ACCEPTED", 0)
    # One RUC whose estado and condición both change: 1 row of 4 (25%), two fields.
    one = str(write_rows(tmp_path / "one.zip", [changed(COMPANY_ROW, estado="SUSPENSION TEMPORAL",
                                                        condicion="NO HABIDO"), *HANDMADE[1:]], date_time=later()))
    assert import_padron(one).change_count == 2
    # Two RUCs whose estado changes: 2 rows of 4 (50%), only two fields as well.
    two = str(write_rows(tmp_path / "two.zip", [changed(row, estado="BAJA DE OFICIO") for row in HANDMADE[:2]]
                         + HANDMADE[2:], date_time=later()))
    with pytest.raises(PadronError, match="2 de 4 filas cambian"):
        import_padron(two)


def test_a_register_changing_too_many_rows_is_refused_unless_forced(old_padron, tmp_path, settings, monkeypatch):
    settings.PADRON_MAX_CHANGES = 0.1  # of 4 rows: at most 0.4 RUCs changed
    monkeypatch.setattr(changes, "CHANGES_ALWAYS_ACCEPTED", 0)
    path = str(write_rows(tmp_path / "new.zip", [changed(COMPANY_ROW, condicion="NO HABIDO"), *HANDMADE[1:]]))

    with pytest.raises(PadronError, match="¿cambió el formato del archivo?"):
        import_padron(path)
    assert PadronVersion.objects.count() == 1 and not RegisterChange.objects.exists()

    assert import_padron(path, force=True).change_count == 1


def test_the_summary_and_the_admin_show_the_changes(client, admin_client, replica, old_padron, tmp_path):
    client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})  # from SUNAT, not the padrón
    path = write_rows(tmp_path / "new.zip", [changed(COMPANY_ROW, condicion="NO HABIDO"),
                                             changed(ENIE_ROW, estado="BAJA DE OFICIO"), *HANDMADE[2:]],
                      date_time=later())
    output = []
    call_command("import_padron", str(path), stdout=type("Out", (), {
        "write": lambda self, text: output.append(text), "flush": lambda self: None, "isatty": lambda self: False})())

    assert ("2 cambios de estado o condición respecto de la versión anterior; 1 consultas guardadas corregidas."
            in "".join(output))
    versions = admin_client.get("/admin/sunat/padronversion/").content.decode().lower()
    assert "consultas corregidas" in versions and "cambios" in versions
    listing = admin_client.get("/admin/sunat/registerchange/", {"q": COMPANY}).content.decode()
    assert "NO HABIDO" in listing and ENIE not in listing
    version = PadronVersion.objects.latest()
    assert (version.change_count, version.corrected_lookups) == (2, 1)


def test_a_file_refused_while_loading_records_no_change_and_corrects_nothing(client, replica, old_padron, tmp_path):
    client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})  # from SUNAT, not the padrón
    rows = [changed(COMPANY_ROW, condicion="NO HABIDO"), COMPANY_ROW, *HANDMADE[1:]]  # COMPANY twice

    with pytest.raises(PadronError, match="aparece más de una vez"):
        import_padron(str(write_rows(tmp_path / "broken.zip", rows, date_time=later())))

    assert not RegisterChange.objects.exists() and PadronVersion.objects.count() == 1
    assert client.get(f"/api/ruc/{COMPANY}").json()["condicion"] == "HABIDO"


@pytest.mark.parametrize("module, step", [(changes, "record"), (corrections, "correct_lookups")])
def test_an_import_interrupted_while_comparing_changes_nothing(client, replica, old_padron, tmp_path, monkeypatch,
                                                               module, step):
    client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})
    real = getattr(module, step)

    def interrupted(*args):
        real(*args)  # its writes done, inside the swap's transaction
        raise KeyboardInterrupt

    monkeypatch.setattr(module, step, interrupted)
    with pytest.raises(KeyboardInterrupt):
        import_padron(str(write_rows(tmp_path / "new.zip", [changed(COMPANY_ROW, condicion="NO HABIDO"),
                                                            *HANDMADE[1:]], date_time=later())))

    assert not RegisterChange.objects.exists() and PadronVersion.objects.count() == 1
    assert RucRecord.objects.get(ruc=COMPANY).data["condicion"] == "HABIDO"
    assert client.get(f"/api/ruc/{COMPANY}", {"fuente": "padron"}).json()["condicion"] == "HABIDO"


def test_corrected_answer_keeps_the_trailer_last():
    answer = {"ruc": COMPANY, "estado": "ACTIVO", "condicion": "HABIDO", "fuente": "sunat", "actualizadoEn": "x"}

    fixed = corrections.corrected_answer(answer, {"condicion": None}, "2026-12-01T11:00:00Z")

    assert list(fixed) == ["ruc", "estado", "condicion", "estadoActualizadoEn", "fuente", "actualizadoEn"]
    assert fixed["condicion"] is None and answer["condicion"] == "HABIDO"


@pytest.mark.servers
def test_an_import_is_not_refused_by_another_checkouts_test_process(tmp_path):
    """Another checkout's suite on this machine has an in-memory test database of the same NAME:
    a lock it holds on its database is not one on ours."""
    from django.db import connection

    from tests.registers.test_concurrent_checkouts import import_lock_held_elsewhere

    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        pytest.skip("an in-memory SQLite test database")
    with import_lock_held_elsewhere(connection.settings_dict["NAME"]):
        version = import_padron(str(write_rows(tmp_path / "padron.zip", HANDMADE)))

    assert version.rows == len(HANDMADE)


def test_two_imports_in_this_database_still_refuse_each_other(tmp_path):
    import threading

    from django.db import connection

    from sunat.registers.files import PADRON
    from sunat.registers.importer import _PostgresLoader, _SqliteLoader

    loader = (_PostgresLoader if connection.vendor == "postgresql" else _SqliteLoader)(PADRON)
    held, done = threading.Event(), threading.Event()

    def first_import():  # another import, on its own connection (PostgreSQL's advisory lock is per session)
        try:
            with loader.exclusive():
                held.set()
                done.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=first_import)
    thread.start()
    assert held.wait(10)
    try:
        with pytest.raises(PadronError, match="otra importación de este registro está en curso"):
            import_padron(str(write_rows(tmp_path / "padron.zip", HANDMADE)))
    finally:
        done.set()
        thread.join()
    assert not PadronVersion.objects.exists()
    assert import_padron(str(write_rows(tmp_path / "padron.zip", HANDMADE))).rows == len(HANDMADE)
