"""Fault injection on loopback: gunicorn (2 workers, production settings) under concurrent load
while redis-server dies or freezes and SUNAT's replica is slow, failing or rejecting us."""

import contextlib
import os
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import pytest
import requests

from devtools.deployments import create_database, manage, production_env
from devtools.replica import make_ruc
from devtools.servers import gunicorn_server, postgres_server, redis_server, wait_until

# Does not use the database or cache that `make test` varies: run once, in the first pass.
pytestmark = [pytest.mark.standalone, pytest.mark.servers]

CACHED = ["20573215045", "20146806679", "20440374248", "20550263948", "10123456781"]
_databases = iter(range(1000))


@pytest.fixture(scope="module")
def postgres():
    with postgres_server() as server:
        yield server


@pytest.fixture
def start_service(postgres, replica):
    """Start the service against the replica: start_service(redis=None, **env) -> (base URL, env)."""
    with contextlib.ExitStack() as stack:

        def start(redis=None, **extra):
            settings = {"SUNAT_BASE_URL": replica.url, "SUNAT_TIMEOUT": "2", "REDIS_RETRY_INTERVAL": "0.5", **extra}
            env = production_env(create_database(postgres.url, f"resilience_{next(_databases)}_{os.getpid()}"),
                                 **settings)
            if redis is not None:
                env.update(USE_REDIS="True", REDIS_URL=redis.url)
            assert manage(env, "migrate", "--noinput").returncode == 0
            return stack.enter_context(gunicorn_server(env, workers=2)).url, env

        yield start


class Load:
    """Concurrent lookups in the background until stopped; every answer is recorded."""

    def __init__(self, base_url: str, cached: list[str], uncached_prefix: str = "2068"):
        self.base_url, self.cached = base_url, cached
        self.results: list[tuple[str, int, str]] = []  # (kind, status, X-Cache)
        self._stop = threading.Event()
        self._uncached = (make_ruc(f"{uncached_prefix}{n:06d}") for n in range(1_000_000))
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(6)]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _run(self, index: int) -> None:
        with requests.Session() as session:
            n = 0
            while not self._stop.is_set():
                n += 1
                if index == 0 and n % 4 == 0:  # one thread in four lookups asks for new RUCs
                    with self._lock:
                        kind, ruc = "uncached", next(self._uncached)
                else:
                    kind, ruc = "cached", self.cached[(index + n) % len(self.cached)]
                try:
                    response = session.get(f"{self.base_url}/api/ruc/{ruc}", timeout=30)
                    outcome = (kind, response.status_code, response.headers.get("X-Cache", ""))
                except requests.RequestException as exc:
                    outcome = (kind, 0, type(exc).__name__)
                with self._lock:
                    self.results.append(outcome)

    def statuses(self, kind: str) -> Counter:
        with self._lock:
            return Counter(status for k, status, _ in self.results if k == kind)


def warm(base_url: str, rucs: list[str]) -> None:
    for ruc in rucs:
        assert requests.get(f"{base_url}/api/ruc/{ruc}", timeout=30).status_code == 200


def health(base_url: str) -> dict:
    return requests.get(f"{base_url}/health", timeout=10).json()


def test_redis_killed_then_restarted_under_load(start_service):
    with redis_server() as redis:
        port = redis.port
        base_url, _ = start_service(redis)
        warm(base_url, CACHED)
        with Load(base_url, CACHED) as load:
            time.sleep(1)
            redis.process.kill()
            redis.process.wait()
            wait_until(lambda: health(base_url)["cache"]["circuit"]["state"] == "open", 10, "circuit opens")
            time.sleep(2)
            assert health(base_url)["status"] == "degraded"
            with redis_server(port=port) as restarted:
                # REDIS_RETRY_INTERVAL is 0.5 s: back on Redis within a few seconds.
                wait_until(lambda: health(base_url)["status"] == "ok", 10, "back on Redis")
                time.sleep(1)
            lookups_after = len(load.results)
        assert lookups_after > 50
    cached = load.statuses("cached")
    assert set(cached) == {200}, cached
    assert set(load.statuses("uncached")) <= {200}, load.statuses("uncached")
    assert restarted is not None


