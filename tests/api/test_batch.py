"""Batch lookups (sunat.lookups.batch) against the local SUNAT replica: folding, errors, deadline, single flight."""

import threading
import time
from itertools import pairwise

import pytest

from devtools.replica import make_ruc
from devtools.servers import wait_until
from sunat.lookups import ruc_cache, services
from sunat.lookups.batch import MAX_RUCS, InvalidBatch, lookup_many

# Pool threads read and write the database: they must see committed rows, and what they
# commit must be flushed after each test.
pytestmark = pytest.mark.django_db(transaction=True)

COMPANY = "20573215045"
UNKNOWN = "20000000001"  # valid check digit, unknown to the replica's SUNAT
BAD_CHECK_DIGIT = "20573215046"


@pytest.fixture(autouse=True)
def no_pacing(settings):
    settings.SUNAT_MIN_INTERVAL = 0


def cold_rucs(prefix: str, count: int) -> list[str]:
    """Valid RUCs the replica answers with a generated page, never looked up before."""
    return [make_ruc(f"{prefix}{n:06d}") for n in range(count)]


def wait_cached(rucs) -> None:
    """Wait for lookups left running by a batch: they are done once their answer is cached."""
    wait_until(lambda: all(ruc_cache.get(ruc) is not None for ruc in rucs), timeout=15, what="lookups cached")


def test_mixed_batch_answers_each_item_in_input_order(replica):
    warm = services.lookup_ruc(COMPANY).data
    cold = make_ruc("2060000000")

    answer = lookup_many([COMPANY, cold, BAD_CHECK_DIGIT, 12345, f" {COMPANY} ", UNKNOWN], timeout=10)

    results = answer["resultados"]
    assert list(results) == [COMPANY, cold, BAD_CHECK_DIGIT, "12345", UNKNOWN]
    assert results[COMPANY] == {"estado": "ok", "cache": "HIT", "datos": warm}
    assert results[cold]["estado"] == "ok" and results[cold]["cache"] == "MISS"
    assert results[cold]["datos"]["ruc"] == cold
    assert results[BAD_CHECK_DIGIT] == {"estado": "error", "error": "ruc_invalido",
                                        "detail": "El dígito verificador del RUC no es correcto."}
    assert results["12345"] == {"estado": "error", "error": "ruc_invalido",
                                "detail": "El RUC debe ser un texto de 11 dígitos."}
    assert results[UNKNOWN] == {"estado": "error", "error": "ruc_no_encontrado",
                                "detail": "SUNAT no tiene registrado este RUC."}
    assert answer["resumen"] == {"total": 5, "ok": 2, "error": 3, "pendiente": 0}
    # The warm-up, then the cold and the unknown RUC once each; invalid items never reach SUNAT.
    assert replica.stats()["by_ruc"] == {COMPANY: 1, cold: 1, UNKNOWN: 1}


def test_batch_answers_are_the_data_of_single_lookups(replica):
    rucs = [COMPANY, "20146806679", "10123456781"]

    answer = lookup_many(rucs, timeout=10)

    for ruc in rucs:
        single = services.lookup_ruc(ruc)
        assert single.cache_status == "HIT"
        assert answer["resultados"][ruc]["datos"] == single.data
    assert lookup_many(rucs, timeout=10)["resultados"] == {
        ruc: {"estado": "ok", "cache": "HIT", "datos": services.lookup_ruc(ruc).data} for ruc in rucs
    }
    assert replica.stats()["queries"] == 3


def test_cached_rucs_are_answered_without_waiting_for_the_pool(replica):
    services.lookup_ruc(COMPANY)
    replica.config.latency = 0.5  # any RUC sent to the pool is pending at once

    answer = lookup_many([COMPANY, UNKNOWN], timeout=0)

    assert answer["resultados"][COMPANY]["estado"] == "ok"
    assert answer["resultados"][UNKNOWN]["estado"] == "pendiente"
    wait_until(lambda: ruc_cache.is_not_found(ruc_cache.get(UNKNOWN)), timeout=15, what="unknown RUC cached")


@pytest.mark.parametrize("value", [COMPANY, {"rucs": [COMPANY]}, None, 20573215045])
def test_rucs_that_are_not_a_list_are_rejected(replica, value):
    with pytest.raises(InvalidBatch) as raised:
        lookup_many(value, timeout=10)
    assert raised.value.code == "parametro_invalido"
    assert raised.value.detail == "El campo rucs debe ser una lista de RUC."


def test_empty_list_is_rejected(replica):
    with pytest.raises(InvalidBatch) as raised:
        lookup_many([], timeout=10)
    assert raised.value.code == "parametro_invalido" and raised.value.detail


