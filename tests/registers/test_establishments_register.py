"""SUNAT's register of annexed establishments (padron_reducido_local_anexo.zip): imported like the
padrón, several rows per RUC, and answering /api/ruc/<ruc>/establecimientos while no SUNAT
sub-page is stored; on SQLite and PostgreSQL."""

import pytest

from devtools.padron_generator import generate_rows
from devtools.register_generator import establishment_rows, write_register
from devtools.replica import make_ruc
from devtools.replica.subpages import establecimientos
from sunat.models import EstablecimientoAnexo, PadronVersion
from sunat.registers.files import ESTABLECIMIENTOS_ANEXOS
from sunat.registers.importer import import_padron
from sunat.registers.sources import PadronError
from tests.support.padron_files import write_lines, write_zip

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "|".join(ESTABLECIMIENTOS_ANEXOS.header) + "|"
# A synthetic company of the replica whose ficha offers the sub-page (it has annexes).
WITH_ANNEXES = next(ruc for ruc in (make_ruc(f"20600{n:05d}") for n in range(40))
                    if establecimientos.anexo_count(ruc) > 0)
OTHER = "20100070970"
ROWS = [
    f"{WITH_ANNEXES}|150122|AV.|JOSÉ PARDO|URB.|SAN ANDRÉS|601|-|1603|-|-|-|",
    f"{WITH_ANNEXES}|040101|CAR.|PANAMERICANA SUR|-|-|-|12.5|-|-|-|-|",
    f"{OTHER}|-|-|-|-|-|-|-|-|-|-|-|",
]


def register_file(path, rows=ROWS, header=HEADER):
    text = write_lines(path.with_suffix(".txt"), rows, header=header)
    return str(write_zip(path, {ESTABLECIMIENTOS_ANEXOS.file_name: text.read_bytes()}))


def imported(tmp_path, rows=ROWS, name="anexos.zip"):
    return import_padron(register_file(tmp_path / name, rows), register=ESTABLECIMIENTOS_ANEXOS)


@pytest.mark.slow
def test_a_generated_register_imports_every_row_of_every_ruc_in_the_files_order(tmp_path):
    path = write_register(tmp_path / "padron_reducido_local_anexo.zip", ESTABLECIMIENTOS_ANEXOS.name, 20_000)
    expected = list(establishment_rows(ESTABLECIMIENTOS_ANEXOS, 20_000))

    version = import_padron(str(path), register=ESTABLECIMIENTOS_ANEXOS)

    assert version.rows == len(expected) == EstablecimientoAnexo.objects.count()
    assert len({row[0] for row in expected}) < len(expected)  # several per RUC
    assert {row[0] for row in expected} <= {row[0] for row in generate_rows(20_000)}
    ruc = expected[0][0]
    stored = list(EstablecimientoAnexo.objects.filter(ruc=ruc).order_by("id").values_list(
        *ESTABLECIMIENTOS_ANEXOS.columns))
    assert stored == [tuple(None if value == "-" else value for value in row) for row in expected if row[0] == ruc]


def test_each_import_replaces_the_register_whole(tmp_path, settings):
    settings.PADRON_MAX_SHRINK = 1  # the second file is much shorter on purpose
    imported(tmp_path)
    imported(tmp_path, rows=ROWS[:1], name="next.zip")  # a new identity sequence survives the swap

    assert list(EstablecimientoAnexo.objects.values_list("ruc", "ubigeo")) == [(WITH_ANNEXES, "150122")]
    assert PadronVersion.objects.filter(register=ESTABLECIMIENTOS_ANEXOS.name).count() == 2
    imported(tmp_path, name="third.zip")
    assert EstablecimientoAnexo.objects.count() == 3


def test_a_header_starting_with_blanks_is_the_register_s(tmp_path):
    version = import_padron(register_file(tmp_path / "a.zip", header=" " + HEADER), register=ESTABLECIMIENTOS_ANEXOS)

    assert version.rows == 3