def test_redis_frozen_then_resumed_under_load(start_service):
    with redis_server() as redis:
        base_url, _ = start_service(redis)
        warm(base_url, CACHED)
        try:
            with Load(base_url, CACHED) as load:
                time.sleep(1)
                redis.process.send_signal(signal.SIGSTOP)
                wait_until(lambda: health(base_url)["cache"]["circuit"]["state"] == "open", 10, "circuit opens")
                time.sleep(2)
                redis.process.send_signal(signal.SIGCONT)
                wait_until(lambda: health(base_url)["status"] == "ok", 10, "back on Redis")
                time.sleep(1)
        finally:
            redis.process.send_signal(signal.SIGCONT)
    assert set(load.statuses("cached")) == {200}, load.statuses("cached")
    assert set(load.statuses("uncached")) <= {200}, load.statuses("uncached")


@pytest.mark.parametrize(
    "sunat_trouble, allowed_for_uncached",
    [
        ({"mode": "error"}, {503}),
        ({"mode": "reject"}, {503}),
        ({"mode": "hang"}, {504, 503}),
        ({"latency": 3.0}, {504, 503}),
    ],
)
def test_sunat_trouble_never_touches_cached_lookups(start_service, replica, sunat_trouble, allowed_for_uncached):
    with redis_server() as redis:
        base_url, _ = start_service(redis, SUNAT_MAX_ATTEMPTS="1")
        warm(base_url, CACHED)
        replica.config.update(**sunat_trouble)
        with Load(base_url, CACHED) as load:
            time.sleep(4)
        replica.config.update(mode="ok", latency=0)
    assert set(load.statuses("cached")) == {200}, load.statuses("cached")
    uncached = load.statuses("uncached")
    assert uncached and set(uncached) <= allowed_for_uncached, uncached


# Room for all 50 of a stampede to wait in one worker, whichever worker they reach.
STAMPEDE_ROOM = {"GUNICORN_THREADS": "64", "SUNAT_QUEUE_SIZE": "56"}


def concurrent_lookups(base_url: str, ruc: str, count: int) -> list[int]:
    """`count` clients (each its own X-Real-IP, as nginx would pass it) asking for `ruc` at once."""
    barrier = threading.Barrier(count)

    def one(n):
        barrier.wait()
        return requests.get(f"{base_url}/api/ruc/{ruc}", headers={"X-Real-IP": f"10.0.0.{n}"}, timeout=60).status_code

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_stampede_with_redis_makes_a_single_sunat_request(start_service, replica):
    with redis_server() as redis:
        base_url, _ = start_service(redis, **STAMPEDE_ROOM)
        replica.config.latency = 0.5  # long enough for all 50 to arrive while it is in flight
        ruc = make_ruc("2069000001")

        statuses = concurrent_lookups(base_url, ruc, 50)

    assert statuses == [200] * 50
    assert replica.stats()["by_ruc"][ruc] == 1


def test_stampede_without_redis_makes_at_most_one_request_per_worker(start_service, replica):
    base_url, _ = start_service(**STAMPEDE_ROOM)
    replica.config.latency = 0.5
    ruc = make_ruc("2069000002")

    statuses = concurrent_lookups(base_url, ruc, 50)

    assert statuses == [200] * 50
    assert 1 <= replica.stats()["by_ruc"][ruc] <= 2