def test_more_than_max_distinct_rucs_is_rejected_before_any_lookup(replica):
    rucs = cold_rucs("2061", MAX_RUCS + 1)

    with pytest.raises(InvalidBatch) as raised:
        lookup_many(rucs, timeout=10)

    assert (raised.value.code, raised.value.detail) == ("demasiados_rucs", "Se admiten hasta 100 RUC por lote.")
    assert replica.stats()["queries"] == 0


def test_limit_counts_rucs_after_folding_duplicates(replica):
    answer = lookup_many([COMPANY, f"{COMPANY} "] * MAX_RUCS, timeout=10)
    assert answer["resumen"] == {"total": 1, "ok": 1, "error": 0, "pendiente": 0}

    invalid = [f"x{n}" for n in range(MAX_RUCS)]
    answer = lookup_many(invalid, timeout=10)
    assert list(answer["resultados"]) == invalid
    assert answer["resumen"] == {"total": MAX_RUCS, "ok": 0, "error": MAX_RUCS, "pendiente": 0}
    assert replica.stats()["queries"] == 1


def test_long_junk_is_keyed_by_its_first_64_characters(replica):
    answer = lookup_many(["9" * 5000], timeout=10)
    assert answer["resultados"] == {"9" * 64: {"estado": "error", "error": "ruc_invalido",
                                               "detail": "El RUC debe tener exactamente 11 dígitos (0-9)."}}


def test_item_that_is_not_valid_unicode_is_an_invalid_ruc_keyed_by_its_escape(replica):
    answer = lookup_many(["\ud800", "\udcff1"], timeout=10)

    assert list(answer["resultados"]) == ["\\ud800", "\\udcff1"]
    assert {entry["error"] for entry in answer["resultados"].values()} == {"ruc_invalido"}
    assert replica.stats()["queries"] == 0


def test_endpoint_answers_an_item_with_a_lone_surrogate_as_invalid(client, replica):
    response = client.post("/api/ruc/lote", '{"rucs": ["\\ud800"]}', content_type="application/json")

    assert response.status_code == 200
    assert response.json()["resultados"]["\\ud800"]["error"] == "ruc_invalido"


def test_sunat_failing_half_way_fails_only_those_rucs(replica, settings):
    settings.SUNAT_MAX_ATTEMPTS = 1  # each failed request is one failed RUC
    # Another thread's failure resets the shared SUNAT session; without the cookie check that
    # cannot fail a request in flight as well, so exactly `fail_next` RUCs fail.
    replica.config.require_cookie = False
    # An HTTP 503 fails the request; an error page would be a refusal of the flow, and the next one answers.
    replica.config.update(mode="http503", fail_next=3)
    rucs = cold_rucs("2062", 6)

    answer = lookup_many(rucs, timeout=10)

    entries = answer["resultados"].values()
    failed = [entry for entry in entries if entry["estado"] == "error"]
    assert answer["resumen"] == {"total": 6, "ok": 3, "error": 3, "pendiente": 0}
    assert all(entry["error"] == "sunat_no_disponible" and entry["reintentarEn"] > 0 for entry in failed)
    assert all(entry["cache"] == "MISS" for entry in entries if entry["estado"] == "ok")
    assert replica.stats()["by_ruc"] == {ruc: 1 for ruc in rucs}


def test_an_unexpected_error_is_reported_for_its_items_only(replica, settings):
    services.lookup_ruc(COMPANY)
    cold = make_ruc("2063000000")
    settings.SUNAT_CLIENT = "no-such-client"  # ImproperlyConfigured: not a lookup error

    answer = lookup_many([COMPANY, cold], timeout=10)

    assert answer["resultados"][COMPANY]["estado"] == "ok"
    assert answer["resultados"][cold] == {"estado": "error", "error": "error_interno",
                                          "detail": "Error interno del servicio."}


@pytest.mark.slow
def test_slow_sunat_leaves_items_pending_within_the_timeout_and_a_retry_finds_them_cached(replica):
    services.lookup_ruc(COMPANY)
    # More cold RUCs than pool workers: some are still queued at the deadline.
    cold = cold_rucs("2064", 6)
    replica.config.latency = 0.8
    timeout = 0.3

    started = time.monotonic()
    first = lookup_many([COMPANY, *cold], timeout=timeout)
    elapsed = time.monotonic() - started
    retry = lookup_many([COMPANY, *cold], timeout=0)  # while they still run: no second request

    assert elapsed < timeout + 0.5, elapsed
    for answer in (first, retry):
        assert answer["resultados"][COMPANY]["cache"] == "HIT"
        assert answer["resumen"] == {"total": 7, "ok": 1, "error": 0, "pendiente": 6}
        assert answer["resultados"][cold[0]] == {
            "estado": "pendiente", "detail": "La consulta a SUNAT sigue en curso; reintente en unos segundos.",
            "reintentarEn": 5,
        }

    wait_cached(cold)
    last = lookup_many([COMPANY, *cold], timeout=timeout)

    assert {entry["cache"] for entry in last["resultados"].values()} == {"HIT"}
    assert last["resumen"]["ok"] == 7
    assert replica.stats()["by_ruc"] == {ruc: 1 for ruc in [COMPANY, *cold]}


