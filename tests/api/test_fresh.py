"""?fresh=1, "ask SUNAT now": SUNAT is asked even for an answer within its TTL, at most once a minute per
RUC (and page) for each API key or address, and not while the answer held is SUNAT's from less than a
minute ago; otherwise the answer held, with X-Fresh-Disponible-En."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sunat.clock import api_time
from sunat.keys import services as api_keys
from sunat.lookups import ruc_cache
from sunat.lookups.fresh import FRESH_INTERVAL
from sunat.models import RucRecord

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads

COMPANY = "20573215045"
UNKNOWN = "20000000001"
HEADER = "X-Fresh-Disponible-En"


@pytest.fixture(autouse=True)
def unpaced(settings):
    settings.SUNAT_MIN_INTERVAL = 0


def sunat_requests(replica) -> int:
    return replica.stats()["queries"]


def age(ruc: str, minutes: int = 5, section: str | None = None) -> None:
    """Make the answer held for `ruc` SUNAT's of `minutes` ago: within its TTL, but older than a minute."""
    data = ruc_cache.get(ruc, section)
    ruc_cache.put(ruc, {**data, "actualizadoEn": api_time(timezone.now() - timedelta(minutes=minutes))},
                  section=section)


def key() -> dict:
    _, plain = api_keys.create_key("fresh")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def fresh(client, ruc=COMPANY, path="", **extra):
    return client.get(f"/api/ruc/{ruc}{path}", {"fresh": "1"}, **extra)


def test_fresh_asks_sunat_for_a_cached_answer_once_a_minute_per_key(client, replica):
    first_key, second_key = key(), key()
    client.get(f"/api/ruc/{COMPANY}")
    age(COMPANY)

    assert client.get(f"/api/ruc/{COMPANY}")["X-Cache"] == "HIT"  # without fresh: the cache, as always
    forced = fresh(client, **first_key)
    assert forced.status_code == 200 and forced["X-Cache"] == "MISS" and forced[HEADER] == str(FRESH_INTERVAL)
    assert sunat_requests(replica) == 2
    assert forced.json()["actualizadoEn"] == ruc_cache.get(COMPANY)["actualizadoEn"]  # stored, cached

    age(COMPANY)  # even with an older answer held, this key's minute is not over
    again = fresh(client, **first_key)
    assert again["X-Cache"] == "HIT" and 0 < int(again[HEADER]) <= FRESH_INTERVAL
    assert sunat_requests(replica) == 2

    other = fresh(client, **second_key)  # another key has its own minute
    assert other["X-Cache"] == "MISS"
    assert sunat_requests(replica) == 3


def test_an_answer_sunat_gave_under_a_minute_ago_is_not_asked_again_whoever_forces_it(client, replica):
    client.get(f"/api/ruc/{COMPANY}")  # SUNAT answered just now

    answers = [fresh(client, **key()) for _ in range(20)]  # a flood from many keys

    assert {answer["X-Cache"] for answer in answers} == {"HIT"}
    assert all(0 < int(answer[HEADER]) <= FRESH_INTERVAL for answer in answers)
    assert sunat_requests(replica) == 1


def test_without_a_key_each_address_has_its_own_minute(client, replica):
    client.get(f"/api/ruc/{COMPANY}")
    age(COMPANY)

    assert fresh(client, REMOTE_ADDR="203.0.113.1")["X-Cache"] == "MISS"
    age(COMPANY)
    assert fresh(client, REMOTE_ADDR="203.0.113.1")["X-Cache"] == "HIT"
    assert fresh(client, REMOTE_ADDR="203.0.113.2")["X-Cache"] == "MISS"
    assert sunat_requests(replica) == 3


def test_a_forced_lookup_counts_against_the_key_quota(client, replica):
    _, plain = api_keys.create_key("two a minute", per_minute=2)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    client.get(f"/api/ruc/{COMPANY}")
    age(COMPANY)

    forced = fresh(client, **auth)
    assert forced["X-Cache"] == "MISS" and forced["X-RateLimit-Remaining-Minute"] == "1"
    assert fresh(client, **auth)["X-RateLimit-Remaining-Minute"] == "0"
    assert fresh(client, **auth).status_code == 429
    assert sunat_requests(replica) == 2