def test_burst_of_misses_reaches_sunat_paced(start_service, replica):
    interval = 0.3
    with redis_server() as redis:
        # Each of the ~22 requests (20 queries, a form page per worker) waits its turn: well within
        # a lookup's SUNAT_DEADLINE of 20 s. Twenty clients, so that no share limit applies.
        base_url, _ = start_service(redis, SUNAT_MIN_INTERVAL=str(interval), SUNAT_TIMEOUT="10")
        rucs = [make_ruc(f"2070{n:06d}") for n in range(20)]
        replica.reset_stats()
        barrier = threading.Barrier(len(rucs))

        def one(n):
            barrier.wait()
            return requests.get(f"{base_url}/api/ruc/{rucs[n]}", headers={"X-Real-IP": f"10.0.1.{n}"},
                                timeout=60).status_code

        with ThreadPoolExecutor(len(rucs)) as pool:
            statuses = list(pool.map(one, range(len(rucs))))

    assert statuses == [200] * 20
    arrivals = sorted(t for t, _ in replica.stats()["lookups"])
    gaps = [b - a for a, b in pairwise(arrivals)]
    assert len(arrivals) == 20
    # Slots are reserved on Redis's clock; arrivals are timed on the replica's, after the
    # network and the scheduler, which on a loaded 2-core machine (CI beside other work) has held
    # one request 40 ms past its slot: jitter of a quarter interval is allowed, never a burst, and
    # never more than the pacing's rate over the whole run.
    assert min(gaps) >= interval * 0.75, gaps
    assert sorted(gaps)[len(gaps) // 2] >= interval - 0.005, gaps
    assert arrivals[-1] - arrivals[0] >= (len(arrivals) - 0.25 - 1) * interval, gaps  # the first may be late too


def test_a_key_quota_holds_across_workers_while_redis_is_frozen(start_service):
    """Both workers fall back to their own counters: each admits half the quota, never the whole."""
    with redis_server() as redis:
        base_url, env = start_service(redis)
        created = manage(env, "shell", "-c", "from sunat.keys.services import create_key; "
                                             "print(create_key('ERP', per_minute=1000, per_day=10)[1])")
        assert created.returncode == 0, created.stderr
        auth = {"Authorization": f"Bearer {created.stdout.split()[-1]}"}
        warm(base_url, CACHED[:1])
        try:
            redis.process.send_signal(signal.SIGSTOP)
            # A new connection each time, so that both workers take requests.
            statuses = Counter(requests.get(f"{base_url}/api/ruc/{CACHED[0]}", headers=auth, timeout=10).status_code
                               for _ in range(30))
        finally:
            redis.process.send_signal(signal.SIGCONT)
    assert set(statuses) == {200, 429} and 5 <= statuses[200] <= 10, statuses


def test_admin_sessions_survive_losing_redis(start_service):
    with redis_server() as redis:
        base_url, env = start_service(redis)
        created = manage({**env, "DJANGO_SUPERUSER_PASSWORD": "una-clave-larga-123"},
                         "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.com")
        assert created.returncode == 0, created.stderr
        # Production cookies are Secure: talk "https" as the TLS front would, and carry the
        # cookies by hand (requests keeps Secure cookies off plain-http URLs).
        login = f"{base_url}/admin/login/"
        https = {"X-Forwarded-Proto": "https", "Referer": login.replace("http://", "https://")}
        form = requests.get(login, headers=https, timeout=10)
        csrf = form.cookies["csrftoken"]
        signed_in = requests.post(
            login, headers={**https, "Cookie": f"csrftoken={csrf}"}, allow_redirects=False, timeout=10,
            data={"username": "admin", "password": "una-clave-larga-123", "csrfmiddlewaretoken": csrf,
                  "next": "/admin/"},
        )
        assert signed_in.status_code == 302, signed_in.text[:300]
        cookie = {**https, "Cookie": f"csrftoken={csrf}; sessionid={signed_in.cookies['sessionid']}"}
        assert requests.get(f"{base_url}/admin/", headers=cookie, timeout=10, allow_redirects=False).status_code == 200

        redis.process.kill()
        redis.process.wait()

        page = requests.get(f"{base_url}/admin/", headers=cookie, timeout=10, allow_redirects=False)
        assert page.status_code == 200 and "logout" in page.text.lower()
