"""test-cache-config.py, the deployer's check of the cache configuration."""

import os
import secrets
import subprocess
import sys

import pytest

from devtools.servers import PROJECT_ROOT, free_port, redis_server

# Does not use the database or cache that `make test` varies: run once, in the first pass.
pytestmark = [pytest.mark.standalone, pytest.mark.servers]

SCRIPT = PROJECT_ROOT / "test-cache-config.py"


def run_script(**env) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "USE_REDIS": "False",
        **env,
    }
    return subprocess.run([sys.executable, str(SCRIPT)], cwd=PROJECT_ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


def test_passes_with_locmem_and_database_sessions():
    result = run_script()

    assert result.returncode == 0, result.stderr
    assert "LocMemCache" in result.stdout
    assert "sessions.backends.db" in result.stdout
    assert "Usa Redis:       no" in result.stdout
    assert "Escritura, lectura y borrado: OK" in result.stdout


def test_passes_with_a_real_redis():
    with redis_server() as redis:
        result = run_script(USE_REDIS="True", REDIS_URL=redis.url)

    assert result.returncode == 0, result.stderr
    assert "resilient_cache.ResilientRedisCache" in result.stdout
    assert "sessions.backends.cached_db" in result.stdout
    assert "Redis responde:  sí" in result.stdout
    assert "Escritura, lectura y borrado: OK" in result.stdout


def test_fails_clearly_when_redis_is_configured_but_down():
    result = run_script(USE_REDIS="True", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")

    assert result.returncode == 1
    assert "ERROR: Redis no responde" in result.stderr
    assert "Traceback" not in result.stderr


def test_fails_when_the_production_settings_are_incomplete():
    result = run_script(DJANGO_SECRET_KEY="cambiar-por-una-clave-secreta-generada")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
