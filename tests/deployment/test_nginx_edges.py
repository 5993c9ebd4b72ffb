"""nginx at the edges: a TLS front before it, forged headers, the admin, slow and greedy clients.

Real nginx on loopback (nginx/nginx.conf, the template and entrypoint.d's script, as the container
runs them), in front of gunicorn serving either the production Django or `echo_app` below, which
answers with what nginx passed on. A second nginx plays the TLS front (devtools.servers.nginx_front),
connecting from 127.0.0.9, the one address NGINX_TRUSTED_PROXIES names. Every client has its own
loopback address (127.0.0.N), so that each gets its own per-IP limits.
"""

import contextlib
import http.client
import json
import os
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from devtools.deployments import manage, production_env
from devtools.servers import (
    NGINX_ADDRESS_SCRIPT,
    NGINX_MAIN_CONF,
    NGINX_TEMPLATE,
    NGINX_UPSTREAM_SCRIPT,
    check_nginx_conf,
    gunicorn_server,
    loopback_nginx_conf,
    nginx_defaults,
    nginx_front,
    nginx_server,
    render_template,
    run_address_script,
    run_entrypoint_scripts,
)

pytestmark = pytest.mark.standalone

FRONT = "127.0.0.9"  # where the front connects from: the only trusted proxy
ADMIN = "127.0.0.2"  # the only address NGINX_ADMIN_ALLOW lets into /admin/
STRANGER = "127.0.0.3"
HEADER_TIMEOUT = 10  # client_header_timeout in the template
EDGE = {
    "NGINX_SERVER_NAME": "localhost",
    "NGINX_TRUSTED_PROXIES": FRONT,
    "NGINX_ADMIN_ALLOW": f"{ADMIN}, 192.0.2.0/24",  # a list, as an operator writes one
    "NGINX_API_RATE": "1r/s",
    "NGINX_API_BURST": "10",
    "NGINX_API_CONNECTIONS": "3",
    "NGINX_CONNECTIONS_PER_IP": "5",
    "NGINX_ADMIN_LOGIN_RATE": "10r/m",
    "NGINX_ADMIN_LOGIN_BURST": "3",
}


