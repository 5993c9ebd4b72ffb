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
NGINX_DIR = PROJECT_ROOT / "nginx"
NGINX_TEMPLATE = NGINX_DIR / "templates" / "default.conf.template"
NGINX_MAIN_CONF = NGINX_DIR / "nginx.conf"
NGINX_ADDRESS_SCRIPT = NGINX_DIR / "entrypoint.d" / "40-trusted-proxies.sh"
ENV_PRODUCTION = PROJECT_ROOT / ".env.production"
# On loopback the tests' default client plays the TLS front: it sends X-Forwarded-Proto: https
# as the front does. A test that needs a distinct front names NGINX_TRUSTED_PROXIES itself.
LOOPBACK_FRONT = HOST


def render_template(text: str, variables: dict) -> str:
    """What the official nginx image does to a template: envsubst of the given names only."""
    names = "|".join(re.escape(name) for name in variables)
    return re.sub(rf"\$\{{({names})\}}|\$({names})\b",
                  lambda m: str(variables[m.group(1) or m.group(2)]), text)


def nginx_defaults() -> dict:
    """The NGINX_* values of .env.production: what a test does not set runs as deployed."""
    values = {}
    for line in ENV_PRODUCTION.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name.startswith("NGINX_"):
            values[name] = value
    return values


def run_address_script(output_dir: Path, variables: dict) -> subprocess.CompletedProcess:
    """nginx/entrypoint.d's script, as the image's entrypoint launches it (by its exec bit), with
    `variables` as its environment and its trusted-proxies.conf written into output_dir."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **{name: str(value) for name, value in variables.items()},
           "NGINX_ENVSUBST_OUTPUT_DIR": str(output_dir)}
    return subprocess.run([str(NGINX_ADDRESS_SCRIPT)], env=env, capture_output=True, text=True, timeout=30)


def loopback_nginx_conf(workdir: Path) -> str:
    """nginx/nginx.conf with its paths moved into workdir (the includes into workdir/conf.d) and
    in the foreground; everything else, worker_connections included, as shipped."""
    # As root, workers would run as `nginx` (no such user here); root can read the tests' private tmp dirs.
    user = "user root root;" if os.geteuid() == 0 else ""
    temp_paths = " ".join(f"{kind}_temp_path {workdir}/{kind};"
                          for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    replacements = [
        (r"^user\s[^;]*;", lambda m: user),
        (r"^pid\s[^;]*;", lambda m: f"pid {workdir}/nginx.pid;\ndaemon off;"),
        (r"^error_log\s+\S+", lambda m: f"error_log {workdir}/error.log"),
        (r"^(\s*access_log\s+)\S+", lambda m: f"{m.group(1)}{workdir}/access.log"),
        (r"^http\s*\{", lambda m: f"http {{\n    {temp_paths}"),
        (r"^(\s*)include\s+/etc/nginx/conf\.d/\*\.conf;", lambda m: f"{m.group(1)}include {workdir}/conf.d/*.conf;"),
    ]
    text = NGINX_MAIN_CONF.read_text()
    for pattern, replacement in replacements:
        text, found = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        if found != 1:
            raise RuntimeError(f"{NGINX_MAIN_CONF}: {pattern!r} matched {found} times, not once")
    return text


def nginx_binary() -> str:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        raise RuntimeError("nginx is not installed (make test installs it)")
    return nginx


def check_nginx_conf(workdir: Path) -> subprocess.CompletedProcess:
    """`nginx -t` of workdir/nginx.conf (written from nginx/nginx.conf) and what workdir/conf.d holds."""
    main_conf = workdir / "nginx.conf"
    main_conf.write_text(loopback_nginx_conf(workdir))
    return subprocess.run([nginx_binary(), "-t", "-p", str(workdir), "-e", str(workdir / "error.log"),
                           "-c", str(main_conf)], capture_output=True, text=True, timeout=30)


@contextlib.contextmanager
def _nginx(workdir: Path, port: int):
    """nginx with nginx/nginx.conf and what workdir/conf.d holds, until the block ends."""
    check = check_nginx_conf(workdir)
    if check.returncode != 0:
        raise RuntimeError(f"nginx rejected the rendered config:\n{check.stderr}")
    process = subprocess.Popen([nginx_binary(), "-p", str(workdir), "-e", str(workdir / "error.log"),
                                "-c", str(workdir / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with _serving(process, port, f"http://{HOST}:{port}") as server:
        yield server


@contextlib.contextmanager
def nginx_server(variables: dict, workdir: Path):
    """Real nginx on loopback as the nginx container runs it: nginx/nginx.conf, the template
    rendered into workdir/conf.d and entrypoint.d's script run there. What `variables` leaves out
    is .env.production's, but NGINX_TRUSTED_PROXIES is LOOPBACK_FRONT. Yields its base URL."""
    port = free_port()
    values = {**nginx_defaults(), "NGINX_TRUSTED_PROXIES": LOOPBACK_FRONT, **variables, "NGINX_PORT": port}
    conf_d = workdir / "conf.d"
    conf_d.mkdir(parents=True, exist_ok=True)
    (conf_d / "default.conf").write_text(render_template(NGINX_TEMPLATE.read_text(), values))
    script = run_address_script(conf_d, values)
    if script.returncode != 0:
        raise RuntimeError(f"{NGINX_ADDRESS_SCRIPT.name} failed:\n{script.stderr}")
    with _nginx(workdir, port) as server:
        yield server


@contextlib.contextmanager
def nginx_front(backend_port: int, workdir: Path, source: str = HOST):
    """A TLS terminator's stand-in in front of the nginx on `backend_port`: it connects from the
    loopback address `source`, appends its client's address to X-Forwarded-For and says
    X-Forwarded-Proto: https, as a load balancer does."""
    port = free_port()
    conf_d = workdir / "conf.d"
    conf_d.mkdir(parents=True, exist_ok=True)
    (conf_d / "front.conf").write_text(f"""server {{
    listen {HOST}:{port};
    location / {{
        proxy_pass http://{HOST}:{backend_port};
        proxy_bind {source};
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto https;
    }}
}}
""")
    with _nginx(workdir, port) as server:
        yield server


@contextlib.contextmanager
def gunicorn_server(env: dict, workers: int = 2, threads: int | None = None, app: str = "config.wsgi",
                    log_path: Path | None = None):
    """gunicorn with the project's config file on a free loopback port, serving `app`
    (threads: the config file's default unless given; its logs into `log_path` if given)."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"{HOST}:{port}", "GUNICORN_WORKERS": str(workers)}
    if threads is not None:
        env["GUNICORN_THREADS"] = str(threads)
    with contextlib.ExitStack() as stack:
        log = stack.enter_context(open(log_path, "ab")) if log_path is not None else subprocess.DEVNULL
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", app],
                                   cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log)
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
