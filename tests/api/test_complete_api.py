"""GET /api/ruc/<ruc>/completo and the sub-pages a ficha does not offer: answered from the ficha,
everything else under the same cache, pacing and budget as the single sub-pages."""

import time

import pytest

from devtools.replica import make_ruc
from devtools.replica.subpages import PAGES
from sunat.lookups.pages import SECTION_PAGES
from sunat.upstream.sections import SECTIONS, ttl_of

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads

WITHOUT_ANEXOS = "20573215045"  # the captured 2025 company page has no Establecimiento(s) Anexo(s) button
PERSON = "10123456781"


def every_button_ruc() -> str:
    """A synthetic company whose result page shows every sub-page's button."""
    for n in range(200):
        ruc = make_ruc(f"20601{n:05d}")
        if all(page.applies(ruc) for page in PAGES):
            return ruc
    raise AssertionError("no synthetic RUC with every button")


def sub_page_requests(replica) -> dict:
    return {accion: n for accion, n in replica.stats()["by_accion"].items() if accion != "consPorRuc"}


def test_complete_answer_of_a_ruc_with_every_button_has_the_ficha_and_all_ten_sections(client, replica):
    ruc = every_button_ruc()

    response = client.get(f"/api/ruc/{ruc}/completo")

    body = response.json()
    assert response.status_code == 200 and response["X-Cache"] == "MISS"
    assert list(body) == ["ficha", "secciones", "resumen"]
    assert body["ficha"]["ruc"] == ruc and body["ficha"]["secciones"] == list(SECTIONS)
    assert list(body["secciones"]) == list(SECTIONS) and len(SECTIONS) == 10
    assert body["resumen"] == {"total": 10, "ok": 10, "error": 0, "pendiente": 0}
    for name, entry in body["secciones"].items():
        assert entry["estado"] == "ok" and entry["cache"] == "MISS", name
        assert list(entry["datos"]) == ["ruc", SECTIONS[name].key, "fuente", "actualizadoEn"]
    # One SUNAT request per page: the ficha and each sub-page.
    assert replica.stats()["queries"] == 1
    assert sub_page_requests(replica) == {page.accion: 1 for page in PAGES}


def test_asking_again_is_answered_from_the_cache_without_sunat(client, replica):
    ruc = every_button_ruc()
    first = client.get(f"/api/ruc/{ruc}/completo").json()
    before = replica.stats()["alias_posts"]

    second = client.get(f"/api/ruc/{ruc}/completo")

    assert second["X-Cache"] == "HIT" and replica.stats()["alias_posts"] == before
    assert {entry["cache"] for entry in second.json()["secciones"].values()} == {"HIT"}
    assert [e["datos"] for e in second.json()["secciones"].values()] == [
        e["datos"] for e in first["secciones"].values()]


def test_each_section_matches_its_own_endpoint(client, replica):
    ruc = every_button_ruc()
    complete = client.get(f"/api/ruc/{ruc}/completo").json()

    for name in SECTIONS:
        single = client.get(f"/api/ruc/{ruc}/{name}")
        assert single["X-Cache"] == "HIT" and single.json() == complete["secciones"][name]["datos"], name


def test_a_section_the_ficha_does_not_offer_is_empty_without_asking_sunat(client, replica):
    response = client.get(f"/api/ruc/{WITHOUT_ANEXOS}/establecimientos")

    assert response.status_code == 200
    body = response.json()
    assert body["establecimientos"] == [] and body["fuente"] == "sunat"
    assert "establecimientos" not in client.get(f"/api/ruc/{WITHOUT_ANEXOS}").json()["secciones"]
    assert sub_page_requests(replica) == {}


def test_complete_saves_one_request_per_absent_button(client, replica):
    body = client.get(f"/api/ruc/{PERSON}/completo").json()

    offered = body["ficha"]["secciones"]
    assert "representantes" not in offered and "establecimientos" not in offered
    assert body["secciones"]["representantes"]["datos"]["representantes"] == []
    assert set(sub_page_requests(replica)) == {SECTIONS[name].accion for name in offered}


def test_secciones_picks_the_sections_in_the_fichas_order(client, replica):
    ruc = every_button_ruc()

    body = client.get(f"/api/ruc/{ruc}/completo", {"secciones": "establecimientos, deuda-coactiva"}).json()

    assert list(body["secciones"]) == ["deuda-coactiva", "establecimientos"]
    assert set(sub_page_requests(replica)) == {"getInfoDC", "getLocAnex"}


