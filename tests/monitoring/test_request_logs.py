"""Logs for operators (sunat.monitoring): DJANGO_LOG_FORMAT=json gives one JSON object per line,
every request gets an id (nginx's X-Request-ID, or a new one) that its response echoes and its
log lines carry, and each request and each SUNAT attempt is one line with its fields."""

import json

import pytest
import requests

from devtools.deployments import manage, production_env
from devtools.servers import gunicorn_server, wait_until
from sunat.keys import services as api_keys
from tests.support.padron_files import COMPANY
from tests.watch.test_watch_api import auth

NIGHTMARE = "x" * 300  # not an id nginx would send: replaced


@pytest.mark.django_db(transaction=True)
def test_each_request_gets_an_id_its_response_echoes(client):
    assert client.get("/health", HTTP_X_REQUEST_ID="3f2a9c0d1e")["X-Request-ID"] == "3f2a9c0d1e"
    generated = client.get("/health")["X-Request-ID"]
    assert len(generated) == 32 and int(generated, 16) >= 0
    for bogus in (NIGHTMARE, "a b", 'x"}{'):
        assert client.get("/health", HTTP_X_REQUEST_ID=bogus)["X-Request-ID"] not in (bogus, "")
    # Errors too: a 404 from Django's handler and a 401 from the key middleware.
    assert client.get("/nada", HTTP_X_REQUEST_ID="req-404")["X-Request-ID"] == "req-404"
    assert client.get("/api/vigilancia", HTTP_X_REQUEST_ID="req-401")["X-Request-ID"] == "req-401"


@pytest.mark.django_db(transaction=True)
def test_a_request_line_has_its_fields_and_never_the_key(client, replica, settings, caplog):
    settings.LOG_REQUESTS = True
    _, plain = api_keys.create_key("ERP")
    caplog.set_level("INFO")

    client.get(f"/api/ruc/{COMPANY}", HTTP_X_REQUEST_ID="req-1", **auth(plain))

    (line,) = [record for record in caplog.records if record.name == "sunat.requests"]
    assert (line.request_id, line.method, line.path, line.status, line.cache) == (
        "req-1", "GET", f"/api/ruc/{COMPANY}", 200, "MISS")
    assert line.duration_ms > 0 and line.api_key == f"rk_{plain.split('_')[1][:8]}"
    assert plain not in caplog.text
    (attempt,) = [record for record in caplog.records if record.name == "sunat.upstream.requests"]
    assert (attempt.ruc, attempt.page, attempt.attempt, attempt.outcome, attempt.client) == (
        COMPANY, "ficha", 1, "ok", "http")
    assert attempt.request_id == "req-1"  # the upstream thread asked for this request


@pytest.mark.django_db(transaction=True)
def test_no_request_line_unless_asked(client, settings, caplog):
    settings.LOG_REQUESTS = False
    caplog.set_level("INFO")
    client.get("/health")
    assert not [record for record in caplog.records if record.name == "sunat.requests"]


@pytest.mark.standalone
@pytest.mark.servers
def test_json_logs_from_gunicorn_are_one_object_per_line(tmp_path, replica):
    env = production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", SUNAT_BASE_URL=replica.url,
                         DJANGO_LOG_FORMAT="json")
    assert manage(env, "migrate", "--noinput").returncode == 0
    log = tmp_path / "gunicorn.log"
    with gunicorn_server(env, workers=1, log_path=log) as web:
        response = requests.get(f"{web.url}/api/ruc/{COMPANY}", headers={"X-Request-ID": "abc-123"}, timeout=30)
        assert response.headers["X-Request-ID"] == "abc-123"
        wait_until(lambda: '"sunat.requests"' in log.read_text(), timeout=10, what="the request's line")

    django_lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    request = next(line for line in django_lines if line["logger"] == "sunat.requests")
    assert {"time", "level", "logger", "message"} <= set(request)
    assert (request["request_id"], request["method"], request["status"], request["cache"]) == (
        "abc-123", "GET", 200, "MISS")
    attempt = next(line for line in django_lines if line["logger"] == "sunat.upstream.requests")
    assert (attempt["ruc"], attempt["outcome"], attempt["request_id"]) == (COMPANY, "ok", "abc-123")
    assert attempt["level"] == "INFO" and attempt["time"].startswith("20")


@pytest.mark.servers
def test_an_unknown_log_format_stops_the_service_saying_so(tmp_path):
    env = production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", DJANGO_LOG_FORMAT="xml")
    result = manage(env, "check")
    assert result.returncode != 0 and "DJANGO_LOG_FORMAT must be plain or json" in result.stderr


@pytest.mark.django_db
def test_a_path_cannot_write_a_line_of_its_own(client, settings, caplog):
    settings.LOG_REQUESTS = True
    caplog.set_level("INFO")
    client.get("/api/ruc/1%0A2026-12-01 INFO forged")
    (line,) = [record for record in caplog.records if record.name == "sunat.requests"]
    assert "\n" not in line.getMessage() and "\\x0a" in line.path


@pytest.mark.django_db
def test_django_s_own_line_for_an_error_answer_carries_the_request_id(client, caplog):
    caplog.set_level("WARNING")
    client.get("/nada", HTTP_X_REQUEST_ID="req-404")
    (line,) = [record for record in caplog.records if record.name == "django.request"]
    assert line.request_id == "req-404"
