"""The deployed stack on loopback: nginx (the project's template) -> gunicorn -> Django -> PostgreSQL,
with LocMem and with a real redis-server."""

import json
import socket
import time
from contextlib import nullcontext

import pytest
import requests
import yaml

from devtools.deployments import create_database, manage, production_env
from devtools.servers import PROJECT_ROOT, gunicorn_server, nginx_server, postgres_server, redis_server
from tests.deployment.test_compose import read_env_file

# Does not use the database or cache that `make test` varies: run once, in the first pass.
pytestmark = [pytest.mark.standalone, pytest.mark.servers]

COMPANY = "20573215045"
HTTPS = {"Host": "localhost", "X-Forwarded-Proto": "https"}  # what the TLS front in production sends


@pytest.fixture(scope="module")
def postgres():
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="module", params=["locmem", "redis"])
def stack(request, postgres, tmp_path_factory):
    """nginx -> gunicorn (production settings) -> PostgreSQL, a fresh database each time."""
    from devtools.replica import ReplicaServer

    workdir = tmp_path_factory.mktemp(f"stack-{request.param}")
    shipped = read_env_file()
    env = production_env(
        create_database(postgres.url, f"ruc_{request.param}"),
        **{name: shipped[name] for name in ("DJANGO_ALLOWED_HOSTS", "DJANGO_SECURE_SSL_REDIRECT", "METRICS_ALLOWED_IPS")},
        DJANGO_STATIC_ROOT=str(workdir / "static"),
    )
    with ReplicaServer() as replica, (redis_server() if request.param == "redis" else nullcontext()) as redis:
        env["SUNAT_BASE_URL"] = replica.url
        if redis:
            env.update(USE_REDIS="True", REDIS_URL=redis.url)
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            assert manage(env, *command).returncode == 0
        with gunicorn_server(env) as gunicorn:
            nginx_vars = {
                "NGINX_SERVER_NAME": "localhost",
                "GUNICORN_UPSTREAM": f"127.0.0.1:{gunicorn.port}",
                "STATIC_ROOT": env["DJANGO_STATIC_ROOT"],
                "NGINX_PROXY_READ_TIMEOUT": "30",
                "NGINX_API_RATE": "20r/s",
                "NGINX_API_BURST": "10",
                "NGINX_API_CONNECTIONS": "20",
            }
            with nginx_server(nginx_vars, workdir) as nginx:
                yield {"url": nginx.url, "gunicorn": gunicorn.url, "replica": replica, "cache": request.param}


def test_lookup_through_nginx_is_a_miss_then_a_cache_hit(stack):
    first = requests.get(f"{stack['url']}/api/ruc/{COMPANY}", headers=HTTPS, timeout=30)
    second = requests.get(f"{stack['url']}/api/ruc/{COMPANY}", headers=HTTPS, timeout=30)

    assert first.status_code == second.status_code == 200
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert second.json() == first.json()
    assert second.json()["razonSocial"] == "LEAD WORKING PARTNER SAC"


def test_health_reports_the_configured_cache_and_postgresql(stack):
    body = requests.get(f"{stack['url']}/health", headers={"Host": "localhost"}, timeout=10).json()
    assert body["status"] == "ok"
    assert body["cache"]["backend"] == stack["cache"]
    assert body["database"] == {"vendor": "postgresql", "ok": True}


def test_admin_login_page_is_served_with_its_static_files(stack):
    page = requests.get(f"{stack['url']}/admin/login/", headers=HTTPS, timeout=10)
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.text

    css = requests.get(f"{stack['url']}/static/admin/css/base.css", headers={"Host": "localhost"}, timeout=10)
    assert css.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert css.headers["X-Content-Type-Options"] == "nosniff"


def test_static_alias_does_not_reach_outside_the_static_root(stack):
    for path in ("/static../", "/static/../config/settings/base.py", "/static/..%2fmanage.py"):
        response = requests.get(f"{stack['url']}{path}", headers=HTTPS, timeout=10, allow_redirects=False)
        assert response.status_code in (400, 403, 404), path
        assert "DJANGO_SECRET_KEY" not in response.text


def test_unknown_host_is_refused(stack):
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{stack['url']}/api/ruc/{COMPANY}", headers={"Host": "evil.example"}, timeout=10)


def test_plain_http_api_requests_are_redirected_to_https_but_health_is_not(stack):
    api = requests.get(f"{stack['url']}/api/ruc/{COMPANY}", headers={"Host": "localhost"}, timeout=10,
                       allow_redirects=False)
    assert api.status_code == 301 and api.headers["Location"].startswith("https://localhost/")
    health = requests.get(f"{stack['url']}/health", headers={"Host": "localhost"}, timeout=10)
    assert health.status_code == 200