def echo_app(environ, start_response):
    """What nginx passed on, as JSON; /slow?1.5 answers after 1.5 s."""
    if environ["PATH_INFO"] == "/slow":
        time.sleep(float(environ.get("QUERY_STRING") or 1))
    body = json.dumps({
        "path": environ["PATH_INFO"],
        "headers": {name[5:].replace("_", "-").lower(): value for name, value in environ.items()
                    if name.startswith("HTTP_")},
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


class Answer:
    def __init__(self, status: int, headers: dict, body: bytes, header_list: list | None = None):
        self.status, self.headers, self.body = status, headers, body
        self.header_list = header_list or []  # (name, value) as sent, repeats included

    def json(self):
        return json.loads(self.body)

    @property
    def error(self) -> str | None:
        """The JSON error code of an answer nginx or the service gave, else None."""
        if not self.headers.get("content-type", "").startswith("application/json"):
            return None
        return self.json().get("error")


def get(base_url: str, path: str, source: str, headers: dict | None = None) -> Answer:
    """GET over a new connection from the loopback address `source`."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=15, source_address=(source, 0))
    try:
        connection.request("GET", path, headers={"Host": "localhost", **(headers or {})})
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read(),
                      response.getheaders())
    finally:
        connection.close()


@contextlib.contextmanager
def edge(upstream_port: int, workdir, **overrides):
    """Our nginx (EDGE settings) in front of gunicorn on upstream_port, and the front before it."""
    variables = {**EDGE, "GUNICORN_UPSTREAM": f"127.0.0.1:{upstream_port}", "STATIC_ROOT": str(workdir),
                 **overrides}
    (workdir / "nginx").mkdir()
    (workdir / "front").mkdir()
    with nginx_server(variables, workdir / "nginx") as nginx, \
            nginx_front(nginx.port, workdir / "front", source=FRONT) as front:
        yield {"nginx": nginx.url, "front": front.url}


@pytest.fixture(scope="module")
def echo_edge(tmp_path_factory):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    with gunicorn_server(env, workers=1, app="tests.deployment.test_nginx_edges:echo_app") as echo, \
            edge(echo.port, tmp_path_factory.mktemp("echo-edge")) as urls:
        yield urls


@pytest.fixture(scope="module")
def django_edge(tmp_path_factory):
    """The production settings (HTTPS redirect on) on SQLite; SUNAT is a closed port, never asked."""
    workdir = tmp_path_factory.mktemp("django-edge")
    env = production_env(f"sqlite:///{workdir / 'db.sqlite3'}", DJANGO_ALLOWED_HOSTS="localhost",
                         DJANGO_SECURE_SSL_REDIRECT="True", SUNAT_BASE_URL="http://127.0.0.1:9/")
    assert manage(env, "migrate", "--noinput").returncode == 0
    with gunicorn_server(env, workers=1) as django, edge(django.port, workdir) as urls:
        yield urls


# --- the real client behind a TLS front --------------------------------------------------------

@pytest.mark.servers
def test_behind_the_front_one_client_flooding_the_api_does_not_limit_another(echo_edge):
    flood = [get(echo_edge["front"], "/api/ruc/20573215045", "127.0.0.2") for _ in range(30)]
    victim = [get(echo_edge["front"], "/api/ruc/20573215045", "127.0.0.3") for _ in range(10)]

    statuses = [answer.status for answer in flood]
    assert set(statuses) == {200, 429} and statuses.count(429) >= 15, statuses  # 1 r/s, burst 10
    assert {answer.error for answer in flood if answer.status == 429} == {"demasiadas_solicitudes"}
    assert [answer.status for answer in victim] == [200] * 10
    assert victim[0].json()["headers"]["x-real-ip"] == "127.0.0.3"
    assert victim[0].json()["headers"]["x-forwarded-for"] == "127.0.0.3"


@pytest.mark.servers
def test_a_direct_client_forging_x_forwarded_for_is_limited_and_seen_as_itself(echo_edge):
    # Were the header believed, every request would be a new client with a fresh bucket.
    answers = [get(echo_edge["nginx"], "/api/ruc/20573215045", "127.0.0.4",
                   {"X-Forwarded-For": f"192.0.2.{n}", "X-Real-IP": f"192.0.2.{n}"}) for n in range(1, 21)]

    assert 429 in [answer.status for answer in answers]
    seen = answers[0].json()["headers"]
    assert (seen["x-real-ip"], seen["x-forwarded-for"]) == ("127.0.0.4", "127.0.0.4")


@pytest.mark.servers
def test_an_address_forged_through_the_front_is_not_believed_either(echo_edge):
    # The front appends its own client's address: the last untrusted one is the real client.
    seen = get(echo_edge["front"], "/", "127.0.0.5", {"X-Forwarded-For": "192.0.2.77"}).json()["headers"]

    assert seen["x-real-ip"] == "127.0.0.5"


# --- X-Forwarded-Proto -------------------------------------------------------------------------

@pytest.mark.parametrize("source, sent, passed_on", [
    ("127.0.0.6", "https", "http"),  # a direct client cannot claim TLS
    (FRONT, "https", "https"),
    (FRONT, "HTTPS", "https"),
    (FRONT, "http", "http"),
    (FRONT, "javascript", "http"),  # only http or https, even from the front
    (FRONT, "https, http", "http"),
])
@pytest.mark.servers
def test_x_forwarded_proto_is_taken_only_from_the_trusted_front(echo_edge, source, sent, passed_on):
    seen = get(echo_edge["nginx"], "/", source, {"X-Forwarded-Proto": sent}).json()["headers"]

    assert seen["x-forwarded-proto"] == passed_on


@pytest.mark.servers
def test_other_scheme_and_host_claims_never_reach_the_service(echo_edge):
    claims = {"X-Forwarded-Ssl": "on", "X-Forwarded-Protocol": "https", "X-Forwarded-Host": "evil.example",
              "X-Forwarded-Port": "443", "Forwarded": "for=192.0.2.1;proto=https"}
    seen = get(echo_edge["nginx"], "/", "127.0.0.6", claims).json()["headers"]

    assert {name.lower() for name in claims} & set(seen) == set()


@pytest.mark.servers
def test_django_redirects_a_direct_client_claiming_https_and_not_the_front(django_edge):
    direct = get(django_edge["nginx"], "/admin/", ADMIN, {"X-Forwarded-Proto": "https"})
    through_front = get(django_edge["front"], "/admin/", ADMIN)

    assert direct.status == 301 and direct.headers["location"] == "https://localhost/admin/"
    # Django took the front's https: the admin's own redirect to its login page, no https one.
    assert through_front.status == 302 and through_front.headers["location"].startswith("/admin/login/")


# --- request ids and metrics ------------------------------------------------------------------

def request_ids(answer: Answer) -> list[str]:
    return [value for name, value in answer.header_list if name.lower() == "x-request-id"]


@pytest.mark.servers
def test_the_service_gets_nginx_s_request_id_never_the_client_s(echo_edge):
    answer = get(echo_edge["front"], "/api/ruc/20573215045", "127.0.0.4", {"X-Request-ID": "forged"})

    passed_on = answer.json()["headers"]["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", passed_on)
    assert request_ids(answer) == [passed_on]  # echoed once, by nginx


@pytest.mark.servers
def test_the_service_s_answers_and_nginx_s_own_carry_one_request_id(django_edge):
    for path in ("/health", "/api/ruc/123", "/metrics"):
        answer = get(django_edge["front"], path, "127.0.0.5", {"X-Request-ID": "forged"})
        (request_id,) = request_ids(answer)
        assert re.fullmatch(r"[0-9a-f]{32}", request_id), (path, request_id)


@pytest.mark.parametrize("path", ["/metrics", "//metrics", "/%6Detrics", "/metrics/", "/metrics?x=1", "/./metrics"])
@pytest.mark.servers
def test_metrics_are_never_served_through_nginx(django_edge, path):
    for base in (django_edge["front"], django_edge["nginx"]):
        answer = get(base, path, "127.0.0.6")
        assert answer.status == 404 and answer.error == "ruta_no_encontrada", (path, answer.body[:200])


# --- the admin ---------------------------------------------------------------------------------

@pytest.mark.servers
def test_admin_answers_only_the_allowed_addresses(django_edge):
    allowed = get(django_edge["front"], "/admin/", ADMIN)
    refused = [
        get(django_edge["front"], "/admin/", STRANGER),
        get(django_edge["front"], "/admin/login/", STRANGER),
        get(django_edge["nginx"], "/admin/", STRANGER, {"X-Forwarded-Proto": "https"}),
        get(django_edge["nginx"], "/admin/", STRANGER, {"X-Forwarded-For": ADMIN, "X-Real-IP": ADMIN}),
        get(django_edge["front"], "//admin/./", STRANGER),
    ]

    assert allowed.status == 302
    for answer in refused:
        assert answer.status == 403 and answer.error == "acceso_denegado", answer.body[:200]
        assert "administración" in answer.json()["detail"]
    # The rest of the site is not the admin's business.
    assert get(django_edge["front"], "/health", STRANGER).status == 200


@pytest.mark.servers
def test_admin_login_past_its_burst_is_a_json_429(django_edge):
    answers = [get(django_edge["front"], "/admin/login/", ADMIN) for _ in range(6)]  # 10 r/m, burst 3

    statuses = [answer.status for answer in answers]
    assert statuses[:4] == [200] * 4 and "csrfmiddlewaretoken" in answers[0].body.decode(), statuses
    assert statuses[4:] == [429, 429]
    assert answers[-1].error == "demasiadas_solicitudes" and answers[-1].headers["retry-after"] == "60"


# --- connections -------------------------------------------------------------------------------

@pytest.mark.servers
def test_one_client_ip_holds_at_most_its_share_of_the_whole_site(echo_edge):
    with ThreadPoolExecutor(8) as pool:
        held = [pool.submit(get, echo_edge["nginx"], "/slow?1.5", "127.0.0.8") for _ in range(8)]
        time.sleep(0.5)
        bystander = get(echo_edge["nginx"], "/slow?0", "127.0.0.10")
        answers = [future.result() for future in held]

    assert sorted(answer.status for answer in answers) == [200] * 5 + [429] * 3  # NGINX_CONNECTIONS_PER_IP
    assert {answer.error for answer in answers if answer.status == 429} == {"demasiadas_solicitudes"}
    assert bystander.status == 200


@pytest.mark.servers
def test_slow_header_clients_are_cut_at_the_header_timeout_and_others_are_served(echo_edge):
    host, port = echo_edge["nginx"].removeprefix("http://").split(":")
    idle = []
    for _ in range(300):
        sock = socket.create_connection((host, int(port)), timeout=5, source_address=("127.0.0.50", 0))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")  # never finished
        idle.append(sock)
    opened = time.monotonic()
    trickling = idle[::10]  # slowloris proper: a header line now and then keeps no timer alive

    started = time.monotonic()
    served = get(echo_edge["nginx"], "/", "127.0.0.51")
    assert served.status == 200 and time.monotonic() - started < 1

    closed_at = {}
    for sock in idle:
        sock.setblocking(False)
    deadline = opened + HEADER_TIMEOUT + 5
    next_trickle = opened + 2
    while len(closed_at) < len(idle) and time.monotonic() < deadline:
        if time.monotonic() >= next_trickle:
            for sock in trickling:
                if sock not in closed_at:
                    with contextlib.suppress(OSError):
                        sock.send(b"X-Slow: 1\r\n")
            next_trickle += 2
        for sock in idle:
            if sock in closed_at:
                continue
            try:
                if sock.recv(4096) == b"":
                    closed_at[sock] = time.monotonic()
            except BlockingIOError:
                pass
            except OSError:  # reset_timedout_connection: a RST rather than a FIN
                closed_at[sock] = time.monotonic()
        time.sleep(0.1)
    for sock in idle:
        sock.close()

    assert len(closed_at) == len(idle), f"{len(idle) - len(closed_at)} still open after {HEADER_TIMEOUT + 5} s"
    waited = sorted(at - opened for at in closed_at.values())
    assert waited[0] > HEADER_TIMEOUT - 2, waited[:5]  # by the timeout, not by anything sooner


# --- the configuration itself ------------------------------------------------------------------

@pytest.mark.servers
def test_shipped_nginx_conf_passes_nginx_t_on_loopback_with_the_production_values(tmp_path):
    values = {**nginx_defaults(), "NGINX_PORT": "8080", "GUNICORN_UPSTREAM": "127.0.0.1:8000",
              "STATIC_ROOT": str(tmp_path), "NGINX_TRUSTED_PROXIES": "10.0.0.0/8 2001:db8::1",
              "NGINX_ADMIN_ALLOW": "203.0.113.7,198.51.100.0/24,::ffff:192.0.2.1"}
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    (conf_d / "default.conf").write_text(render_template(NGINX_TEMPLATE.read_text(), values))
    run_entrypoint_scripts(conf_d, values)

    check = check_nginx_conf(tmp_path)

    assert check.returncode == 0, check.stderr
    # Only paths were moved: the sizing is the shipped one.
    sizing = re.compile(r"^\s*(worker_processes|worker_rlimit_nofile|worker_connections)\s.*$", re.MULTILINE)
    shipped = sizing.findall(NGINX_MAIN_CONF.read_text())
    assert len(shipped) == 3 and sizing.findall(loopback_nginx_conf(tmp_path)) == shipped


def test_shipped_nginx_conf_has_room_for_every_connection():
    text = NGINX_MAIN_CONF.read_text()
    connections = int(re.search(r"^\s*worker_connections\s+(\d+);", text, re.MULTILINE).group(1))
    files = int(re.search(r"^\s*worker_rlimit_nofile\s+(\d+);", text, re.MULTILINE).group(1))

    assert connections >= 4096 and files >= 2 * connections
    assert re.search(r"^\s*include\s+/etc/nginx/conf\.d/\*\.conf;", text, re.MULTILINE)


@pytest.mark.servers
@pytest.mark.parametrize(("ran", "refusal"), [
    (NGINX_UPSTREAM_SCRIPT, "unknown \"from_trusted_front\" variable"),  # trusted-proxies.conf missing
    (NGINX_ADDRESS_SCRIPT, 'host not found in upstream "ruc_service"'),  # upstream.conf missing
])
def test_template_without_a_scripts_file_is_refused_by_nginx(tmp_path, ran, refusal):
    # Fail closed: a container whose script did not run (or failed) never serves.
    values = {**nginx_defaults(), "NGINX_PORT": "8080", "GUNICORN_UPSTREAM": "127.0.0.1:8000",
              "STATIC_ROOT": str(tmp_path)}
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "default.conf").write_text(render_template(NGINX_TEMPLATE.read_text(), values))
    assert run_address_script(tmp_path / "conf.d", values, ran).returncode == 0

    check = check_nginx_conf(tmp_path)

    assert check.returncode != 0 and refusal in check.stderr, check.stderr


@pytest.mark.parametrize("name", ["NGINX_TRUSTED_PROXIES", "NGINX_ADMIN_ALLOW"])
@pytest.mark.parametrize("entry", [
    "1.2.3.4; include /etc/passwd",
    "1.2.3.4;",
    "10.0.0.0/8 }",
    "1.2.3.4\n}",
    "$remote_addr",
    "*",
    "all",
    "256.1.1.1",
    "1.2.3",
    "10.0.0.0/33",
    "10.0.0.0/8/8",
    "2001:db8::/129",
    "1::2::3",
    "fe80::1%eth0",
    "12345::1",
])
@pytest.mark.servers
def test_address_script_refuses_what_is_not_an_address(tmp_path, name, entry):
    (tmp_path / "trusted-proxies.conf").write_text("# from an earlier start\n")

    result = run_address_script(tmp_path, {name: f"192.0.2.1, {entry}"})

    assert result.returncode != 0
    assert name in result.stderr and "no es una dirección IP" in result.stderr
    assert not (tmp_path / "trusted-proxies.conf").exists()  # nothing stale is left to start with


@pytest.mark.servers
def test_address_script_renders_each_entry_once_per_directive(tmp_path):
    result = run_address_script(tmp_path, {"NGINX_TRUSTED_PROXIES": "10.0.0.5,  172.16.0.0/12\t2001:db8::/32",
                                           "NGINX_ADMIN_ALLOW": "203.0.113.7"})

    assert result.returncode == 0, result.stderr
    conf = (tmp_path / "trusted-proxies.conf").read_text()
    assert re.findall(r"^set_real_ip_from (\S+);$", conf, re.MULTILINE) == ["10.0.0.5", "172.16.0.0/12",
                                                                           "2001:db8::/32"]
    assert "real_ip_header X-Forwarded-For;" in conf and "real_ip_recursive on;" in conf
    front = re.search(r"geo \$realip_remote_addr \$from_trusted_front \{(.*?)\}", conf, re.DOTALL).group(1)
    assert front.split() == ["default", "0;", "10.0.0.5", "1;", "172.16.0.0/12", "1;", "2001:db8::/32", "1;"]
    admin = re.search(r"geo \$remote_addr \$admin_allowed \{(.*?)\}", conf, re.DOTALL).group(1)
    assert admin.split() == ["default", "0;", "203.0.113.7", "1;"]


@pytest.mark.servers
def test_address_script_with_empty_lists_trusts_no_front_and_opens_the_admin(tmp_path):
    result = run_address_script(tmp_path, {"NGINX_TRUSTED_PROXIES": "", "NGINX_ADMIN_ALLOW": " "})

    assert result.returncode == 0, result.stderr
    conf = (tmp_path / "trusted-proxies.conf").read_text()
    assert "set_real_ip_from" not in conf and "real_ip_header" not in conf
    assert re.search(r"\$from_trusted_front \{\s*default 0;\s*\}", conf)
    assert re.search(r"\$admin_allowed \{\s*default 1;\s*\}", conf)


def test_address_script_is_executable_posix_sh_as_the_image_needs():
    # The image's entrypoint skips a script without its exec bit ("Ignoring ..., not executable").
    assert os.access(NGINX_ADDRESS_SCRIPT, os.X_OK)
    assert NGINX_ADDRESS_SCRIPT.read_text().startswith("#!/bin/sh\n")


# --- docker-compose.prod.yml -------------------------------------------------------------------

@pytest.mark.servers
def test_compose_runs_the_shipped_main_config_and_the_address_script():
    from tests.deployment.test_compose import compose_config, mounts, yaml

    result = compose_config()
    assert result.returncode == 0, result.stderr
    nginx = yaml.safe_load(result.stdout)["services"]["nginx"]

    assert (str(NGINX_MAIN_CONF), "/etc/nginx/nginx.conf", True) in mounts(nginx)
    # One file, not the directory: the image's own scripts (envsubst of the templates) must stay.
    assert (str(NGINX_ADDRESS_SCRIPT), f"/docker-entrypoint.d/{NGINX_ADDRESS_SCRIPT.name}", True) in mounts(nginx)
    assert {"NGINX_TRUSTED_PROXIES", "NGINX_ADMIN_ALLOW"} <= set(nginx["environment"])
    files = int(re.search(r"worker_rlimit_nofile\s+(\d+);", NGINX_MAIN_CONF.read_text()).group(1))
    assert int(nginx["ulimits"]["nofile"]["soft"]) >= files
