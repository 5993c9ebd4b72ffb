"""The probes an orchestrator asks (deploy/kubernetes): /health/live answers while the process does, whatever
its database, Redis or SUNAT; /health/ready answers 200 while the process can serve cached lookups (its
database answers), SUNAT down included; both pass through nginx over plain http with the HTTPS redirect on,
as a kubelet asks them."""

from contextlib import ExitStack

import pytest
import requests

from devtools.deployments import create_database, manage, production_env
from devtools.replica import ReplicaServer
from devtools.servers import free_port, gunicorn_server, nginx_server, postgres_server

# Does not use the database or cache that `make test` varies: run once, in the first pass.
pytestmark = [pytest.mark.standalone, pytest.mark.servers]

COMPANY = "20573215045"
PLAIN = {"Host": "localhost"}  # a probe: plain http, no TLS front


def serve(stack: ExitStack, database_url: str, workdir, **extra) -> str:
    """nginx -> gunicorn (production settings, HTTPS redirect on); returns nginx's base URL."""
    env = production_env(database_url, DJANGO_SECURE_SSL_REDIRECT="True", DJANGO_STATIC_ROOT=str(workdir / "static"),
                         **extra)
    gunicorn = stack.enter_context(gunicorn_server(env, workers=1))
    nginx = stack.enter_context(nginx_server({"NGINX_SERVER_NAME": "localhost", "STATIC_ROOT": env["DJANGO_STATIC_ROOT"],
                                              "GUNICORN_UPSTREAM": gunicorn.url.removeprefix("http://")}, workdir))
    return nginx.url


def get(url: str) -> requests.Response:
    return requests.get(url, headers=PLAIN, timeout=10, allow_redirects=False)


def test_without_a_database_the_process_is_alive_but_not_ready(tmp_path):
    nowhere = f"postgres://ruc:sin-base@127.0.0.1:{free_port()}/ruc"  # a port nothing listens on
    with ExitStack() as stack:
        url = serve(stack, nowhere, tmp_path)

        live, ready, health = get(f"{url}/health/live"), get(f"{url}/health/ready"), get(f"{url}/health")

    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert ready.status_code == 503 and ready.json()["error"] == "base_de_datos_no_disponible"
    assert ready.headers["Retry-After"] == "5" and ready.headers["Cache-Control"].startswith("max-age=0")
    assert health.status_code == 503


def test_while_sunat_rejects_us_the_process_is_ready(tmp_path):
    with ExitStack() as stack:
        postgres = stack.enter_context(postgres_server())
        replica = stack.enter_context(ReplicaServer())
        database = create_database(postgres.url, "probes")
        env = production_env(database, SUNAT_BASE_URL=replica.url)
        assert manage(env, "migrate", "--noinput").returncode == 0
        url = serve(stack, database, tmp_path, SUNAT_BASE_URL=replica.url, SUNAT_MAX_ATTEMPTS="1")
        replica.config.mode = "reject"

        lookup = requests.get(f"{url}/api/ruc/{COMPANY}", headers={**PLAIN, "X-Forwarded-Proto": "https"},
                              timeout=30)
        health, ready, live = get(f"{url}/health"), get(f"{url}/health/ready"), get(f"{url}/health/live")

    assert lookup.status_code == 503  # SUNAT's firewall: no answer stored yet
    assert health.status_code == 200 and health.json()["status"] == "degraded"
    assert (ready.status_code, ready.json()) == (200, {"status": "ok"})
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
