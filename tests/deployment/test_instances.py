"""Several instances on loopback (issue 30): two web instances, each gunicorn as shipped (2 workers)
on its own 127.0.0.x address, behind one nginx upstream; two job queue workers; one PostgreSQL, one
Redis; SUNAT's replica paced at PACING. Every promise made for the deployment holds across them:
one SUNAT request per RUC (one it does not know included), the pacing, a key's quota, a webhook
notice delivered once, and no cached hit nor stored answer lost when an instance dies."""

import contextlib
import os
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import psycopg
import pytest
import requests

from devtools.deployments import create_database, job_worker, manage, production_env
from devtools.replica import ReplicaServer, make_ruc
from devtools.servers import gunicorn_server, nginx_server, postgres_server, redis_server, wait_until
from devtools.webhook_receiver import Receiver
from tests.support.padron_files import COMPANY, HANDMADE, later, write_rows

pytestmark = [pytest.mark.standalone, pytest.mark.servers, pytest.mark.slow]

PACING = 0.3  # SUNAT_MIN_INTERVAL: seconds between two requests to SUNAT, deployment-wide
INSTANCES = ("127.0.0.2", "127.0.0.3")
RUCS = [make_ruc(f"2072{n:06d}") for n in range(20)]  # new to the service
UNKNOWN = set(RUCS[:2])  # SUNAT does not know these two


class Stack:
    def __init__(self, env, instances, nginx, replica, receiver, database_url, tmp_path):
        self.env, self.instances, self.nginx = env, instances, nginx
        self.replica, self.receiver, self.database_url, self.tmp_path = replica, receiver, database_url, tmp_path

    def rows(self, query: str) -> list[tuple]:
        with psycopg.connect(self.database_url) as db:
            return db.execute(query).fetchall()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("instances")
    with contextlib.ExitStack() as servers:
        postgres = servers.enter_context(postgres_server())
        redis = servers.enter_context(redis_server())
        replica = servers.enter_context(ReplicaServer())
        replica.config.not_found = frozenset(UNKNOWN)
        receiver = Receiver().start()
        servers.callback(receiver.stop)
        database_url = create_database(postgres.url, f"instances_{os.getpid()}")
        env = production_env(
            database_url, USE_REDIS="True", REDIS_URL=redis.url, SUNAT_BASE_URL=replica.url,
            SUNAT_MIN_INTERVAL=str(PACING), SUNAT_TIMEOUT="10",
            DJANGO_ALLOWED_HOSTS=",".join(["127.0.0.1", "localhost", *INSTANCES]),
            WEBHOOK_ALLOW_PRIVATE="True", QUEUE_RETRY="4", WEBHOOK_CLAIM_SECONDS="2")
        for command in (("migrate", "--noinput"), ("sync_schedules",)):
            done = manage(env, *command)
            assert done.returncode == 0, done.stderr
        instances = [servers.enter_context(gunicorn_server(env, workers=2, host=host,
                                                           log_path=tmp_path / f"web-{host}.log"))
                     for host in INSTANCES]
        nginx = servers.enter_context(nginx_server({
            "NGINX_SERVER_NAME": "localhost", "STATIC_ROOT": str(tmp_path),
            "GUNICORN_UPSTREAM": ", ".join(f"{host}:{web.port}" for host, web in zip(INSTANCES, instances, strict=True)),
            # One test client is many clients: nginx's per-address limits are not what is tested here.
            "NGINX_API_RATE": "10000r/s", "NGINX_API_BURST": "10000", "NGINX_API_CONNECTIONS": "1000",
            "NGINX_CONNECTIONS_PER_IP": "1000"}, tmp_path / "nginx"))
        for n in (1, 2):
            servers.enter_context(job_worker(env, tmp_path / f"worker-{n}.log"))
        yield Stack(env, instances, nginx, replica, receiver, database_url, tmp_path)


def lookup(base_url: str, ruc: str, client: str, **headers) -> requests.Response:
    return requests.get(f"{base_url}/api/ruc/{ruc}", headers={"X-Real-IP": client, **headers}, timeout=60)


