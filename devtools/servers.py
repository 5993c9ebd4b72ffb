"""Real redis-server and PostgreSQL on free loopback ports, started and stopped by the tests.

As a command, it runs another command with them up and the environment pointing at them:

    python -m devtools.servers --redis --postgres -- python -m pytest
"""

import argparse
import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def stop_on_sigterm() -> None:
    """Make SIGTERM unwind like Ctrl-C, so that servers started in `with` blocks are stopped
    (Python's default for SIGTERM ends the process without running them: orphans)."""
    def unwind(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, unwind)


def wait_until(condition, timeout: float = 30.0, what: str = "condition", interval: float = 0.1):
    """Poll condition() until it returns something truthy, and return that; TimeoutError after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what}: not within {timeout}s")


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    def listening() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return True
        return False

    wait_until(listening, timeout, f"something listening on {HOST}:{port}", interval=0.05)


def stop_process(process: subprocess.Popen, timeout: float = 10.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen


@contextlib.contextmanager
def _serving(process: subprocess.Popen, port: int, url: str, ready=None):
    """Wait until `process` listens on `port` (and `ready()` passes), yield it, stop it at the end."""
    try:
        wait_for_port(port, process)
        if ready is not None:
            ready()
        yield Server(url=url, port=port, process=process)
    finally:
        stop_process(process)


@contextlib.contextmanager
def redis_server(port: int | None = None):
    """redis-server without persistence; `port` to restart one where an earlier one was."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (make test installs it)")
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="redis-test-") as workdir:
        process = subprocess.Popen(
            [binary, "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no",
             "--dir", workdir, "--logfile", os.path.join(workdir, "redis.log")],
            stdout=subprocess.DEVNULL,
        )
        with _serving(process, port, f"redis://{HOST}:{port}/0") as server:
            yield server


def _postgres_bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("PostgreSQL is not installed (make test installs it)")
    return os.path.dirname(initdb)


@contextlib.contextmanager
def postgres_server():
    bindir = _postgres_bindir()
    port = free_port()
    # PostgreSQL refuses to run as root: run it as the `postgres` user the package creates.
    run_as = {}
    if os.geteuid() == 0:
        run_as = {"user": "postgres", "group": "postgres", "extra_groups": []}
    with tempfile.TemporaryDirectory(prefix="pg-test-") as workdir:
        datadir = os.path.join(workdir, "data")
        if run_as:
            account = pwd.getpwnam("postgres")
            os.chown(workdir, account.pw_uid, account.pw_gid)
        subprocess.run(
            [f"{bindir}/initdb", "-D", datadir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
            check=True, stdout=subprocess.DEVNULL, **run_as,
        )
        with open(os.path.join(workdir, "postgres.log"), "w") as log:
            process = subprocess.Popen(
                [f"{bindir}/postgres", "-D", datadir, "-p", str(port), "-k", workdir,
                 "-c", f"listen_addresses={HOST}", "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off"],
                stdout=subprocess.DEVNULL, stderr=log, **run_as,
            )
        def accepting():
            wait_until(lambda: subprocess.run([f"{bindir}/pg_isready", "-h", HOST, "-p", str(port)],
                                              capture_output=True).returncode == 0,
                       what="PostgreSQL accepting connections")

        with _serving(process, port, f"postgres://postgres@{HOST}:{port}/postgres", ready=accepting) as server:
            yield server


PROJECT_ROOT = Path(__file__).resolve().parents[1]
NGINX_TEMPLATE = PROJECT_ROOT / "nginx" / "templates" / "default.conf.template"


def render_template(text: str, variables: dict) -> str:
    """What the official nginx image does to a template: envsubst of the given names only."""
    names = "|".join(re.escape(name) for name in variables)
    return re.sub(rf"\$\{{({names})\}}|\$({names})\b",
                  lambda m: str(variables[m.group(1) or m.group(2)]), text)


@contextlib.contextmanager
def nginx_server(variables: dict, workdir: Path):
    """Real nginx with the project's template rendered for loopback; yields its base URL."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        raise RuntimeError("nginx is not installed (make test installs it)")
    port = free_port()
    site = workdir / "default.conf"
    site.write_text(render_template(NGINX_TEMPLATE.read_text(), {**variables, "NGINX_PORT": port}))
    main_conf = workdir / "nginx.conf"
    # As root, nginx workers would run as nobody, who cannot read the tests' private tmp dirs.
    user = "user root root;" if os.geteuid() == 0 else ""
    temp_paths = " ".join(f"{kind}_temp_path {workdir}/{kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                             "uwsgi", "scgi"))
    main_conf.write_text(
        f"""{user}
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
daemon off;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {workdir}/access.log;
    {temp_paths}
    include {site};
}}
"""
    )
    check = subprocess.run([nginx, "-t", "-p", str(workdir), "-c", str(main_conf)], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx rejected the rendered config:\n{check.stderr}")
    process = subprocess.Popen([nginx, "-p", str(workdir), "-c", str(main_conf)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with _serving(process, port, f"http://{HOST}:{port}") as server:
        yield server


@contextlib.contextmanager
def gunicorn_server(env: dict, workers: int = 2, threads: int | None = None, app: str = "config.wsgi"):
    """gunicorn with the project's config file on a free loopback port, serving `app`
    (threads: the config file's default unless given)."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"{HOST}:{port}", "GUNICORN_WORKERS": str(workers)}
    if threads is not None:
        env["GUNICORN_THREADS"] = str(threads)
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", app],
                               cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with _serving(process, port, f"http://{HOST}:{port}") as server:
        yield server


def main(argv=None) -> int:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--redis", action="store_true", help="start redis-server and set USE_REDIS, REDIS_URL")
    parser.add_argument("--postgres", action="store_true", help="start PostgreSQL and set DATABASE_URL")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    env = dict(os.environ)
    with contextlib.ExitStack() as stack:
        if args.redis:
            env.update(USE_REDIS="True", REDIS_URL=stack.enter_context(redis_server()).url)
        if args.postgres:
            env.update(DATABASE_URL=stack.enter_context(postgres_server()).url)
        return subprocess.run(command, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
