"""The lookup API end to end against the local SUNAT replica: cache, database, errors."""

import re
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from devtools.servers import wait_until
from sunat import tasks
from sunat.lookups import services
from sunat.models import RucRecord, UnknownRuc
from sunat.upstream import scheduler, throttle
from sunat.upstream.sections import ttl_of
from tests.support.queued_tasks import queued, run_queued

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads

COMPANY = "20573215045"
PERSON = "10123456781"
UNKNOWN = "20000000001"
API_KEYS = [
    "ruc", "razonSocial", "nombreComercial", "tipoContribuyente", "tipoDocumento", "numeroDocumento", "estado",
    "condicion",
    "fechaInscripcion", "fechaInicioActividades", "fechaBaja", "direccion", "departamento", "provincia",
    "distrito", "ubigeo", "sistemaEmision", "actividadComercioExterior", "sistemaContabilidad", "actividadesEconomicas",
    "comprobantesPago", "sistemaEmisionElectronica", "emisorElectronicoDesde", "comprobantesElectronicos",
    "afiliadoPleDesde", "padrones", "secciones", "fuente", "actualizadoEn",
]


def sunat_requests(replica, ruc=None) -> int:
    stats = replica.stats()
    return stats["by_ruc"].get(ruc, 0) if ruc else stats["queries"]


def test_first_lookup_fetches_from_sunat_and_the_second_comes_from_cache(client, replica):
    first = client.get(f"/api/ruc/{COMPANY}")
    second = client.get(f"/api/ruc/{COMPANY}")

    assert first.status_code == 200 and first["X-Cache"] == "MISS"
    assert second.status_code == 200 and second["X-Cache"] == "HIT"
    assert second.json() == first.json()
    assert sunat_requests(replica) == 1


def test_answer_has_exactly_the_documented_keys_and_sunat_values(client, replica):
    data = client.get(f"/api/ruc/{COMPANY}").json()

    assert list(data) == API_KEYS
    assert data["ruc"] == COMPANY
    assert data["razonSocial"] == "LEAD WORKING PARTNER SAC"
    assert data["estado"] == "ACTIVO" and data["condicion"] == "HABIDO"
    assert data["fechaInscripcion"] == "2014-02-05"
    assert (data["departamento"], data["provincia"], data["distrito"]) == ("HUANUCO", "LEONCIO PRADO", "RUPA-RUPA")
    assert data["ubigeo"] == "100601"  # INEI's code for that district
    # Latin-1 bytes from SUNAT come out as the right letters.
    assert data["actividadesEconomicas"][0]["descripcion"].startswith("CONSULTORÍA DE INFORMÁTICA")
    assert data["fuente"] == "sunat"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["actualizadoEn"])


def test_response_is_utf8_json(client, replica):
    response = client.get(f"/api/ruc/{COMPANY}")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "CONSULTORÍA".encode() in response.content


def test_legacy_path_serves_the_same_answer(client, replica):
    assert client.get(f"/obtener-ruc/{COMPANY}").json() == client.get(f"/api/ruc/{COMPANY}/").json()


def test_person_ruc_is_served(client, replica):
    data = client.get(f"/api/ruc/{PERSON}").json()
    assert data["ruc"] == PERSON
    assert data["direccion"] is None and data["departamento"] is None
    assert data["ubigeo"] is None  # no address, no district


def test_successful_lookup_is_stored_and_cached_under_the_documented_key(client, replica):
    client.get(f"/api/ruc/{COMPANY}")

    record = RucRecord.objects.get(ruc=COMPANY)
    assert record.razon_social == "LEAD WORKING PARTNER SAC"
    assert (record.estado, record.condicion, record.source) == ("ACTIVO", "HABIDO", "sunat")
    assert record.data["ruc"] == COMPANY
    assert cache.get(f"sunat:ruc:{COMPANY}") == record.data


@pytest.mark.parametrize("value", ["2057321504", "20573215046", "abc", "２０５７３２１５０４５", "x" * 5000])
def test_invalid_ruc_is_a_400_that_never_reaches_sunat(client, replica, value):
    response = client.get(f"/api/ruc/{value}")

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "ruc_invalido" and body["detail"]
    assert body["ruc"] == value[:64]
    assert sunat_requests(replica) == 0


