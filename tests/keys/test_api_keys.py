"""API keys: issued in the admin (shown once, stored hashed), revoked there, checked on every
API path, with per-minute and per-day quotas counted in the cache."""

import hashlib
import re
import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from sunat.keys import services as api_keys
from sunat.models import ApiKey

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads

COMPANY = "20573215045"
requires_redis = pytest.mark.skipif(not django_settings.USE_REDIS, reason="runs in the Redis pass of make test")


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_created_key_is_stored_only_as_its_hash():
    key, plain = api_keys.create_key("ERP del cliente")

    assert re.fullmatch(r"rk_[0-9a-f]{8}_[A-Za-z0-9_-]{40,}", plain)
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.key_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in {str(value) for value in ApiKey.objects.values().get(pk=key.pk).values()}


def test_a_valid_key_is_served(client, replica):
    _, plain = api_keys.create_key("ERP")

    response = client.get(f"/api/ruc/{COMPANY}", **bearer(plain))

    assert response.status_code == 200 and response.json()["ruc"] == COMPANY
    assert response["X-RateLimit-Remaining-Minute"] == "59"


def test_without_a_key_the_api_is_open_unless_keys_are_required(client, replica, settings):
    assert client.get(f"/api/ruc/{COMPANY}").status_code == 200

    settings.API_KEYS_REQUIRED = True
    response = client.get(f"/api/ruc/{COMPANY}")

    assert response.status_code == 401
    assert response.json()["error"] == "api_key_requerida" and "Authorization" in response.json()["detail"]
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("header", [
    "Bearer rk_00000000_nope", "Bearer nothing", "Basic dXNlcjpwYXNz", "Bearer ", "rk_00000000_x",
])
def test_an_unknown_or_malformed_key_is_401_even_when_keys_are_optional(client, replica, header):
    api_keys.create_key("ERP")

    response = client.get(f"/api/ruc/{COMPANY}", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401 and response.json()["error"] == "api_key_invalida"
    assert replica.stats()["queries"] == 0


def test_a_key_with_the_right_prefix_and_a_wrong_secret_is_refused(client, replica):
    _, plain = api_keys.create_key("ERP")

    response = client.get(f"/api/ruc/{COMPANY}", **bearer(plain[:-4] + "AAAA"))

    assert response.status_code == 401


def test_a_revoked_key_is_refused_at_once(client, replica):
    key, plain = api_keys.create_key("ERP")
    assert client.get(f"/api/ruc/{COMPANY}", **bearer(plain)).status_code == 200  # its row is now cached

    api_keys.revoke(key)

    assert client.get(f"/api/ruc/{COMPANY}", **bearer(plain)).status_code == 401
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None


def test_admin_action_revokes(admin_client, client, replica):
    key, plain = api_keys.create_key("ERP")

    # The action asks first (revoking is final: tests/admin/test_admin_permissions.py); "post" is the yes.
    admin_client.post("/admin/sunat/apikey/", {"action": "revoke", "_selected_action": [key.pk], "post": "yes"})

    assert client.get(f"/api/ruc/{COMPANY}", **bearer(plain)).status_code == 401


def test_per_minute_quota_is_429_with_retry_after_and_json(client, replica):
    _, plain = api_keys.create_key("ERP", per_minute=3)
    answers = [client.get(f"/api/ruc/{COMPANY}", **bearer(plain)) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json()["error"] == "cuota_excedida" and "3 solicitudes por minuto" in refused.json()["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert [a["X-RateLimit-Remaining-Minute"] for a in answers[:3]] == ["2", "1", "0"]


def test_per_day_quota_is_429_until_lima_midnight(client, replica):
    _, plain = api_keys.create_key("ERP", per_minute=100, per_day=2)
    answers = [client.get(f"/api/ruc/{COMPANY}", **bearer(plain)) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "2 solicitudes por día" in answers[-1].json()["detail"]
    assert 1 <= int(answers[-1]["Retry-After"]) <= 24 * 3600


def test_refused_requests_do_not_use_up_the_quota(client, replica):
    key, plain = api_keys.create_key("ERP", per_minute=2)
    for _ in range(5):
        client.get(f"/api/ruc/{COMPANY}", **bearer(plain))

    assert api_keys.usage(key.prefix).minute == 2


def test_counters_not_shared_between_processes_admit_each_process_its_share(client, replica, settings):
    """With LocMem each of the WEB_PROCESSES (gunicorn workers) counts on its own: each admits
    quota / processes, so that together they never pass the quota. Redis counters are shared."""
    settings.WEB_PROCESSES = 2
    _, plain = api_keys.create_key("ERP", per_minute=5)
    answers = [client.get(f"/api/ruc/{COMPANY}", **bearer(plain)) for _ in range(6)]

    admitted = 5 if django_settings.USE_REDIS else 3  # ceil(5 / 2)
    assert [a.status_code for a in answers] == [200] * admitted + [429] * (6 - admitted)
    assert answers[admitted - 1]["X-RateLimit-Remaining-Minute"] == "0"
    detail = answers[-1].json()["detail"]
    assert "5 solicitudes por minuto" in detail
    assert ("su parte de la cuota" in detail) is (not django_settings.USE_REDIS)


@requires_redis
def test_with_redis_both_counters_are_in_redis_with_their_expiry(client, replica):
    from django_redis import get_redis_connection

    key, plain = api_keys.create_key("ERP")
    for _ in range(3):
        client.get(f"/api/ruc/{COMPANY}", **bearer(plain))

    redis = get_redis_connection("default")
    counters = {k.decode(): int(redis.get(k)) for k in redis.scan_iter(f"*sunat:quota:{key.prefix}:*")}
    assert sorted(counters.values()) == [3, 3]  # every worker counts in the same place
    assert {0 < redis.ttl(k) <= 2 * 24 * 3600 for k in counters} == {True}
    assert api_keys.usage(key.prefix) == api_keys.Usage(minute=3, day=3)  # what the admin shows


@requires_redis
def test_with_redis_a_revocation_elsewhere_reaches_a_worker_within_the_local_ttl(client, replica, settings):
    from django_redis import get_redis_connection

    settings.RUC_LOCAL_TTL = 1
    key, plain = api_keys.create_key("ERP")
    for _ in range(2):  # the first reads the database, the second reads Redis and keeps the row here
        assert client.get(f"/api/ruc/{COMPANY}", **bearer(plain)).status_code == 200
    # What revoke() does in another process: the row, then the shared cached copy.
    ApiKey.objects.filter(pk=key.pk).update(revoked_at="2026-01-01T00:00:00Z")
    get_redis_connection("default").delete(cache.make_key(f"sunat:apikey:{key.prefix}"))

    assert client.get(f"/api/ruc/{COMPANY}", **bearer(plain)).status_code == 200  # this worker's copy
    time.sleep(1.1)
    assert client.get(f"/api/ruc/{COMPANY}", **bearer(plain)).status_code == 401


def test_quotas_are_per_key(client, replica):
    _, first = api_keys.create_key("A", per_minute=1)
    _, second = api_keys.create_key("B", per_minute=1)

    assert client.get(f"/api/ruc/{COMPANY}", **bearer(first)).status_code == 200
    assert client.get(f"/api/ruc/{COMPANY}", **bearer(first)).status_code == 429
    assert client.get(f"/api/ruc/{COMPANY}", **bearer(second)).status_code == 200


def test_a_quota_change_in_the_admin_applies_at_once(admin_client, client, replica):
    key, plain = api_keys.create_key("ERP", per_minute=1)
    client.get(f"/api/ruc/{COMPANY}", **bearer(plain))

    admin_client.post(f"/admin/sunat/apikey/{key.pk}/change/", {"name": "ERP", "per_minute": 10, "per_day": 100, "watch_limit": 1000})

    assert client.get(f"/api/ruc/{COMPANY}", **bearer(plain)).status_code == 200


@pytest.mark.django_db(transaction=True)  # the batch's lookups run in other threads
def test_a_batch_costs_one_request_per_distinct_ruc(client, replica):
    key, plain = api_keys.create_key("ERP", per_minute=2)

    over = client.post("/api/ruc/lote", {"rucs": [COMPANY, "20100070970", "20131312955", COMPANY]},
                       content_type="application/json", **bearer(plain))
    within = client.post("/api/ruc/lote", {"rucs": [COMPANY, COMPANY]}, content_type="application/json",
                         **bearer(plain))

    assert over.status_code == 429 and over.json()["error"] == "cuota_excedida"
    assert within.status_code == 200
    assert replica.stats()["by_ruc"].get("20100070970", 0) == 0  # refused before any lookup


@pytest.mark.django_db(transaction=True)  # the batch's lookups run in other threads
def test_a_refused_batch_costs_nothing_and_a_served_one_says_what_is_left(client, replica):
    key, plain = api_keys.create_key("ERP", per_minute=5)

    refused = client.post("/api/ruc/lote", {"rucs": [COMPANY, "20100070970", "20131312955", "20550263948",
                                                      "20146806679", "20440374248"]},
                          content_type="application/json", **bearer(plain))
    served = client.post("/api/ruc/lote", {"rucs": [COMPANY, "20100070970"]}, content_type="application/json",
                         **bearer(plain))

    assert refused.status_code == 429
    assert served.status_code == 200
    assert served["X-RateLimit-Remaining-Minute"] == "3"  # 5, less the served batch's two; none for the refused
    assert api_keys.usage(key.prefix).minute == 2
    _, other = api_keys.create_key("CRM", per_minute=5)
    three = client.post("/api/ruc/lote", {"rucs": [COMPANY, "20100070970", "20550263948"]},
                        content_type="application/json", **bearer(other))
    assert three["X-RateLimit-Remaining-Minute"] == "2"  # after its three items, not after the first one


def test_admin_shows_each_keys_use(admin_client, client, replica):
    key, plain = api_keys.create_key("ERP")
    for _ in range(3):
        client.get(f"/api/ruc/{COMPANY}", **bearer(plain))

    page = admin_client.get("/admin/sunat/apikey/").content.decode()

    assert "ERP" in page and f"rk_{key.prefix}_" in page
    assert api_keys.usage(key.prefix).day == 3
    assert ApiKey.objects.get(pk=key.pk).last_used_at is not None


@pytest.mark.parametrize("path", ["/health", "/admin/login/"])
def test_paths_outside_the_api_need_no_key(client, settings, path):
    settings.API_KEYS_REQUIRED = True

    assert client.get(path).status_code in (200, 302)


@pytest.mark.parametrize("path", [
    f"/obtener-ruc/{COMPANY}", "/api/buscar?q=abc", "/api/dni/12345678", f"/api/ruc/{COMPANY}/representantes",
])
def test_every_api_path_needs_the_key_when_required(client, settings, path):
    settings.API_KEYS_REQUIRED = True

    assert client.get(path).status_code == 401
