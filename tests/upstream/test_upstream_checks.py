"""`manage.py check` warns when the upstream limits do not fit nginx and gunicorn around them."""

import pytest

from sunat.upstream.checks import upstream_limits

pytestmark = pytest.mark.standalone


def ids(monkeypatch, **env):
    for name in ("NGINX_PROXY_READ_TIMEOUT", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return [problem.id for problem in upstream_limits(None)]


def test_the_shipped_values_fit(monkeypatch, settings):
    settings.SUNAT_DEADLINE, settings.SUNAT_QUEUE_SIZE, settings.LOTE_TIMEOUT = 20, 24, 15
    assert ids(monkeypatch, NGINX_PROXY_READ_TIMEOUT="30", GUNICORN_THREADS="32") == []
    assert ids(monkeypatch) == []  # runserver: neither nginx nor gunicorn


def test_a_deadline_at_nginxs_timeout_a_thread_pool_no_larger_than_the_queue_and_a_long_lote_warn(
        monkeypatch, settings):
    settings.SUNAT_DEADLINE, settings.SUNAT_QUEUE_SIZE, settings.LOTE_TIMEOUT = 20, 24, 25
    assert ids(monkeypatch, NGINX_PROXY_READ_TIMEOUT="22", GUNICORN_THREADS="24") == [
        "sunat.W001", "sunat.W002", "sunat.W003"]