@pytest.mark.slow
def test_concurrent_batches_of_the_same_cold_rucs_ask_sunat_once_per_ruc(replica):
    rucs = cold_rucs("2065", 20)
    replica.config.latency = 0.05
    answers = []
    start = threading.Barrier(2)

    def run():
        start.wait()
        answers.append(lookup_many(rucs, timeout=15))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [answer["resumen"]["ok"] for answer in answers] == [20, 20]
    assert replica.stats()["by_ruc"] == {ruc: 1 for ruc in rucs}


def test_batch_requests_to_sunat_are_paced(replica, settings):
    interval = 0.2
    settings.SUNAT_MIN_INTERVAL = interval
    rucs = cold_rucs("2066", 4)

    answer = lookup_many(rucs, timeout=10)

    assert answer["resumen"]["ok"] == 4
    arrivals = sorted(at for at, _ in replica.stats()["lookups"])
    gaps = [b - a for a, b in pairwise(arrivals)]
    assert len(arrivals) == 4 and min(gaps) >= interval * 0.9, gaps



# POST /api/ruc/lote -------------------------------------------------------------------------

def post_batch(client, body, **extra):
    return client.post("/api/ruc/lote", body, content_type="application/json", **extra)


def test_endpoint_answers_the_batch_as_json(client, replica):
    cold = make_ruc("2061000000")

    response = post_batch(client, {"rucs": [COMPANY, cold, BAD_CHECK_DIGIT]})

    assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert list(body["resultados"]) == [COMPANY, cold, BAD_CHECK_DIGIT]
    assert body["resultados"][COMPANY]["datos"] == client.get(f"/api/ruc/{COMPANY}").json()
    assert body["resumen"] == {"total": 3, "ok": 2, "error": 1, "pendiente": 0}


@pytest.mark.slow
def test_endpoint_never_hangs_past_lote_timeout(client, replica, settings):
    settings.LOTE_TIMEOUT = 0.3
    replica.config.latency = 1.0
    rucs = cold_rucs("2062", 3)

    started = time.monotonic()
    response = post_batch(client, {"rucs": rucs})

    assert time.monotonic() - started < 0.3 + 0.5
    assert response.status_code == 200
    assert {entry["estado"] for entry in response.json()["resultados"].values()} == {"pendiente"}
    wait_cached(rucs)


@pytest.mark.parametrize("body, code", [
    ("not json", "json_invalido"),
    ("", "parametro_invalido"),
    ('["20573215045"]', "parametro_invalido"),
    ('{"ruc": ["20573215045"]}', "parametro_invalido"),
    ('{"rucs": "20573215045"}', "parametro_invalido"),
    ('{"rucs": []}', "parametro_invalido"),
    ("\xff\xfe", "json_invalido"),
    ("[" * 100_000 + "]" * 100_000, "json_invalido"),  # json.loads' RecursionError: a 500 once
    # Items that are not strings, as the schema says (they were answered 200, each a ruc_invalido).
    ('{"rucs": [20573215045]}', "parametro_invalido"),
    ('{"rucs": ["20573215045", null]}', "parametro_invalido"),
    ('{"rucs": [{}]}', "parametro_invalido"),
    ('{"rucs": [["20573215045"]]}', "parametro_invalido"),
    ('{"rucs": [true]}', "parametro_invalido"),
    ('{"rucs": [' + "0," * 200_000 + '"20573215045"]}', "parametro_invalido"),
    # More than 100 items, even when they fold into fewer RUCs: the schema's maxItems.
    ('{"rucs": [' + '"20573215045",' * 100 + '"20573215045"]}', "demasiados_rucs"),
])
def test_endpoint_refuses_a_body_that_is_not_a_batch_with_400_json(client, replica, body, code):
    response = client.generic("POST", "/api/ruc/lote", body.encode("latin-1"), content_type="application/json")

    assert response.status_code == 400 and response.json()["error"] == code
    assert replica.stats()["queries"] == 0


def test_endpoint_refuses_more_than_100_rucs(client, replica):
    response = post_batch(client, {"rucs": cold_rucs("2063", MAX_RUCS + 1)})

    assert response.status_code == 400 and response.json()["error"] == "demasiados_rucs"
    assert replica.stats()["queries"] == 0


def test_endpoint_only_answers_post(client, replica):
    response = client.get("/api/ruc/lote")

    assert response.status_code == 405 and response["Allow"] == "POST"
    assert response.json()["error"] == "metodo_no_permitido"
