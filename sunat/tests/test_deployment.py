"""What a deployer runs: production settings, migrate, gunicorn with several workers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from sunat.tests.servers import free_port, redis_server, stop_process, wait_for_port

BASE_DIR = Path(__file__).resolve().parents[2]
COMPANY = "20573215045"


def production_env(tmp_path, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        USE_REDIS="False",
    )
    env.update(extra)
    return env


def manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_a_real_secret_key(tmp_path):
    for value in ("", "django-insecure-abc", "cambiar-esta-clave"):
        result = manage(production_env(tmp_path, DJANGO_SECRET_KEY=value), "check")
        assert result.returncode != 0
        assert "DJANGO_SECRET_KEY" in result.stderr and "secrets.token_urlsafe" in result.stderr


@pytest.fixture
def gunicorn(tmp_path):
    processes = []

    def start(env) -> str:
        assert manage(env, "migrate", "--noinput").returncode == 0
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}"],
            cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        processes.append(process)
        wait_for_port(port, process)
        return f"http://127.0.0.1:{port}"

    yield start
    for process in processes:
        stop_process(process)


def lookups_through(base_url: str, times: int) -> list[requests.Response]:
    # A new connection each time, so that both workers take requests.
    return [requests.get(f"{base_url}/api/ruc/{COMPANY}", timeout=10) for _ in range(times)]


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
