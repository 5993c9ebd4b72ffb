"""Cache behaviour on both backends, and with a Redis that is configured but down."""

import json
import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from devtools.servers import free_port
from sunat import caching
from sunat.lookups import ruc_cache
from sunat.models import RucRecord

pytestmark = pytest.mark.django_db(transaction=True)  # the scheduler's threads commit lookups

COMPANY = "20573215045"
requires_redis = pytest.mark.skipif(not django_settings.USE_REDIS, reason="runs in the Redis pass of make test")


def dead_redis_caches():
    return {
        "default": {
            "BACKEND": "resilient_cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "OPTIONS": {
                "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
                "SOCKET_CONNECT_TIMEOUT": 0.2,
                "SOCKET_TIMEOUT": 0.2,
                "RETRY_INTERVAL": 0.2,
            },
        }
    }


# Transactional: the answer is stored from the scheduler's threads, on their own connections. A record
# of COMPANY another test's threads committed (PostgreSQL keeps it past that test) would answer HIT.
@pytest.mark.django_db(transaction=True)
def test_lookups_keep_working_from_the_database_when_redis_is_down(client, replica, settings):
    RucRecord.objects.filter(ruc=COMPANY).delete()
    settings.CACHES = dead_redis_caches()

    first = client.get(f"/api/ruc/{COMPANY}")
    second = client.get(f"/api/ruc/{COMPANY}")

    assert first.status_code == second.status_code == 200
    assert first["X-Cache"] == "MISS"
    assert second.json() == first.json()
    assert replica.stats()["queries"] == 1  # the database record answered the second time


def test_health_is_degraded_but_200_when_redis_is_down(client, settings):
    settings.CACHES = dead_redis_caches()

    response = client.get("/health")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    cache = response.json()["cache"]
    assert (cache["backend"], cache["ok"], cache["circuit"]["state"]) == ("redis", False, "open")


def test_status_says_unreachable_when_redis_is_down(settings):
    settings.CACHES = dead_redis_caches()
    assert ruc_cache.status() == {"backend": "redis", "reachable": False}


def test_evict_all_removes_only_ruc_entries(client, replica):
    client.get(f"/api/ruc/{COMPANY}")
    cache.set("otra:clave", "queda", timeout=60)

    assert ruc_cache.evict_all() == 1

    assert ruc_cache.get(COMPANY) is None
    assert cache.get("otra:clave") == "queda"


def test_count_sees_ruc_entries_only(client, replica):
    client.get(f"/api/ruc/{COMPANY}")
    client.get("/api/ruc/20000000001")
    cache.set("otra:clave", 1, timeout=60)
    assert ruc_cache.count() == 2


@requires_redis
def test_redis_holds_readable_json_under_the_documented_key(client, replica):
    from django_redis import get_redis_connection

    client.get(f"/api/ruc/{COMPANY}")

    raw = get_redis_connection("default").get(cache.make_key(f"sunat:ruc:{COMPANY}"))
    assert json.loads(raw)["razonSocial"] == "LEAD WORKING PARTNER SAC"


@requires_redis
def test_redis_entry_carries_the_configured_ttl(client, replica, settings):
    client.get(f"/api/ruc/{COMPANY}")
    assert settings.RUC_CACHE_TTL - 5 <= cache.ttl(f"sunat:ruc:{COMPANY}") <= settings.RUC_CACHE_TTL


@requires_redis
def test_sessions_are_cached_db_with_redis(settings):
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"


@pytest.mark.skipif(django_settings.USE_REDIS, reason="runs in the LocMem pass of make test")
def test_sessions_are_in_the_database_with_locmem(settings):
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def redis_gets() -> int:
    from django_redis import get_redis_connection

    stats = get_redis_connection("default").info("commandstats")
    return stats.get("cmdstat_get", {}).get("calls", 0)


@requires_redis
def test_popular_ruc_is_answered_from_the_process_copy_without_a_redis_round_trip(client, replica, settings):
    settings.RUC_LOCAL_TTL = 5
    client.get(f"/api/ruc/{COMPANY}")
    client.get(f"/api/ruc/{COMPANY}")  # read from Redis once, kept in the process
    before = redis_gets()

    responses = [client.get(f"/api/ruc/{COMPANY}") for _ in range(5)]

    assert {r["X-Cache"] for r in responses} == {"HIT"}
    assert redis_gets() == before


@requires_redis
def test_eviction_in_this_process_drops_its_copy_at_once(client, replica, settings):
    settings.RUC_LOCAL_TTL = 5
    client.get(f"/api/ruc/{COMPANY}")
    assert ruc_cache.get(COMPANY) is not None

    ruc_cache.evict([COMPANY])

    assert ruc_cache.get(COMPANY) is None


@requires_redis
def test_eviction_by_another_process_arrives_within_the_local_ttl(client, replica, settings):
    from django_redis import get_redis_connection

    settings.RUC_LOCAL_TTL = 1
    client.get(f"/api/ruc/{COMPANY}")
    assert ruc_cache.get(COMPANY) is not None
    get_redis_connection("default").delete(cache.make_key(ruc_cache.ruc_key(COMPANY)))  # elsewhere

    assert ruc_cache.get(COMPANY) is not None  # this process's copy, for at most 1 s
    time.sleep(1.1)
    assert ruc_cache.get(COMPANY) is None


def test_locmem_keeps_no_second_copy(client, replica, settings):
    settings.RUC_LOCAL_TTL = 5
    client.get(f"/api/ruc/{COMPANY}")
    assert ruc_cache.get(COMPANY) is not None  # with Redis, this read is kept in the process
    cache.delete(ruc_cache.ruc_key(COMPANY))
    # With Redis the copy still answers; with LocMem the cache is the process's own.
    assert (ruc_cache.get(COMPANY) is None) != caching.uses_redis()


def test_clear_ruc_cache_fails_when_redis_is_down(settings):
    from django.core.management import CommandError, call_command

    settings.CACHES = dead_redis_caches()
    with pytest.raises(CommandError, match="no responde"):
        call_command("clear_ruc_cache")