def test_each_new_ruc_is_asked_once_paced_whichever_instance_is_asked(stack):
    # Each RUC: one client on each instance at once, each asking it three times.
    asks = [(ruc, web.url, f"10.3.{n}.{i}") for n, ruc in enumerate(RUCS) for i, web in enumerate(stack.instances)]
    barrier = threading.Barrier(len(asks))
    stack.replica.reset_stats()

    def client(ask):
        ruc, base_url, address = ask
        barrier.wait()
        return [(ruc, lookup(base_url, ruc, address).status_code) for _ in range(3)]

    with ThreadPoolExecutor(len(asks)) as pool:
        answers = [answer for answers in pool.map(client, asks) for answer in answers]

    assert Counter(status for _, status in answers) == {200: 18 * 6, 404: 2 * 6}
    assert {ruc for ruc, status in answers if status == 404} == UNKNOWN
    stats = stack.replica.stats()
    assert stats["queries"] == 20 and set(stats["by_ruc"].values()) == {1}, {r: c for r, c in stats["by_ruc"].items() if c > 1}
    # Every query in its own slot. Slots are reserved on Redis's clock and timed here on the
    # replica's, after the network (a worker's first request also opens its connection): tens of
    # ms of jitter either way, never a burst.
    gaps = [b - a for a, b in pairwise(sorted(at for at, _ in stats["lookups"]))]
    assert min(gaps) >= PACING * 0.8, gaps
    assert sorted(gaps)[len(gaps) // 2] >= PACING - 0.005, gaps


def test_a_key_quota_holds_across_instances(stack):
    created = manage(stack.env, "shell", "-c", "from sunat.keys.services import create_key; "
                                               "print(create_key('ERP', per_minute=10, per_day=1000)[1])")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    # All twenty within one minute of the quota's clock: start with the minute young enough.
    wait_until(lambda: time.time() % 60 < 40, timeout=30, what="a minute with room for the test", interval=0.5)
    targets = [web.url for web in stack.instances] * 10

    with ThreadPoolExecutor(len(targets)) as pool:
        statuses = list(pool.map(lambda base_url: lookup(base_url, RUCS[5], "10.4.0.1",
                                                         Authorization=f"Bearer {key}").status_code, targets))

    assert Counter(statuses) == {200: 10, 429: 10}


def test_a_watched_rucs_change_is_delivered_once(stack):
    setup = ("from sunat.models import ApiKey; from sunat.watch import services, webhooks; "
             "key = ApiKey.objects.create(name='Vigía'); "
             f"services.watch(key.id, '{COMPANY}'); webhooks.configure(key.id, '{stack.receiver.url}', None)")
    done = manage(stack.env, "shell", "-c", setup)
    assert done.returncode == 0, done.stderr
    old, new = stack.tmp_path / "old.zip", stack.tmp_path / "new.zip"
    write_rows(old, HANDMADE)
    write_rows(new, [[*row[:3], "NO HABIDO" if row[0] == COMPANY else row[3], *row[4:]] for row in HANDMADE],
               date_time=later())
    for path in (old, new):
        done = manage(stack.env, "import_padron", str(path))
        assert done.returncode == 0, done.stderr

    wait_until(lambda: stack.rows("SELECT delivery FROM sunat_notification") == [("entregado",)], timeout=30,
               what="the delivery")
    time.sleep(3)  # room for a second worker's delivery, if it were to make one (it claims after 2 s)

    (event,) = stack.receiver.events()
    assert event["ruc"] == COMPANY and event["cambios"][0]["despues"] == "NO HABIDO"
    assert len(stack.receiver.received) == 1


def gunicorn_processes(master_pid: int) -> list[int]:
    with open(f"/proc/{master_pid}/task/{master_pid}/children") as children:
        return [master_pid, *map(int, children.read().split())]


def test_killing_an_instance_mid_load_loses_no_cached_hit_nor_stored_answer(stack):
    known = [ruc for ruc in RUCS if ruc not in UNKNOWN]
    for ruc in known:  # cached, whatever the earlier tests left (a padrón import may evict)
        assert lookup(stack.nginx.url, ruc, "10.5.0.1", Host="localhost").status_code == 200
    stack.replica.reset_stats()
    stop, answers = threading.Event(), []

    def client(n):
        while not stop.is_set():
            ruc = known[n % len(known)]
            response = lookup(stack.nginx.url, ruc, f"10.5.1.{n}", Host="localhost")
            answers.append((response.status_code, response.headers.get("X-Cache")))
            n += 7

    with ThreadPoolExecutor(8) as pool:
        for n in range(8):
            pool.submit(client, n)
        wait_until(lambda: len(answers) >= 200, timeout=30, what="load through nginx")
        for pid in gunicorn_processes(stack.instances[0].process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        killed_at = len(answers)
        wait_until(lambda: len(answers) >= killed_at + 200, timeout=30, what="load after the kill")
        stop.set()

    assert stack.instances[0].process.wait(10) == -signal.SIGKILL
    assert Counter(status for status, _ in answers) == {200: len(answers)}
    assert {cache for _, cache in answers} == {"HIT"}
    # No hit reached SUNAT. The queue workers' own schedules may ask meanwhile (the watched RUC's
    # re-check, the check of SUNAT's flows with SUNAT's own RUC): background work, not these lookups.
    asked = {ruc for _, ruc in stack.replica.stats()["lookups"]}
    assert asked <= {COMPANY, "20131312955"}, asked
    stored = stack.rows("SELECT ruc FROM sunat_rucrecord") + stack.rows("SELECT ruc FROM sunat_unknownruc")
    assert {ruc for (ruc,) in stored} >= set(RUCS)