@pytest.mark.parametrize("rows, header, message", [
    ([*ROWS[:2], f"{OTHER}|150122|AV.|X|-|-|-|-|-|-|-|"], HEADER, "línea 4: se esperaban 12 campos"),
    ([*ROWS[:2], "2010007097|150122|AV.|X|-|-|-|-|-|-|-|-|"], HEADER, "línea 4: RUC no válido"),
    ([*ROWS[:2], f"{OTHER}|1501220|AV.|X|-|-|-|-|-|-|-|-|"], HEADER, "línea 4: ubigeo no válido"),
    (ROWS, "Ruc|Nombre/Razon|A partir del|Resolucion|", "la cabecera no es la del Establecimientos anexos"),
], ids=["eleven-fields", "bad-ruc", "bad-ubigeo", "agents-header"])
def test_a_broken_file_leaves_the_register_in_use_untouched(tmp_path, rows, header, message):
    imported(tmp_path)
    before = list(EstablecimientoAnexo.objects.order_by("id").values_list(*ESTABLECIMIENTOS_ANEXOS.columns))

    with pytest.raises(PadronError, match=message):
        import_padron(register_file(tmp_path / "broken.zip", rows, header), register=ESTABLECIMIENTOS_ANEXOS)

    assert list(EstablecimientoAnexo.objects.order_by("id").values_list(*ESTABLECIMIENTOS_ANEXOS.columns)) == before
    assert PadronVersion.objects.count() == 1


def test_the_sub_page_is_answered_from_the_register_while_sunat_s_is_not_stored(client, replica, tmp_path):
    imported(tmp_path)

    body = client.get(f"/api/ruc/{WITH_ANNEXES}/establecimientos").json()

    assert body["fuente"] == "padron" and body["actualizadoEn"] == "2024-03-15T11:30:00Z"  # the zip says 06:30 in Lima
    first, second = body["establecimientos"]
    assert first == {"codigo": None, "tipo": None,
                     "direccion": "AV. JOSÉ PARDO NRO. 601 INT. 1603 URB. SAN ANDRÉS LIMA - LIMA - MIRAFLORES",
                     "ubigeo": "150122", "departamento": "LIMA", "provincia": "LIMA", "distrito": "MIRAFLORES",
                     "actividadEconomica": None}
    assert second["direccion"].startswith("CAR. PANAMERICANA SUR KM. 12.5 AREQUIPA") and second["ubigeo"] == "040101"
    assert "getLocAnex" not in replica.stats()["by_accion"]


def test_fresh_asks_sunat_and_its_stored_page_wins_afterwards(client, replica, tmp_path):
    imported(tmp_path)

    fresh = client.get(f"/api/ruc/{WITH_ANNEXES}/establecimientos", {"fresh": "true"}).json()
    again = client.get(f"/api/ruc/{WITH_ANNEXES}/establecimientos").json()

    assert fresh["fuente"] == again["fuente"] == "sunat"
    assert [item["codigo"] for item in again["establecimientos"]] == [
        est.codigo for est in establecimientos.establishments(WITH_ANNEXES)]


def test_a_ruc_the_register_does_not_list_has_no_establishments(client, replica, tmp_path):
    imported(tmp_path, rows=ROWS[2:])

    body = client.get(f"/api/ruc/{WITH_ANNEXES}/establecimientos").json()

    assert body["establecimientos"] == [] and body["fuente"] == "padron"


def test_without_the_register_sunat_answers_as_before(client, replica):
    body = client.get(f"/api/ruc/{WITH_ANNEXES}/establecimientos").json()

    assert body["fuente"] == "sunat" and body["establecimientos"]


def test_an_unmigrated_database_is_told_to_migrate(tmp_path, monkeypatch):
    from django.db import connection

    tables = connection.introspection.table_names()
    monkeypatch.setattr(connection.introspection, "table_names",
                        lambda *args, **kwargs: [t for t in tables if t != ESTABLECIMIENTOS_ANEXOS.table])

    with pytest.raises(PadronError, match="ejecute manage.py migrate"):
        imported(tmp_path)