def test_unknown_ruc_is_404_and_cached_as_not_found(client, replica):
    first = client.get(f"/api/ruc/{UNKNOWN}")
    second = client.get(f"/api/ruc/{UNKNOWN}")

    assert first.status_code == second.status_code == 404
    assert first.json() == {"error": "ruc_no_encontrado", "detail": first.json()["detail"], "ruc": UNKNOWN}
    assert sunat_requests(replica) == 1


def test_not_found_entry_expires_with_its_own_ttl(client, replica, settings):
    settings.RUC_NOT_FOUND_TTL = 1
    client.get(f"/api/ruc/{UNKNOWN}")
    # What the TTL does after a second, without waiting for it: in the cache and the database.
    cache.delete(f"sunat:ruc:{UNKNOWN}")
    UnknownRuc.objects.update(checked_at=timezone.now() - timedelta(seconds=2))
    client.get(f"/api/ruc/{UNKNOWN}")
    assert sunat_requests(replica) == 2


def test_firewall_rejection_is_503_with_retry_after_and_not_retried(client, replica):
    replica.config.mode = "reject"
    response = client.get(f"/api/ruc/{COMPANY}")

    assert response.status_code == 503
    assert response.json()["error"] == "sunat_no_disponible"
    assert int(response["Retry-After"]) >= 60
    assert sunat_requests(replica) == 1


@pytest.mark.parametrize("mode", ["error", "http401", "http503"])
def test_transient_failure_is_retried_and_then_succeeds(client, replica, mode):
    replica.config.mode = mode
    replica.config.fail_next = 1

    response = client.get(f"/api/ruc/{COMPANY}")

    assert response.status_code == 200 and response["X-Cache"] == "MISS"
    assert sunat_requests(replica) == 2


def test_persistent_failure_is_503_after_max_attempts(client, replica, settings):
    settings.SUNAT_MAX_ATTEMPTS = 3
    replica.config.mode = "http503"

    response = client.get(f"/api/ruc/{COMPANY}")

    assert response.status_code == 503
    assert response.json()["error"] == "sunat_no_disponible"
    assert response["Retry-After"].isdigit()
    assert sunat_requests(replica) == 3


@pytest.mark.browser
def test_a_persistent_error_page_refuses_every_flow_and_the_browser_is_tried_too(client, replica, settings):
    settings.SUNAT_MAX_ATTEMPTS = 3
    replica.config.mode = "error"  # every jcrS00Alias POST: the list page's and the browser's too

    response = client.get(f"/api/ruc/{COMPANY}")

    assert response.status_code == 503
    assert response.json()["error"] == "sunat_no_disponible" and response["Retry-After"].isdigit()
    # One query of each flow on its new session (numrnd-list's list page is refused first), then
    # the browser's attempts: an error page is retried there.
    assert sunat_requests(replica) == 2 + 3
    # Nothing works: the next lookup is answered at once, without asking.
    assert client.get("/api/ruc/20550263948").status_code == 503
    assert sunat_requests(replica) == 5


def test_hanging_sunat_is_504(client, replica, settings):
    settings.SUNAT_TIMEOUT = 0.5
    settings.SUNAT_MAX_ATTEMPTS = 2
    replica.config.mode = "hang"

    response = client.get(f"/api/ruc/{COMPANY}")

    assert response.status_code == 504
    assert response.json()["error"] == "sunat_timeout"
    assert response["Retry-After"].isdigit()


def test_unreachable_sunat_is_503(client, replica, settings):
    replica.stop()
    response = client.get(f"/api/ruc/{COMPANY}")
    assert response.status_code == 503


def test_connection_kept_open_after_the_page_is_read_up_to_html_end(client, replica, settings):
    settings.SUNAT_TIMEOUT = 5
    replica.config.keep_open = True
    response = client.get(f"/api/ruc/{COMPANY}")
    assert response.status_code == 200