def test_a_database_record_within_its_ttl_is_forced_too(client, replica):
    client.get(f"/api/ruc/{COMPANY}")
    record = RucRecord.objects.get(ruc=COMPANY)
    record.fetched_at = timezone.now() - timedelta(hours=1)
    record.data = {**record.data, "actualizadoEn": api_time(record.fetched_at)}
    record.save()
    ruc_cache.evict([COMPANY])  # another process: nothing cached, the record is

    forced = fresh(client)

    assert forced["X-Cache"] == "MISS" and sunat_requests(replica) == 2
    assert RucRecord.objects.get(ruc=COMPANY).fetched_at > timezone.now() - timedelta(minutes=1)


def test_a_section_has_its_own_minute(client, replica):
    client.get(f"/api/ruc/{COMPANY}/representantes")
    age(COMPANY, section="representantes")
    before = replica.stats()["by_accion"].get("getRepLeg", 0)

    assert fresh(client, path="/representantes")["X-Cache"] == "MISS"
    age(COMPANY, section="representantes")
    refused = fresh(client, path="/representantes")
    assert refused["X-Cache"] == "HIT" and int(refused[HEADER]) > 0
    assert replica.stats()["by_accion"]["getRepLeg"] == before + 1
    assert fresh(client)["X-Cache"] == "HIT"  # the ficha was fetched with the section, seconds ago


def test_a_ruc_sunat_said_does_not_exist_is_asked_again(client, replica):
    assert client.get(f"/api/ruc/{UNKNOWN}").status_code == 404
    assert client.get(f"/api/ruc/{UNKNOWN}").status_code == 404  # remembered
    assert sunat_requests(replica) == 1

    assert fresh(client, UNKNOWN).status_code == 404
    assert sunat_requests(replica) == 2
    assert fresh(client, UNKNOWN).status_code == 404  # this client's minute
    assert sunat_requests(replica) == 2


def test_when_sunat_fails_the_answer_held_is_served_stale(client, replica, settings):
    settings.SUNAT_MAX_ATTEMPTS = 1
    first = client.get(f"/api/ruc/{COMPANY}").json()
    age(COMPANY)
    replica.config.mode = "http503"

    failed = fresh(client)

    assert failed.status_code == 200 and failed["X-Cache"] == "STALE" and failed[HEADER] == str(FRESH_INTERVAL)
    assert failed.json()["razonSocial"] == first["razonSocial"]


@pytest.mark.parametrize("value", ["0", "false", ""])
def test_fresh_off_is_the_usual_lookup(client, replica, value):
    client.get(f"/api/ruc/{COMPANY}")
    age(COMPANY)

    response = client.get(f"/api/ruc/{COMPANY}", {"fresh": value})

    assert response["X-Cache"] == "HIT" and HEADER not in response
    assert sunat_requests(replica) == 1


def test_a_dni_is_forced_like_its_ruc(client, replica):
    client.get("/api/dni/12345678")
    age("10123456781")

    response = client.get("/api/dni/12345678?fresh=true")

    assert response["X-Cache"] == "MISS" and response[HEADER] == str(FRESH_INTERVAL)


def test_a_stale_answer_is_forced_once_a_minute_then_served_stale_while_it_refreshes(client, replica):
    client.get(f"/api/ruc/{COMPANY}")

    def make_stale():
        record = RucRecord.objects.get(ruc=COMPANY)
        record.fetched_at = timezone.now() - timedelta(days=8)
        record.data = {**record.data, "actualizadoEn": api_time(record.fetched_at)}
        record.save()
        ruc_cache.evict([COMPANY])

    make_stale()
    assert fresh(client)["X-Cache"] == "MISS"
    make_stale()
    again = fresh(client)
    assert again["X-Cache"] == "STALE" and 0 < int(again[HEADER]) <= FRESH_INTERVAL
    assert sunat_requests(replica) == 2


def test_completo_forces_its_ficha_and_says_when_it_may_again(client, replica):
    client.get(f"/api/ruc/{COMPANY}")
    age(COMPANY)

    forced = client.get(f"/api/ruc/{COMPANY}/completo", {"fresh": "1", "secciones": "representantes"})
    again = client.get(f"/api/ruc/{COMPANY}/completo", {"fresh": "1", "secciones": "representantes"})

    assert forced["X-Cache"] == "MISS" and forced[HEADER] == str(FRESH_INTERVAL)
    assert again["X-Cache"] == "HIT" and 0 < int(again[HEADER]) <= FRESH_INTERVAL