@pytest.mark.parametrize("value", ["", ",", "deudas", "establecimientos,nada"])
def test_unknown_or_no_sections_are_400(client, replica, value):
    response = client.get(f"/api/ruc/{every_button_ruc()}/completo", {"secciones": value})

    assert response.status_code == 400 and response.json()["error"] == "parametro_invalido"
    assert replica.stats()["alias_posts"] == 0


def test_complete_of_an_invalid_or_unknown_ruc_is_the_lookups_error(client, replica):
    assert client.get("/api/ruc/20573215046/completo").json()["error"] == "ruc_invalido"
    response = client.get("/api/ruc/20000000001/completo")
    assert response.status_code == 404 and response.json()["error"] == "ruc_no_encontrado"
    assert sub_page_requests(replica) == {}


@pytest.mark.slow
def test_sections_missing_the_budget_are_pending_and_found_cached_later(client, replica, settings):
    settings.COMPLETO_TIMEOUT = 1.0
    replica.config.latency = 0.3  # 1 ficha + 10 sub-pages, two at a time: ~2 s in all
    ruc = every_button_ruc()

    started = time.monotonic()
    body = client.get(f"/api/ruc/{ruc}/completo").json()
    took = time.monotonic() - started

    pending = [name for name, entry in body["secciones"].items() if entry["estado"] == "pendiente"]
    assert took < 2.0 and pending, (took, body["resumen"])
    assert body["resumen"]["pendiente"] == len(pending) and body["resumen"]["error"] == 0
    assert {body["secciones"][name]["reintentarEn"] for name in pending} == {5}
    # They kept running: asking again (once they are done) finds everything cached.
    deadline = time.monotonic() + 10
    while sum(sub_page_requests(replica).values()) < 10 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    again = client.get(f"/api/ruc/{ruc}/completo").json()
    assert again["resumen"] == {"total": 10, "ok": 10, "error": 0, "pendiente": 0}
    assert {again["secciones"][name]["cache"] for name in pending} == {"HIT"}
    assert sub_page_requests(replica) == {page.accion: 1 for page in PAGES}


def test_one_failing_section_does_not_fail_the_others(client, replica, settings):
    settings.SUNAT_MAX_ATTEMPTS = 1
    ruc = every_button_ruc()
    client.get(f"/api/ruc/{ruc}")  # the ficha first, cached
    replica.config.update(mode="error", fail_next=1)  # the next SUNAT answer is its error page

    body = client.get(f"/api/ruc/{ruc}/completo").json()

    assert body["resumen"] == {"total": 10, "ok": 9, "error": 1, "pendiente": 0}
    failed = [entry for entry in body["secciones"].values() if entry["estado"] == "error"]
    assert failed[0]["error"] == "sunat_no_disponible" and failed[0]["detail"]


def test_every_section_has_a_ttl_and_debts_expire_first(settings):
    ttl = {name: ttl_of(name) for name in SECTION_PAGES}
    assert ttl["deuda-coactiva"] == ttl["omisiones"] == 24 * 3600
    assert ttl["representantes"] == ttl["historico"] == settings.RUC_CACHE_TTL


def test_an_operator_overrides_a_sections_ttl_and_a_misspelt_one_fails_the_check(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.RUC_SECTION_TTL = {"omisiones": 3600, "historico": 60}
    assert (ttl_of("omisiones"), ttl_of("historico"), ttl_of("deuda-coactiva")) == (3600, 60, 24 * 3600)

    settings.RUC_SECTION_TTL = {"omision": 3600}
    with pytest.raises(SystemCheckError, match="RUC_SECTION_TTL_OMISION no corresponde a ninguna sección"):
        call_command("check")


def test_a_section_older_than_its_own_ttl_is_stale_and_one_within_it_is_fresh(client, replica):
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    from sunat.models import RucSectionRecord

    ruc = every_button_ruc()
    client.get(f"/api/ruc/{ruc}/completo", {"secciones": "deuda-coactiva,representantes"})
    RucSectionRecord.objects.filter(ruc=ruc).update(fetched_at=timezone.now() - timedelta(days=2))
    cache.clear()

    debts = client.get(f"/api/ruc/{ruc}/deuda-coactiva")  # a day's TTL: two days old is stale
    representatives = client.get(f"/api/ruc/{ruc}/representantes")  # seven days: still fresh

    assert (debts["X-Cache"], representatives["X-Cache"]) == ("STALE", "HIT")
