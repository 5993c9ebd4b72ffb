"""Legal representatives and workers through the API: cached, stored and failing like the main lookup."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from sunat.lookups import ruc_cache
from sunat.models import RucRecord, RucSectionRecord

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads

COMPANY = "20573215045"
PERSON = "10123456781"


def section_requests(replica, accion) -> int:
    return replica.stats()["by_accion"].get(accion, 0)


def test_representatives_are_fetched_once_then_served_from_cache(client, replica):
    first = client.get(f"/api/ruc/{COMPANY}/representantes")
    second = client.get(f"/api/ruc/{COMPANY}/representantes/")

    assert first.status_code == second.status_code == 200
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert first.json() == second.json()
    assert section_requests(replica, "getRepLeg") == 1


def test_representatives_answer_shape(client, replica):
    body = client.get(f"/api/ruc/{COMPANY}/representantes").json()

    assert list(body) == ["ruc", "representantes", "fuente", "actualizadoEn"]
    assert body["ruc"] == COMPANY and body["fuente"] == "sunat"
    first = body["representantes"][0]
    assert list(first) == ["tipoDocumento", "numeroDocumento", "nombre", "cargo", "fechaDesde"]
    assert first["cargo"] == "GERENTE GENERAL"


def test_workers_answer_shape(client, replica):
    body = client.get(f"/api/ruc/{COMPANY}/trabajadores").json()

    periods = body["trabajadores"]
    assert periods and list(periods[0]) == ["periodo", "trabajadores", "pensionistas", "prestadores"]
    assert [p["periodo"] for p in periods] == sorted((p["periodo"] for p in periods), reverse=True)


def test_person_without_information_gets_empty_lists(client, replica):
    assert client.get(f"/api/ruc/{PERSON}/representantes").json()["representantes"] == []
    assert client.get(f"/api/ruc/{PERSON}/trabajadores").json()["trabajadores"] == []


def test_invalid_and_unknown_rucs_use_the_same_errors(client, replica):
    assert client.get("/api/ruc/20573215046/representantes").json()["error"] == "ruc_invalido"
    response = client.get("/api/ruc/20000000001/trabajadores")
    assert response.status_code == 404 and response.json()["error"] == "ruc_no_encontrado"
    assert section_requests(replica, "getCantTrab") == 0


def test_section_is_stored_and_shared_through_the_database(client, replica):
    client.get(f"/api/ruc/{COMPANY}/trabajadores")
    assert RucSectionRecord.objects.get(ruc=COMPANY, section="trabajadores").data["trabajadores"]
    cache.clear()

    response = client.get(f"/api/ruc/{COMPANY}/trabajadores")

    assert response["X-Cache"] == "HIT"
    assert section_requests(replica, "getCantTrab") == 1


def test_old_section_is_served_stale_when_sunat_fails(client, replica):
    fresh = client.get(f"/api/ruc/{COMPANY}/representantes").json()
    RucSectionRecord.objects.update(fetched_at=timezone.now() - timedelta(days=8))
    cache.delete(ruc_cache.ruc_key(COMPANY, "representantes"))
    replica.config.mode = "error"

    response = client.get(f"/api/ruc/{COMPANY}/representantes")

    assert response.status_code == 200 and response["X-Cache"] == "STALE"
    assert response.json() == fresh


def test_section_fails_with_503_when_sunat_rejects_and_nothing_is_stored(client, replica):
    client.get(f"/api/ruc/{COMPANY}")
    replica.config.mode = "reject"

    response = client.get(f"/api/ruc/{COMPANY}/representantes")

    assert response.status_code == 503 and response.json()["error"] == "sunat_no_disponible"
    assert response["Retry-After"].isdigit()


def test_evicting_a_ruc_removes_its_sections(client, replica):
    client.get(f"/api/ruc/{COMPANY}/representantes")
    assert ruc_cache.get(COMPANY, "representantes") is not None

    ruc_cache.evict([COMPANY])

    assert ruc_cache.get(COMPANY) is None and ruc_cache.get(COMPANY, "representantes") is None


@pytest.mark.browser
def test_lookups_through_the_selenium_client_match_the_http_client(client, replica, settings):
    via_http = client.get(f"/api/ruc/{COMPANY}").json()
    reps_http = client.get(f"/api/ruc/{COMPANY}/representantes").json()["representantes"]
    cache.clear()
    RucSectionRecord.objects.all().delete()
    RucRecord.objects.all().delete()
    settings.SUNAT_CLIENT = "selenium"
    try:
        via_browser = client.get(f"/api/ruc/{COMPANY}")
        reps_browser = client.get(f"/api/ruc/{COMPANY}/representantes").json()["representantes"]
    finally:
        settings.SUNAT_CLIENT = "http"  # closes the browser

    assert via_browser["X-Cache"] == "MISS"
    body = via_browser.json()
    assert {**body, "actualizadoEn": None} == {**via_http, "actualizadoEn": None}
    assert reps_browser == reps_http
