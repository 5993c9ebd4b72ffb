"""nginx in front of several web instances (issue 30): nginx/entrypoint.d/41-upstream.sh renders
GUNICORN_UPSTREAM's list into the upstream, and a GET an instance cannot take goes to the next one."""

import os
import re

import pytest
import requests

from devtools.servers import HOST, NGINX_UPSTREAM_SCRIPT, free_port, gunicorn_server, nginx_server, run_address_script

pytestmark = pytest.mark.standalone


def servers_of(conf: str) -> list[str]:
    return re.findall(r"^\s*server (\S+) max_fails=1 fail_timeout=10s;$", conf, re.MULTILINE)


@pytest.mark.servers
@pytest.mark.parametrize(("value", "servers"), [
    ("", ["web:8000"]),
    (" ", ["web:8000"]),
    ("web:8000", ["web:8000"]),
    ("127.0.0.2:8001, 127.0.0.3:8002\tweb-2.internal:80", ["127.0.0.2:8001", "127.0.0.3:8002", "web-2.internal:80"]),
    ("[2001:db8::1]:8000,web:8000", ["[2001:db8::1]:8000", "web:8000"]),
])
def test_upstream_script_renders_one_server_line_per_instance(tmp_path, value, servers):
    result = run_address_script(tmp_path, {"GUNICORN_UPSTREAM": value}, NGINX_UPSTREAM_SCRIPT)

    assert result.returncode == 0, result.stderr
    conf = (tmp_path / "upstream.conf").read_text()
    assert servers_of(conf) == servers
    assert re.search(r"^upstream ruc_service \{$", conf, re.MULTILINE) and "keepalive 16;" in conf


@pytest.mark.servers
@pytest.mark.parametrize("entry", ["web", "web:", "web:0", "web:65536", "web:80; include /etc/passwd",
                                   "web:80}", "-web:80", "[::1;]:80", "$host:80", "*:80", "web:8o"])
def test_upstream_script_refuses_what_is_not_host_and_port(tmp_path, entry):
    (tmp_path / "upstream.conf").write_text("# from an earlier start\n")

    result = run_address_script(tmp_path, {"GUNICORN_UPSTREAM": f"web:8000, {entry}"}, NGINX_UPSTREAM_SCRIPT)

    assert result.returncode != 0
    assert "GUNICORN_UPSTREAM" in result.stderr and "no es host:puerto" in result.stderr
    assert not (tmp_path / "upstream.conf").exists()  # nothing stale is left to start with


def test_upstream_script_is_executable_posix_sh_as_the_image_needs():
    assert os.access(NGINX_UPSTREAM_SCRIPT, os.X_OK)
    assert NGINX_UPSTREAM_SCRIPT.read_text().startswith("#!/bin/sh\n")


@pytest.mark.servers
def test_compose_runs_the_upstream_script():
    from tests.deployment.test_compose import compose_config, mounts, yaml

    result = compose_config()
    assert result.returncode == 0, result.stderr
    nginx = yaml.safe_load(result.stdout)["services"]["nginx"]

    assert (str(NGINX_UPSTREAM_SCRIPT), f"/docker-entrypoint.d/{NGINX_UPSTREAM_SCRIPT.name}", True) in mounts(nginx)
    assert nginx["environment"]["GUNICORN_UPSTREAM"] == "web:8000"


@pytest.mark.servers
def test_a_get_the_dead_instance_cannot_take_is_answered_by_the_live_one(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    dead = f"{HOST}:{free_port()}"  # nothing listens there: an instance that died
    with gunicorn_server(env, workers=1, app="tests.deployment.test_nginx_edges:echo_app") as live:
        variables = {"NGINX_SERVER_NAME": "localhost", "STATIC_ROOT": str(tmp_path),
                     "NGINX_API_RATE": "1000r/s", "GUNICORN_UPSTREAM": f"{dead}, {HOST}:{live.port}"}
        with nginx_server(variables, tmp_path / "nginx") as nginx:
            statuses = [requests.get(f"{nginx.url}/api/ruc/20100070970", headers={"Host": "localhost"},
                                     timeout=10).status_code for _ in range(10)]
            posted = requests.post(f"{nginx.url}/api/ruc/20100070970", headers={"Host": "localhost"}, timeout=10)

    assert statuses == [200] * 10
    assert posted.status_code == 200  # answered by the live one: a refused connection sent nothing
