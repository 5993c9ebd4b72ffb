"""Cached answers never wait behind SUNAT: the production stack on loopback under misses.

nginx (the project's template) -> gunicorn (config/gunicorn.py as it ships: 2 workers x 32
threads) -> Django -> PostgreSQL and redis-server, against the SUNAT replica. Each client has
its own loopback address (127.0.0.N), so that nginx's per-IP limits and the service's fairness
see separate clients. The bounds asserted on cached answers (all 200, none slower than a
second) are about not queueing behind SUNAT, whose failure costs tens of seconds: `make bench`
measures how fast they are.
"""

import contextlib
import http.client
import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis as redis_py

from devtools.deployments import create_database, manage, production_env
from devtools.replica import ReplicaServer, make_ruc
from devtools.servers import gunicorn_server, nginx_server, postgres_server, redis_server, wait_until

pytestmark = [pytest.mark.standalone, pytest.mark.servers]

CACHED = "20573215045"
PROXY_TIMEOUT = 30  # NGINX_PROXY_READ_TIMEOUT in .env.production
_rucs = (make_ruc(f"2071{n:06d}") for n in range(1_000_000))
_databases = iter(range(1000))


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with postgres_server() as postgres, redis_server() as redis:
        yield postgres, redis


@pytest.fixture
def stack(servers, tmp_path):
    """{"url": nginx, "gunicorn": gunicorn's URL, "replica", "redis"} with CACHED in the cache."""
    postgres, redis = servers
    redis_py.from_url(redis.url).flushall()
    with ReplicaServer() as replica:
        env = production_env(create_database(postgres.url, f"isolation_{next(_databases)}_{os.getpid()}"),
                             SUNAT_BASE_URL=replica.url, USE_REDIS="True", REDIS_URL=redis.url,
                             DJANGO_STATIC_ROOT=str(tmp_path / "static"))
        assert manage(env, "migrate", "--noinput").returncode == 0
        with gunicorn_server(env) as gunicorn:
            variables = {"NGINX_SERVER_NAME": "localhost", "GUNICORN_UPSTREAM": f"127.0.0.1:{gunicorn.port}",
                         "STATIC_ROOT": env["DJANGO_STATIC_ROOT"], "NGINX_PROXY_READ_TIMEOUT": str(PROXY_TIMEOUT),
                         "NGINX_API_RATE": "20r/s", "NGINX_API_BURST": "10", "NGINX_API_CONNECTIONS": "20"}
            with nginx_server(variables, tmp_path) as nginx:
                stack = {"url": nginx.url, "gunicorn": gunicorn.url, "replica": replica, "redis": redis}
                assert get(stack["url"], f"/api/ruc/{CACHED}").status == 200
                yield stack


class Answer:
    def __init__(self, status: int, body: bytes, headers: dict, elapsed: float):
        self.status, self.body, self.headers, self.elapsed = status, body, headers, elapsed

    def json(self):
        return json.loads(self.body)

    def is_json_error(self) -> bool:
        if not self.headers.get("content-type", "").startswith("application/json"):
            return False
        body = self.json()
        return isinstance(body.get("error"), str) and isinstance(body.get("detail"), str)