def test_fresh_database_record_answers_without_sunat_and_refills_the_cache(client, replica):
    client.get(f"/api/ruc/{COMPANY}")
    cache.clear()  # what another worker's LocMem looks like: empty, while the database has it

    response = client.get(f"/api/ruc/{COMPANY}")

    assert response.status_code == 200 and response["X-Cache"] == "HIT"
    assert list(response.json()) == API_KEYS  # PostgreSQL's jsonb does not keep key order
    assert sunat_requests(replica) == 1
    assert cache.get(f"sunat:ruc:{COMPANY}") is not None


def test_record_stored_before_answers_had_ubigeo_is_served_with_it(client, replica):
    client.get(f"/api/ruc/{COMPANY}")
    record = RucRecord.objects.get(ruc=COMPANY)
    record.data = {key: value for key, value in record.data.items() if key != "ubigeo"}
    record.save()
    cache.clear()

    data = client.get(f"/api/ruc/{COMPANY}").json()

    assert list(data) == API_KEYS and data["ubigeo"] == "100601"
    assert sunat_requests(replica) == 1


def test_answer_cached_before_answers_had_ubigeo_is_served_with_it(client, replica):
    data = client.get(f"/api/ruc/{COMPANY}").json()
    cache.set(f"sunat:ruc:{COMPANY}", {key: value for key, value in data.items() if key != "ubigeo"})

    response = client.get(f"/api/ruc/{COMPANY}")

    assert response["X-Cache"] == "HIT" and response.json() == data
    assert list(response.json()) == API_KEYS
    assert sunat_requests(replica) == 1


@pytest.mark.django_db(transaction=True)
def test_record_older_than_ttl_is_served_stale_while_one_background_refresh_runs(client, replica):
    client.get(f"/api/ruc/{COMPANY}")
    RucRecord.objects.filter(ruc=COMPANY).update(fetched_at=timezone.now() - timedelta(days=8))
    cache.clear()

    responses = [client.get(f"/api/ruc/{COMPANY}") for _ in range(3)]

    assert [r["X-Cache"] for r in responses] == ["STALE"] * 3
    assert sunat_requests(replica) == 1  # nothing asked in the request: one refresh queued for the worker
    assert len(queued(tasks.REFRESH)) == 1
    assert run_queued(tasks.REFRESH) == ["pedida"]
    wait_until(lambda: scheduler.get().stats()["running"] == 0 and not any(scheduler.get().stats()["queued"].values()),
               10, "the background refresh is done")
    assert sunat_requests(replica) == 2  # the first lookup, then exactly one refresh
    assert RucRecord.objects.get(ruc=COMPANY).seconds_left(ttl_of(None)) > 0
    assert client.get(f"/api/ruc/{COMPANY}")["X-Cache"] == "HIT"


@pytest.mark.django_db(transaction=True)
def test_a_queued_refresh_asks_nothing_when_the_answer_is_fresh_again_or_it_waited_too_long(client, replica):
    client.get(f"/api/ruc/{COMPANY}")
    RucRecord.objects.filter(ruc=COMPANY).update(fetched_at=timezone.now() - timedelta(days=8))
    cache.clear()
    assert client.get(f"/api/ruc/{COMPANY}")["X-Cache"] == "STALE"
    (job,) = queued(tasks.REFRESH)
    assert client.get(f"/api/ruc/{COMPANY}?fresh=1")["X-Cache"] == "MISS"  # fresh again before the job runs

    assert run_queued(tasks.REFRESH) == ["innecesaria"]
    assert services.refresh_stale(*job["args"][:3], time.time() - services.REFRESH_MAX_WAIT - 1) == "caducada"
    assert sunat_requests(replica) == 2


@pytest.mark.django_db(transaction=True)
def test_a_stale_answer_is_served_when_its_refresh_cannot_be_queued(client, replica, caplog):
    client.get(f"/api/ruc/{COMPANY}")
    RucRecord.objects.filter(ruc=COMPANY).update(fetched_at=timezone.now() - timedelta(days=8))
    cache.clear()
    with connection.cursor() as cursor:  # the queue's table away: its INSERT fails
        cursor.execute("ALTER TABLE django_q_ormq RENAME TO away_ormq")
    try:
        response = client.get(f"/api/ruc/{COMPANY}")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE away_ormq RENAME TO django_q_ormq")

    assert response.status_code == 200 and response["X-Cache"] == "STALE"
    assert sunat_requests(replica) == 1
    assert f"could not queue the refresh of sunat:ruc:{COMPANY}" in caplog.text


