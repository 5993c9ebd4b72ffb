"""What a deployer runs: production settings, migrate, gunicorn with several workers."""

import contextlib
import os
import secrets
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from devtools import deployments
from devtools.deployments import manage
from devtools.replica import make_ruc
from devtools.servers import gunicorn_server, redis_server, wait_until
from sunat.registers import annotations
from sunat.upstream.clients.browser_processes import browser_processes
from tests.support.padron_files import COMPANY_ROW, HANDMADE, later, write_rows

# Does not use the database or cache that `make test` varies: run once, in the first pass.
pytestmark = [pytest.mark.standalone, pytest.mark.servers]

COMPANY = "20573215045"


def production_env(tmp_path, **extra) -> dict:
    return deployments.production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", **extra)


def test_production_refuses_to_start_without_a_real_secret_key(tmp_path):
    low_entropy = ("abcd" * 13, "x" * 60, secrets.token_urlsafe(30))  # 4 distinct; 1 distinct; 40 characters
    for value in ("", "django-insecure-" + secrets.token_urlsafe(50), "cambiar-esta-clave", *low_entropy):
        result = manage(production_env(tmp_path, DJANGO_SECRET_KEY=value), "check")
        assert result.returncode != 0
        assert "DJANGO_SECRET_KEY" in result.stderr and "secrets.token_urlsafe" in result.stderr


@pytest.fixture
def gunicorn():
    with contextlib.ExitStack() as stack:

        def start(env) -> str:
            assert manage(env, "migrate", "--noinput").returncode == 0
            return stack.enter_context(gunicorn_server(env)).url

        yield start


def lookups_through(base_url: str, times: int, **params) -> list[requests.Response]:
    # A new connection each time, so that both workers take requests.
    return [requests.get(f"{base_url}/api/ruc/{COMPANY}", params=params, timeout=10) for _ in range(times)]


def test_gunicorn_workers_with_locmem_share_lookups_through_the_database(gunicorn, replica, tmp_path):
    base_url = gunicorn(production_env(tmp_path, SUNAT_BASE_URL=replica.url))

    responses = lookups_through(base_url, 12)

    assert [r.status_code for r in responses] == [200] * 12
    assert responses[0].headers["X-Cache"] == "MISS"
    assert {r.headers["X-Cache"] for r in responses[1:]} == {"HIT"}
    assert replica.stats()["queries"] == 1
    assert requests.get(f"{base_url}/health", timeout=5).json()["cache"]["backend"] == "locmem"


def test_gunicorn_workers_with_redis_share_the_cache(gunicorn, replica, tmp_path):
    with redis_server() as redis:
        base_url = gunicorn(production_env(tmp_path, SUNAT_BASE_URL=replica.url, USE_REDIS="True",
                                           REDIS_URL=redis.url))

        responses = lookups_through(base_url, 12)

        assert [r.status_code for r in responses] == [200] * 12
        assert {r.headers["X-Cache"] for r in responses[1:]} == {"HIT"}
        assert replica.stats()["queries"] == 1
        health = requests.get(f"{base_url}/health", timeout=5).json()
        assert health["status"] == "ok" and health["cache"]["backend"] == "redis"


@pytest.mark.parametrize("use_redis", [False, True], ids=["locmem", "redis"])
def test_a_padron_import_corrects_every_workers_cached_answer(gunicorn, replica, tmp_path, use_redis):
    """The import runs in its own process; each worker's cache (its LocMem, or Redis and its local
    copies) says the register's NO HABIDO once the worker looks for new versions."""
    with contextlib.ExitStack() as stack:
        extra = {}
        if use_redis:
            extra = {"USE_REDIS": "True", "REDIS_URL": stack.enter_context(redis_server()).url}
        env = production_env(tmp_path, SUNAT_BASE_URL=replica.url, **extra)
        base_url = gunicorn(env)
        assert manage(env, "import_padron", str(write_rows(tmp_path / "old.zip", HANDMADE))).returncode == 0
        before = lookups_through(base_url, 12, fuente="sunat")  # both workers hold it
        assert {r.json()["condicion"] for r in before} == {"HABIDO"}

        new_rows = [[*COMPANY_ROW[:3], "NO HABIDO", *COMPANY_ROW[4:]], *HANDMADE[1:]]
        imported = manage(env, "import_padron", str(write_rows(tmp_path / "new.zip", new_rows, date_time=later())))
        assert imported.returncode == 0 and "1 consultas guardadas corregidas" in imported.stdout
        time.sleep(annotations.CHECK_SECONDS + 0.2)  # each worker looks for new versions this often
        after = lookups_through(base_url, 12, fuente="sunat")

        assert {r.json()["condicion"] for r in after} == {"NO HABIDO"}
        assert {r.headers["X-Cache"] for r in after} == {"HIT"} and replica.stats()["queries"] == 1


def worker_pids(master_pid: int) -> set[int]:
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid and fields[0] != "Z":
            children.add(int(stat.parent.name))
    return children


@pytest.mark.browser  # in gunicorn's workers
def test_no_chromium_outlives_its_gunicorn_worker(replica, tmp_path):
    # Paced faster than production (1 s deployment-wide: 2.5 s per worker without Redis, two paced
    # page loads per browser lookup): the subject here is the browsers, not the pacing, and four
    # cold browser lookups landing on one worker would otherwise come close to SUNAT_DEADLINE.
    env = production_env(tmp_path, SUNAT_BASE_URL=replica.url, SUNAT_CLIENT="selenium", SUNAT_MIN_INTERVAL="0.25")
    assert manage(env, "migrate", "--noinput").returncode == 0
    with gunicorn_server(env) as gunicorn:
        master, base_url = gunicorn.process, gunicorn.url
        workers = wait_until(lambda: len(worker_pids(master.pid)) == 2 and worker_pids(master.pid), what="workers")

        # Distinct RUCs at once, until both workers run a browser.
        def owners():
            return {owner for owner in browser_processes().values() if owner in workers}

        for batch in range(5):
            with ThreadPoolExecutor(4) as pool:
                rucs = [make_ruc(f"206{batch}{n:06d}") for n in range(4)]
                statuses = list(pool.map(lambda r: requests.get(f"{base_url}/api/ruc/{r}", timeout=60)
                                         .status_code, rucs))
            assert statuses == [200] * 4
            if owners() == workers:
                break
        assert owners() == workers, "both workers should have a browser"

        for pid in workers:
            os.kill(pid, signal.SIGKILL)

        # The arbiter replaces the workers and kills what the dead ones left behind.
        wait_until(lambda: not (set(browser_processes().values()) & workers), what="orphaned browsers killed")
        new_workers = wait_until(lambda: len(worker_pids(master.pid) - workers) == 2 and worker_pids(master.pid),
                                 what="new workers")
        assert requests.get(f"{base_url}/api/ruc/{make_ruc('2077777777')}", timeout=60).status_code == 200

        master.send_signal(signal.SIGTERM)
        master.wait(60)
        everyone = workers | new_workers
        wait_until(lambda: not (set(browser_processes().values()) & everyone), what="browsers gone at shutdown")