def request(base_url: str, method: str, path: str, source: str = "127.0.0.1", body=None,
            timeout: float = PROXY_TIMEOUT + 10) -> Answer:
    """One request from the loopback address `source`."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout, source_address=(source, 0))
    headers = {"Host": "localhost"}
    if body is not None:
        body = json.dumps(body)
        headers["Content-Type"] = "application/json"
    started = time.monotonic()
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return Answer(response.status, data, {k.lower(): v for k, v in response.getheaders()},
                      time.monotonic() - started)
    finally:
        connection.close()


def get(base_url: str, path: str, source: str = "127.0.0.1", **kwargs) -> Answer:
    return request(base_url, "GET", path, source, **kwargs)


@contextlib.contextmanager
def cached_lookups(base_url: str, every: float = 0.1, source: str = "127.0.0.2"):
    """Another client asking for the cached RUC every `every` seconds; yields its answers so far."""
    answers, stop = [], threading.Event()

    def run():
        while not stop.is_set():
            answers.append(get(base_url, f"/api/ruc/{CACHED}", source, timeout=10))
            stop.wait(every)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield answers
    finally:
        stop.set()
        thread.join(15)


def assert_cached_answers_never_waited(answers, seconds: float):
    assert len(answers) >= seconds / 0.1 * 0.8, len(answers)  # every 100 ms, each answered at once
    assert {answer.status for answer in answers} == {200}, [a.status for a in answers if a.status != 200]
    assert all(answer.headers.get("x-cache") == "HIT" for answer in answers)
    slowest = max(answer.elapsed for answer in answers)
    assert slowest < 1.0, f"a cached lookup waited {slowest:.2f}s"


def assert_every_miss_got_json_before_the_proxy_timeout(answers, allowed=(503, 504)):
    assert answers
    for answer in answers:
        assert answer.status in allowed, (answer.status, answer.body[:200])
        assert answer.is_json_error() or answer.status == 200, answer.body[:200]
        assert answer.elapsed < PROXY_TIMEOUT, answer.elapsed


def test_twenty_four_clients_missing_while_sunat_hangs_leave_cached_lookups_alone(stack):
    stack["replica"].config.mode = "hang"
    started = time.monotonic()
    with cached_lookups(stack["url"]) as cached, ThreadPoolExecutor(24) as pool:
        misses = list(pool.map(lambda n: get(stack["url"], f"/api/ruc/{next(_rucs)}", f"127.0.0.{10 + n}"),
                               range(24)))
        time.sleep(max(0.0, 20 - (time.monotonic() - started)))

    assert_cached_answers_never_waited(cached, 20)
    assert_every_miss_got_json_before_the_proxy_timeout(misses)


def test_ten_batches_of_new_rucs_while_sunat_hangs_leave_cached_lookups_alone(stack):
    stack["replica"].config.mode = "hang"
    batches = [[next(_rucs) for _ in range(100)] for _ in range(10)]
    started = time.monotonic()
    with cached_lookups(stack["url"]) as cached, ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda n: request(stack["url"], "POST", "/api/ruc/lote", f"127.0.0.{40 + n}",
                                                  body={"rucs": batches[n]}), range(10)))
        time.sleep(max(0.0, 20 - (time.monotonic() - started)))

    assert_cached_answers_never_waited(cached, 20)
    assert_every_miss_got_json_before_the_proxy_timeout(answers, allowed=(200,))
    for answer in answers:
        summary = answer.json()["resumen"]
        assert summary["total"] == 100 and summary["ok"] == 0, summary
    # The backlog is bounded and nobody waits for it: SUNAT is not asked for it once it is back.
    stack["replica"].config.mode = "ok"
    stack["replica"].reset_stats()
    health = get(stack["gunicorn"], "/health").json()["upstream"]
    assert health["backlog"] <= 1000 and health["waiting"] == 0, health


def test_one_client_on_twenty_four_connections_leaves_others_alone(stack):
    stack["replica"].config.mode = "hang"
    started = time.monotonic()
    with cached_lookups(stack["url"]) as cached, ThreadPoolExecutor(24) as pool:
        misses = list(pool.map(lambda _: get(stack["url"], f"/api/ruc/{next(_rucs)}", "127.0.0.60"), range(24)))
        time.sleep(max(0.0, 20 - (time.monotonic() - started)))

    assert_cached_answers_never_waited(cached, 20)
    # Past NGINX_API_CONNECTIONS, nginx's own JSON 429; past its share, the service's 503 at once.
    assert_every_miss_got_json_before_the_proxy_timeout(misses, allowed=(429, 503, 504))
    assert any(answer.status == 429 for answer in misses)


def test_killing_the_worker_that_leads_a_lookup_frees_the_ruc_within_seconds(stack):
    replica, ruc = stack["replica"], next(_rucs)
    replica.config.latency = 60
    with ThreadPoolExecutor(1) as pool:
        pool.submit(get, stack["gunicorn"], f"/api/ruc/{ruc}")  # its worker dies: no answer
        wait_until(lambda: replica.stats()["by_ruc"].get(ruc), 10, "the leader asks SUNAT")
        client = redis_py.from_url(stack["redis"].url)
        lease = wait_until(lambda: next(iter(client.scan_iter(f"*sunat:flight:sunat:ruc:{ruc}")), None), 5,
                           "the lease in Redis")
        leader = int(client.get(lease).decode().split(":")[0])
        os.kill(leader, signal.SIGKILL)
        replica.config.latency = 0
        killed_at = time.monotonic()

        answer = get(stack["gunicorn"], f"/api/ruc/{ruc}")

    assert answer.status == 200, answer.body[:300]
    assert time.monotonic() - killed_at < 8  # the lease lasts 3 s past its last renewal


@pytest.mark.parametrize("outage", ["restart", "reset"])
def test_sunat_away_for_two_seconds_costs_seconds_not_a_firewall_cooldown(stack, outage):
    replica = stack["replica"]
    if outage == "restart":
        replica.stop()
    else:
        replica.config.mode = "reset"
    away_until = time.monotonic() + 2
    during = []
    while time.monotonic() < away_until:
        during.append(get(stack["url"], f"/api/ruc/{next(_rucs)}"))
        time.sleep(0.2)
    if outage == "restart":
        replica.start()  # on the same port
    else:
        replica.config.mode = "ok"
    back_at = time.monotonic()

    def answered():
        return get(stack["url"], f"/api/ruc/{next(_rucs)}").status == 200

    wait_until(answered, 15, "a new RUC answered again", interval=0.25)
    assert time.monotonic() - back_at < 6
    assert {answer.status for answer in during} == {503}, [answer.status for answer in during]
    assert all(answer.is_json_error() for answer in during)