def test_fresh_parameter_waits_for_sunat_instead_of_serving_stale(client, replica):
    client.get(f"/api/ruc/{COMPANY}")
    RucRecord.objects.filter(ruc=COMPANY).update(fetched_at=timezone.now() - timedelta(days=8))
    cache.clear()

    response = client.get(f"/api/ruc/{COMPANY}?fresh=1")

    assert response.status_code == 200 and response["X-Cache"] == "MISS"
    assert sunat_requests(replica) == 2


@pytest.mark.browser
def test_old_record_is_served_stale_when_a_fresh_lookup_fails_and_is_kept_intact(client, replica):
    first = client.get(f"/api/ruc/{COMPANY}").json()
    RucRecord.objects.filter(ruc=COMPANY).update(fetched_at=timezone.now() - timedelta(days=8))
    before = RucRecord.objects.get(ruc=COMPANY)
    cache.clear()
    replica.config.mode = "error"

    response = client.get(f"/api/ruc/{COMPANY}?fresh=true")

    assert response.status_code == 200 and response["X-Cache"] == "STALE"
    assert response.json() == first
    after = RucRecord.objects.get(ruc=COMPANY)
    assert (after.data, after.fetched_at) == (before.data, before.fetched_at)


@pytest.mark.parametrize("value", ["2", "yes please", "x" * 300])
def test_invalid_fresh_parameter_is_a_400(client, replica, value):
    response = client.get(f"/api/ruc/{COMPANY}", {"fresh": value})
    assert response.status_code == 400
    assert response.json()["error"] == "parametro_invalido"
    assert sunat_requests(replica) == 0


def test_connection_reset_backs_off_briefly_longer_on_repeats_not_for_the_firewall_cooldown(client, replica,
                                                                                          settings):
    settings.SUNAT_BLOCK_COOLDOWN = 300
    settings.SUNAT_FAILURE_BACKOFF = 0.5
    settings.SUNAT_MAX_ATTEMPTS = 1
    replica.config.mode = "reset"

    first = client.get(f"/api/ruc/{COMPANY}")
    during_backoff = client.get("/api/ruc/20550263948")

    assert first.status_code == during_backoff.status_code == 503
    assert sunat_requests(replica) == 1  # nothing asked while the backoff runs
    assert 0 < int(during_backoff["Retry-After"]) <= 1
    assert throttle.blocked_for() == 0  # not taken for the firewall

    wait_until(lambda: throttle.failing_for() == 0, 2, "the backoff runs out")
    assert client.get(f"/api/ruc/{COMPANY}").status_code == 503  # the probe, reset again
    assert 0.5 < throttle.failing_for() <= 1.0  # the second failure in a row doubles it

    replica.config.mode = "ok"
    wait_until(lambda: throttle.failing_for() == 0, 2, "the backoff runs out")
    assert client.get("/api/ruc/20550263948").status_code == 200
    assert throttle.failing_for() == 0 and cache.get(throttle.FAILING_KEY) is None


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_methods_other_than_get_are_405_json(client, replica, method):
    response = getattr(client, method)(f"/api/ruc/{COMPANY}", data="{bad json", content_type="application/json")

    assert response.status_code == 405
    assert response.json()["error"] == "metodo_no_permitido"
    assert "GET" in response["Allow"]
    assert sunat_requests(replica) == 0


def test_unknown_path_is_404_json(client):
    response = client.get("/api/nada")
    assert response.status_code == 404
    assert response.json()["error"] == "ruta_no_encontrada"


def test_health_reports_cache_and_database(client):
    response = client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["cache"]["ok"] is True and body["cache"]["backend"] in ("redis", "locmem")
    assert body["database"]["ok"] is True
