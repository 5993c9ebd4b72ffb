"""What a key's answers say of its quotas: every answer the limits, what is left and when each starts
again (X-RateLimit-*); a 429 which quota ran out, in Spanish, with Retry-After, and never a shared cache
that is not there."""

import pytest
from django.conf import settings as django_settings

from sunat.keys import services as api_keys
from tests.resilient_cache.test_cache_backends import dead_redis_caches

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads

COMPANY = "20573215045"
OTHERS = ["20100070970", "20131312955", "20550263948"]
PERIODS = {"Minute": 60, "Day": 24 * 3600}


def bearer(plain: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def limits(response) -> dict:
    return {f"{what}-{period}": int(response[f"X-RateLimit-{what}-{period}"])
            for period in PERIODS for what in ("Limit", "Remaining", "Reset")}


def test_every_answer_to_a_key_says_its_limits_what_is_left_and_when_each_starts_again(client, replica):
    _, plain = api_keys.create_key("ERP", per_minute=7, per_day=50)

    served = limits(client.get(f"/api/ruc/{COMPANY}", **bearer(plain)))
    refused = limits(client.get("/api/ruc/123", **bearer(plain)))  # a 400 counts, and says so too

    assert (served["Limit-Minute"], served["Remaining-Minute"]) == (7, 6)
    assert (served["Limit-Day"], served["Remaining-Day"]) == (50, 49)
    assert (refused["Remaining-Minute"], refused["Remaining-Day"]) == (5, 48)
    for period, longest in PERIODS.items():
        assert 1 <= served[f"Reset-{period}"] <= longest
    assert "X-RateLimit-Limit-Minute" not in client.get(f"/api/ruc/{COMPANY}")  # no key, no quota


def test_minute_quota_429_says_it_was_the_minute_and_when_it_starts_again(client, replica):
    _, plain = api_keys.create_key("ERP", per_minute=2, per_day=100)
    for _ in range(2):
        client.get(f"/api/ruc/{COMPANY}", **bearer(plain))

    refused = client.get(f"/api/ruc/{COMPANY}", **bearer(plain))

    body, said = refused.json(), limits(refused)
    assert refused.status_code == 429 and body["error"] == "cuota_excedida"
    assert "cuota por minuto" in body["detail"] and "2 solicitudes por minuto" in body["detail"]
    assert f"Se renueva en {refused['Retry-After']} s." in body["detail"]
    assert "caché" not in body["detail"]  # LocMem or Redis that answers: nothing shared is failing
    assert said["Remaining-Minute"] == 0 and said["Remaining-Day"] == 98 and said["Limit-Minute"] == 2
    assert abs(int(refused["Retry-After"]) - said["Reset-Minute"]) <= 1  # computed a moment apart


def test_day_quota_429_says_it_was_the_day_and_lima_midnight(client, replica):
    _, plain = api_keys.create_key("ERP", per_minute=100, per_day=1)
    client.get(f"/api/ruc/{COMPANY}", **bearer(plain))

    refused = client.get(f"/api/ruc/{COMPANY}", **bearer(plain))

    detail, said = refused.json()["detail"], limits(refused)
    assert refused.status_code == 429 and "cuota diaria" in detail and "medianoche en Lima" in detail
    assert said["Remaining-Day"] == 0 and said["Remaining-Minute"] == 99
    assert abs(int(refused["Retry-After"]) - said["Reset-Day"]) <= 1


def test_a_batch_over_quota_says_how_many_it_asked_and_how_many_are_left(client, replica):
    _, plain = api_keys.create_key("ERP", per_minute=3)
    client.get(f"/api/ruc/{COMPANY}", **bearer(plain))

    refused = client.post("/api/ruc/lote", {"rucs": [COMPANY, *OTHERS]}, content_type="application/json",
                          **bearer(plain))

    assert refused.status_code == 429
    assert "El lote de 4 RUC excede la cuota por minuto" in refused.json()["detail"]
    assert "quedan 2" in refused.json()["detail"]
    assert limits(refused)["Remaining-Minute"] == 2  # the refused batch cost nothing
    assert replica.stats()["by_ruc"].get(OTHERS[0], 0) == 0


@pytest.mark.skipif(django_settings.USE_REDIS, reason="with Redis the counters are shared")
def test_without_shared_counters_the_429_says_each_process_admits_its_share_not_that_a_cache_fails(
        client, replica, settings):
    settings.WEB_PROCESSES = 2
    _, plain = api_keys.create_key("ERP", per_minute=4)
    for _ in range(2):
        assert client.get(f"/api/ruc/{COMPANY}", **bearer(plain)).status_code == 200

    refused = client.get(f"/api/ruc/{COMPANY}", **bearer(plain))

    detail = refused.json()["detail"]
    assert refused.status_code == 429 and limits(refused)["Limit-Minute"] == 2
    assert "no comparte los contadores entre sus 2 procesos" in detail and "(4 solicitudes por minuto)" in detail
    assert "no responde" not in detail


def test_with_redis_configured_but_down_the_429_says_the_shared_cache_does_not_answer(client, replica, settings):
    settings.CACHES = dead_redis_caches()
    settings.WEB_PROCESSES = 2
    _, plain = api_keys.create_key("ERP", per_minute=4)
    for _ in range(2):
        assert client.get(f"/api/ruc/{COMPANY}", **bearer(plain)).status_code == 200

    refused = client.get(f"/api/ruc/{COMPANY}", **bearer(plain))

    assert refused.status_code == 429
    assert "Mientras el caché compartido no responde" in refused.json()["detail"]
