"""The admin's counts (sunat.monitoring.tally): hits per RUC, each key's requests per day and the
service hour by hour are added up in the process and written in batches, never on a request; on
SQLite and PostgreSQL, and from two gunicorn workers at once."""

import sqlite3
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sunat.keys import services as api_keys
from sunat.models import KeyUsageDay, RucHits, ServiceHour
from sunat.monitoring import tally
from tests.support.padron_files import COMPANY
from tests.watch.test_watch_api import auth

pytestmark = pytest.mark.django_db(transaction=True)


def test_hits_per_ruc_add_up_across_flushes_and_only_answers_count(client, replica):
    for _ in range(3):
        assert client.get(f"/api/ruc/{COMPANY}").status_code == 200
    assert client.get("/api/ruc/20573215046").status_code == 400  # a wrong check digit: not a hit
    tally.flush()
    assert RucHits.objects.get(ruc=COMPANY).hits == 3

    client.get(f"/obtener-ruc/{COMPANY}")
    client.get(f"/api/ruc/{COMPANY}/representantes")
    tally.flush()
    hits = RucHits.objects.get(ruc=COMPANY)
    assert hits.hits == 5 and hits.last_hit_at is not None
    assert RucHits.objects.count() == 1


def test_a_cached_hit_writes_nothing_to_the_database(client, replica):
    client.get(f"/api/ruc/{COMPANY}")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/api/ruc/{COMPANY}")["X-Cache"] == "HIT"
    assert [query["sql"] for query in queries if not query["sql"].lstrip().upper().startswith("SELECT")] == []


def test_each_key_s_requests_are_counted_per_day(client, replica):
    key, plain = api_keys.create_key("ERP")
    other, other_plain = api_keys.create_key("CRM")
    for _ in range(2):
        client.get(f"/api/ruc/{COMPANY}", **auth(plain))
    client.get(f"/api/ruc/{COMPANY}", **auth(other_plain))
    tally.flush()

    today = timezone.localdate()
    assert KeyUsageDay.objects.get(key=key, day=today).requests == 2
    assert KeyUsageDay.objects.get(key=other, day=today).requests == 1


def test_the_hour_counts_cache_answers_and_sunat_attempts(client, replica, settings):
    settings.SUNAT_MAX_ATTEMPTS = 1
    client.get(f"/api/ruc/{COMPANY}")  # MISS: one SUNAT attempt that answered
    client.get(f"/api/ruc/{COMPANY}")  # HIT
    replica.config.mode = "http503"
    client.get("/api/ruc/20146806679")  # SUNAT failed (an HTTP 503: not a refusal, which walks the flows)
    tally.flush()

    (hour,) = ServiceHour.objects.all()
    assert (hour.hits, hour.misses, hour.stale, hour.sunat_ok, hour.sunat_failed) == (1, 1, 0, 1, 1)
    assert hour.hour.minute == 0 and hour.hour.second == 0


def test_a_flush_that_cannot_write_keeps_its_counts_for_the_next(client, replica, caplog):
    client.get(f"/api/ruc/{COMPANY}")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE sunat_ruchits RENAME TO away_ruchits")
    try:
        tally.flush()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE away_ruchits RENAME TO sunat_ruchits")
    assert "could not write the usage counts" in caplog.text
    client.get(f"/api/ruc/{COMPANY}")
    tally.flush()
    assert RucHits.objects.get(ruc=COMPANY).hits == 2


def test_counts_kept_through_an_outage_are_bounded(monkeypatch):
    monkeypatch.setattr(tally, "MAX_RUCS", 3)
    hits = Counter({f"2010000000{n}": n + 1 for n in range(5)})
    lost = tally._put_back(hits, {ruc: 1.0 for ruc in hits}, Counter(), Counter())

    kept, _, _, _ = tally.discard()
    assert lost == 2 and set(kept) == {"20100000004", "20100000003", "20100000002"}  # the most hit stay


def deployment(tmp_path, replica, flush_seconds: int):
    """Production settings on a migrated SQLite file: (the environment, the file)."""
    from devtools.deployments import manage, production_env

    database = tmp_path / "db.sqlite3"
    env = production_env(f"sqlite:///{database}", SUNAT_BASE_URL=replica.url, TALLY_FLUSH_SECONDS=str(flush_seconds))
    assert manage(env, "migrate", "--noinput").returncode == 0
    return env, database


def stored_hits(database) -> int:
    with sqlite3.connect(database) as db:
        row = db.execute("SELECT hits FROM sunat_ruchits WHERE ruc = ?", (COMPANY,)).fetchone()
    return row[0] if row else 0


@pytest.mark.standalone
@pytest.mark.servers
def test_two_gunicorn_workers_counts_add_up_in_the_database(tmp_path, replica):
    from devtools.servers import gunicorn_server, wait_until

    env, database = deployment(tmp_path, replica, flush_seconds=1)
    with gunicorn_server(env, workers=2) as web:
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: requests.get(f"{web.url}/api/ruc/{COMPANY}", timeout=30).status_code,
                                     range(200)))
        assert statuses == [200] * 200
        wait_until(lambda: stored_hits(database) == 200, timeout=15, what="both workers' counts written")


@pytest.mark.standalone
@pytest.mark.servers
def test_a_stopping_worker_writes_its_last_counts(tmp_path, replica):
    from devtools.servers import gunicorn_server

    env, database = deployment(tmp_path, replica, flush_seconds=3600)
    with gunicorn_server(env, workers=1) as web:
        for _ in range(5):
            assert requests.get(f"{web.url}/api/ruc/{COMPANY}", timeout=30).status_code == 200
    # Stopped (SIGTERM) long before its first flush: worker_exit wrote them.
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT hits FROM sunat_ruchits WHERE ruc = ?", (COMPANY,)).fetchone() == (5,)