def test_prometheus_scrapes_metrics_as_deploy_configures_it(stack):
    """As the monitoring profile's Prometheus does: plain http to the target's address, its Host,
    no X-Forwarded-Proto (nothing in front of it), redirects not followed."""
    (job,) = yaml.safe_load((PROJECT_ROOT / "deploy/prometheus/prometheus.yml").read_text())["scrape_configs"]
    (target,) = job["static_configs"][0]["targets"]
    assert job.get("scheme", "http") == "http"
    response = requests.get(f"{stack['gunicorn']}{job['metrics_path']}", timeout=10, allow_redirects=False, headers={
        "Host": target, "User-Agent": "Prometheus/2.53.0",
        "Accept": "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"})

    assert response.status_code == 200, (response.status_code, response.headers.get("Location"))
    assert "# TYPE consulta_ruc_http_request_duration_seconds histogram" in response.text


def test_security_headers_are_set(stack):
    response = requests.get(f"{stack['url']}/api/ruc/{COMPANY}", headers=HTTPS, timeout=30)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    assert "Server" not in response.headers or "nginx/" not in response.headers["Server"]


def test_api_rate_limit_answers_429_in_json(stack):
    requests.get(f"{stack['url']}/api/ruc/{COMPANY}", headers=HTTPS, timeout=30)
    with requests.Session() as session:
        statuses, limited = [], None
        for _ in range(60):  # far above 20 r/s with a burst of 10, sent back to back
            response = session.get(f"{stack['url']}/api/ruc/{COMPANY}", headers=HTTPS, timeout=30)
            statuses.append(response.status_code)
            if response.status_code == 429:
                limited = response
    assert limited is not None, statuses
    assert limited.json()["error"] == "demasiadas_solicitudes"
    assert limited.headers["Content-Type"].startswith("application/json")
    assert limited.headers["Retry-After"] == "1"
    assert set(statuses) <= {200, 429}
    # Not the rest of the site: health checks are never rate-limited.
    assert requests.get(f"{stack['url']}/health", headers={"Host": "localhost"}, timeout=10).status_code == 200


@pytest.mark.parametrize("method, path, headers, body, status, code", [
    ("TRACE", "/api/ruc/20573215045", {}, None, 405, "metodo_no_permitido"),
    ("GET", "/api/ruc/" + "1" * 9000, {}, None, 414, "ruta_muy_larga"),
    ("GET", "/api/ruc/20573215045", {"X-Relleno": "x" * 20000}, None, 400, "solicitud_invalida"),
    ("POST", "/api/ruc/lote", {"Content-Type": "application/json"}, b"[" + b" " * 2_000_000 + b"]", 413,
     "solicitud_muy_grande"),
])
def test_errors_nginx_answers_itself_are_json(stack, method, path, headers, body, status, code):
    time.sleep(1)  # whatever the rate-limit test left in this client's bucket drains
    response = requests.request(method, f"{stack['url']}{path}", headers={**HTTPS, **headers}, data=body, timeout=30)

    assert response.status_code == status, response.text[:200]
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"] == code and response.json()["detail"]


def raw_request(base_url: str, request: bytes) -> tuple[int, dict, bytes]:
    """Bytes no HTTP library would send, as they are; the answer's status, headers and body."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


EXTRA_HEADERS = "".join(f"X-Extra-{n}: {n}\r\n" for n in range(120))


@pytest.mark.parametrize("request_line, headers, status", [
    ("GET /api/ruc/2057321504\xc3\xb1 HTTP/1.1", "", 400),  # raw UTF-8 in the request line
    ("GET /api/ruc/20573215045\x01 HTTP/1.1", "", 400),  # a control character
    ("GET /api/ruc/" + "1" * 5000 + " HTTP/1.1", "", 414),  # longer than gunicorn's line, within nginx's
    ("GET /api/ruc/20573215045 HTTP/1.1", EXTRA_HEADERS, 431),  # more header fields than gunicorn takes
], ids=["utf8", "control", "long-line", "many-headers"])
def test_errors_gunicorn_answers_itself_reach_clients_as_json(stack, request_line, headers, status):
    """What nginx passes on and gunicorn refuses before Django sees it: JSON too, never its HTML page."""
    time.sleep(1)
    request = (f"{request_line}\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\n{headers}"
               "Connection: close\r\n\r\n").encode("latin-1")
    for url in (stack["url"], stack["gunicorn"]):  # through nginx and straight to gunicorn
        answer_status, answer_headers, body = raw_request(url, request)

        assert answer_headers.get("content-type", "").startswith("application/json"), (url, answer_status, body[:300])
        assert answer_status in (400, status), (url, body[:300])
        assert json.loads(body)["detail"]


def test_json_answers_are_gzipped_when_asked(stack):
    time.sleep(1)
    response = requests.get(f"{stack['url']}/api/ruc/{COMPANY}", headers={**HTTPS, "Accept-Encoding": "gzip"},
                            timeout=30)

    assert response.status_code == 200 and response.headers.get("Content-Encoding") == "gzip"
    assert response.json()["ruc"] == COMPANY
