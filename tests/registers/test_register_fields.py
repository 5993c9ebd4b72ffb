"""SUNAT's registers on every answer about a RUC: agenteRetencion, agentePercepcion,
agentePercepcionVentaInterna, buenContribuyente and registrosActualizadosEn, whatever the
answer's fuente; absent while a register was never imported."""

import pytest

from sunat.registers import annotations
from sunat.registers.files import AGENTES_RETENCION, BUENOS_CONTRIBUYENTES
from sunat.registers.importer import import_padron
from tests.registers.test_register_import import ROWS, agents_file
from tests.support.padron_files import ENIE, HANDMADE, write_rows

pytestmark = pytest.mark.django_db(transaction=True)

COMPANY = "20573215045"  # the replica's captured company
FIELDS = ["agenteRetencion", "agentePercepcion", "agentePercepcionVentaInterna", "buenContribuyente"]


@pytest.fixture(autouse=True)
def fresh_copies(monkeypatch):
    monkeypatch.setattr(annotations, "CHECK_SECONDS", 0)  # every answer sees the latest import
    annotations.forget()
    yield
    annotations.forget()


@pytest.fixture
def agents(tmp_path):
    """COMPANY and ENIE are agents of retention; the good taxpayers' register does not list them."""
    rows = [*ROWS, f"{COMPANY}|LEAD WORKING PARTNER SAC|01/06/2024|RS R.S.120-2024|",
            f"{ENIE}|PEÑA & NUÑEZ|01/01/2020|RS R.S.001-2020|"]
    import_padron(agents_file(tmp_path / "AgenRet_TXT.zip", rows=rows), register=AGENTES_RETENCION)
    import_padron(agents_file(tmp_path / "BueCont_TXT.zip", rows=ROWS[:2], member="BueCont_TXT.txt"),
                  register=BUENOS_CONTRIBUYENTES)


def test_without_any_register_imported_the_fields_are_absent(client, replica):
    body = client.get(f"/api/ruc/{COMPANY}").json()

    assert not set(FIELDS) & set(body) and "registrosActualizadosEn" not in body


def test_a_sunat_answer_says_what_each_imported_register_says(client, replica, agents):
    body = client.get(f"/api/ruc/{COMPANY}").json()

    assert body["agenteRetencion"] == {"desde": "2024-06-01", "resolucion": "RS R.S.120-2024"}
    assert body["buenContribuyente"] is None  # imported, and this RUC is not in it
    assert "agentePercepcion" not in body and "agentePercepcionVentaInterna" not in body  # never imported
    assert set(body["registrosActualizadosEn"]) == {"agenteRetencion", "buenContribuyente"}
    assert list(body)[-2:] == ["fuente", "actualizadoEn"] and body["fuente"] == "sunat"


def test_a_padron_answer_carries_them_too(client, replica, agents, tmp_path):
    import_padron(str(write_rows(tmp_path / "padron.zip", HANDMADE)))

    body = client.get(f"/api/ruc/{ENIE}", {"fuente": "padron"}).json()

    assert body["fuente"] == "padron" and body["agenteRetencion"]["resolucion"] == "RS R.S.001-2020"
    assert list(body)[-2:] == ["fuente", "actualizadoEn"]


def test_each_batch_item_and_the_complete_answer_carry_them(client, replica, agents):
    batch = client.post("/api/ruc/lote", {"rucs": [COMPANY, "20100070970"]}, content_type="application/json").json()
    complete = client.get(f"/api/ruc/{COMPANY}/completo", {"secciones": "representantes"}).json()

    assert batch["resultados"][COMPANY]["datos"]["agenteRetencion"]["desde"] == "2024-06-01"
    assert batch["resultados"]["20100070970"]["datos"]["agenteRetencion"] is None
    assert complete["ficha"]["agenteRetencion"]["desde"] == "2024-06-01"
    assert "agenteRetencion" not in complete["secciones"]["representantes"]["datos"]  # sub-pages: not about this


def test_a_cached_answer_shows_the_register_imported_after_it(client, replica, agents, tmp_path):
    assert client.get(f"/api/ruc/{COMPANY}").json()["agenteRetencion"] is not None

    import_padron(agents_file(tmp_path / "without.zip", rows=ROWS), register=AGENTES_RETENCION)
    again = client.get(f"/api/ruc/{COMPANY}")

    assert again["X-Cache"] == "HIT" and again.json()["agenteRetencion"] is None
    assert replica.stats()["queries"] == 1


def test_the_cache_keeps_sunats_answer_alone(client, replica, agents):
    from django.core.cache import cache

    client.get(f"/api/ruc/{COMPANY}")

    assert "agenteRetencion" not in cache.get(f"sunat:ruc:{COMPANY}")


def test_answers_with_the_registers_conform_to_the_schema(replica, agents, settings, tmp_path):
    from tests.api.test_openapi import call

    settings.SUNAT_MIN_INTERVAL = 0
    import_padron(str(write_rows(tmp_path / "padron.zip", HANDMADE)))
    for ruc, query in ((COMPANY, {}), (ENIE, {"fuente": "padron"}), ("20100070970", {})):
        assert call("/api/ruc/{ruc}", path_parameters={"ruc": ruc}, query=query).status_code == 200
    assert call("/api/ruc/{ruc}/completo", path_parameters={"ruc": COMPANY}).status_code == 200
    lote = call("/api/ruc/lote", "POST", body={"rucs": [COMPANY, ENIE]}, media_type="application/json")
    assert lote.json()["resultados"][ENIE]["datos"]["agenteRetencion"] is not None



@pytest.mark.slow
def test_a_padron_imported_by_another_process_is_seen_within_seconds(client, tmp_path):
    """An import elsewhere (the scheduler) cannot clear this process's LocMem: what this process
    remembered ("no padrón yet") lasts VERSION_CACHE_SECONDS, not a minute."""
    import time

    from django.core.cache import cache

    from sunat.registers.importer import VERSION_CACHE_KEY
    from sunat.registers.queries import VERSION_CACHE_SECONDS

    import_padron(str(write_rows(tmp_path / "padron.zip", HANDMADE)))
    cache.set(VERSION_CACHE_KEY, "", VERSION_CACHE_SECONDS)  # remembered before that import
    assert client.get(f"/api/ruc/{ENIE}", {"fuente": "padron"}).json()["actualizadoEn"] is None

    time.sleep(VERSION_CACHE_SECONDS + 0.1)

    assert client.get(f"/api/ruc/{ENIE}", {"fuente": "padron"}).json()["actualizadoEn"] is not None
