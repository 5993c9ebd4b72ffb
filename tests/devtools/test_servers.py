"""The servers command (python -m devtools.servers) that make test and the benchmarks rely on."""

import contextlib
import os
import signal
import socket
import subprocess
import sys

import pytest
import requests

from devtools import servers
from devtools.deployments import job_worker
from devtools.servers import HOST, PROJECT_ROOT, wait_until

pytestmark = [pytest.mark.standalone, pytest.mark.servers]


def children(pid: int) -> dict[int, str]:
    listed = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return {int(pid): name for pid, name in (line.split(None, 1) for line in listed.splitlines())}


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_terminating_the_servers_command_stops_the_servers_it_started():
    command = subprocess.Popen([sys.executable, "-m", "devtools.servers", "--redis", "--postgres", "--",
                                "sleep", "60"], cwd=PROJECT_ROOT)

    def all_started():
        found = children(command.pid)
        return found if {"redis-server", "postgres", "sleep"} <= set(found.values()) else None

    started = {}
    try:
        started = wait_until(all_started, timeout=60, what="redis-server, PostgreSQL and the command")

        command.send_signal(signal.SIGTERM)

        assert command.wait(timeout=30) != 0
        assert [name for pid, name in started.items() if alive(pid)] == []
    finally:
        command.kill()
        for pid in started:  # what a failure would leave behind
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


# -- two checkouts' suites on one machine: a port taken meanwhile, a server that dies ----------


@contextlib.contextmanager
def taken_port():
    """A loopback port another program listens on, as another checkout's server would."""
    with socket.create_server((HOST, 0)) as sock:
        yield sock.getsockname()[1]


def free_port_answers_first(monkeypatch, *ports):
    """free_port() answers `ports` first (taken right after it looked), then free ones."""
    real, answers = servers.free_port, iter(ports)
    monkeypatch.setattr(servers, "free_port", lambda: next(answers, None) or real())


def hello_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


@contextlib.contextmanager
def nginx_on_loopback(workdir):
    variables = {"NGINX_SERVER_NAME": "localhost", "GUNICORN_UPSTREAM": f"{HOST}:9", "STATIC_ROOT": str(workdir)}
    with servers.nginx_server(variables, workdir) as server:
        yield server


STARTERS = {
    "redis": lambda workdir: servers.redis_server(),
    "postgres": lambda workdir: servers.postgres_server(),
    "nginx": nginx_on_loopback,
}


@pytest.mark.parametrize("name", sorted(STARTERS))
def test_a_server_whose_free_port_was_taken_meanwhile_starts_on_another(name, monkeypatch, tmp_path):
    with taken_port() as port:
        free_port_answers_first(monkeypatch, port)

        with STARTERS[name](tmp_path) as server:
            assert server.port != port
            assert servers.holds_listener(server.process, server.port)


def test_a_server_that_finds_no_port_fails_with_its_own_words(monkeypatch, tmp_path):
    monkeypatch.setattr(servers, "PORT_ATTEMPTS", 2)
    with taken_port() as port:
        monkeypatch.setattr(servers, "free_port", lambda: port)

        with pytest.raises(servers.ServerFailed) as failure, nginx_on_loopback(tmp_path):
            pass

    message = str(failure.value)
    assert f"bind() to 0.0.0.0:{port} failed (98: Address already in use)" in message
    assert "error.log" in message and "nginx.out" in message


def test_a_server_given_a_taken_port_fails_with_its_own_words():
    with taken_port() as port, pytest.raises(servers.ServerFailed, match="(?i)address already in use"):
        with servers.redis_server(port):
            pass


def test_another_program_listening_on_the_port_is_not_the_server():
    with taken_port() as port:
        process = subprocess.Popen(["sleep", "30"])
        try:
            with pytest.raises(TimeoutError, match="its output"):
                servers.wait_for_port(port, process, timeout=1)
        finally:
            servers.stop_process(process)


def test_gunicorn_is_handed_its_socket_so_no_other_program_takes_its_port(monkeypatch):
    with taken_port() as port:
        monkeypatch.setattr(servers, "free_port", lambda: port)  # were it asked, every answer taken
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}

        with servers.gunicorn_server(env, workers=1, app="tests.devtools.test_servers:hello_app") as server:
            assert requests.get(server.url, timeout=10).text == "hello"


def test_gunicorn_that_exits_before_listening_says_why():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "SUNAT_QUEUE_SIZE": "24"}

    with pytest.raises(servers.ServerFailed, match=r"GUNICORN_THREADS \(1\) must be above SUNAT_QUEUE_SIZE"):
        with servers.gunicorn_server(env, workers=1, threads=1):
            pass


def test_a_test_that_waits_in_vain_for_the_job_worker_shows_what_the_worker_wrote(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "no_such_settings"}

    with pytest.raises(TimeoutError) as failure:
        with job_worker(env, tmp_path / "worker.log") as worker:
            wait_until(lambda: worker.poll() is not None, timeout=60, what="the worker to give up")
            wait_until(lambda: False, timeout=0.1, what="the job")

    notes = "\n".join(getattr(failure.value, "__notes__", []))
    assert "exited with" in notes and "No module named 'no_such_settings'" in notes
