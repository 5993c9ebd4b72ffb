"""Real redis-server, PostgreSQL, nginx and gunicorn on free loopback ports, started and stopped by the tests.

Each keeps its output in a file; one that dies before it listens raises ServerFailed with the end
of it. Another program (another checkout's suite on the same machine) may take a free port before
the server binds it: the server then starts again on another (_serving), and gunicorn is handed a
socket already bound.

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
    """A port nothing uses now; another program may take it before whoever asked binds it."""
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


class Output:
    """The files a server writes its output to, and what it wrote there since it was started."""

    def __init__(self, *paths):
        self.paths = [Path(path) for path in paths]
        self.offsets = {path: path.stat().st_size if path.exists() else 0 for path in self.paths}

    def tail(self, lines: int = 40) -> str:
        parts = []
        for path in self.paths:
            try:
                with path.open("rb") as handle:
                    size = handle.seek(0, os.SEEK_END)
                    handle.seek(max(self.offsets[path], size - 65536))
                    text = handle.read().decode(errors="replace")
            except FileNotFoundError:
                continue
            if text.strip():
                parts.append(f"--- the end of {path} ---\n" + "\n".join(text.splitlines()[-lines:]))
        return "\n".join(parts) or "(it wrote nothing)"


class ServerFailed(RuntimeError):
    """A server a test started exited before it listened; the message ends with what it wrote."""

    def __init__(self, message: str, output: Output | None):
        self.output = output.tail() if output is not None else "(its output was not kept)"
        super().__init__(f"{message}; its output:\n{self.output}")

    @property
    def port_taken(self) -> bool:
        return bool(_ADDRESS_IN_USE.search(self.output))


# How redis-server, PostgreSQL, nginx and gunicorn say that their port was taken.
_ADDRESS_IN_USE = re.compile(r"address already in use|address in use|connection in use|EADDRINUSE", re.IGNORECASE)
# Starts of a server that dies because another program took its free port in the meantime.
PORT_ATTEMPTS = 5


def _listening_sockets(port: int) -> set[str] | None:
    """The inodes of the sockets listening on TCP `port`, or None where /proc does not tell."""
    inodes, readable = set(), False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as rows:
            readable = True
            next(rows)
            for row in rows:
                fields = row.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                    inodes.add(fields[9])
    return inodes if readable else None


def holds_listener(process: subprocess.Popen, port: int) -> bool:
    """Whether `process` itself listens on `port`: what answers there may be another program that took
    the port (another checkout's tests), while ours is still trying to bind it."""
    inodes = _listening_sockets(port)
    if inodes is None:
        return True  # no /proc: having connected is all there is to know
    try:
        fds = os.listdir(f"/proc/{process.pid}/fd")
    except OSError:
        return bool(inodes)
    for fd in fds:
        with contextlib.suppress(OSError):
            link = os.readlink(f"/proc/{process.pid}/fd/{fd}")
            if link.startswith("socket:[") and link[8:-1] in inodes:
                return True
    return False


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30.0, output: Output | None = None,
                  host: str = HOST) -> None:
    """Until `process` listens on `port`; ServerFailed if it exits first, TimeoutError if it takes
    longer than `timeout`, each with the end of `output`."""
    def listening() -> bool:
        if process.poll() is not None:
            raise ServerFailed(f"{process.args[0]} exited with {process.returncode} before listening on "
                               f"{host}:{port}", output)
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return holds_listener(process, port)
        return False

    try:
        wait_until(listening, timeout, f"{process.args[0]} listening on {host}:{port}", interval=0.05)
    except TimeoutError as error:
        raise TimeoutError(f"{error}; its output:\n{output.tail() if output else '(not kept)'}") from None


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
def _serving(launch, port: int | None = None, ready=None, host: str = HOST):
    """Where every server the tests use starts: launch(port) starts one on `port` (or a free one)
    and returns (process, url, output); wait until it listens there (and ready(port) passes), yield
    it, stop it at the end. A free port is only free when free_port() looks: one that another
    program took before the server bound it is not an error, the server starts again on another
    one (PORT_ATTEMPTS times in all)."""
    for attempt in range(1, PORT_ATTEMPTS + 1):
        chosen = port or free_port()
        process, url, output = launch(chosen)
        try:
            wait_for_port(chosen, process, output=output, host=host)
            if ready is not None:
                try:
                    ready(chosen)
                except TimeoutError as error:
                    raise TimeoutError(f"{error}; its output:\n{output.tail()}") from None
        except ServerFailed as failure:
            stop_process(process)
            if port is None and failure.port_taken and attempt < PORT_ATTEMPTS:
                continue
            raise
        except BaseException:
            stop_process(process)
            raise
        break
    server = Server(url=url, port=chosen, process=process)
    try:
        yield server
    finally:
        stop_process(server.process)  # the last one started (postgres_server's stopped() starts another)


@contextlib.contextmanager
def redis_server(port: int | None = None):
    """redis-server without persistence; `port` to restart one where an earlier one was."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (make test installs it)")
    with tempfile.TemporaryDirectory(prefix="redis-test-") as workdir:
        log, out = Path(workdir) / "redis.log", Path(workdir) / "redis.out"

        def launch(port):
            output = Output(log, out)
            with out.open("ab") as handle:
                process = subprocess.Popen(
                    [binary, "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no",
                     "--dir", workdir, "--logfile", str(log)],
                    stdout=handle, stderr=subprocess.STDOUT,
                )
            return process, f"redis://{HOST}:{port}/0", output

        with _serving(launch, port) as server:
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
    """PostgreSQL on a free loopback port, in a new data directory. `server.stopped()` is a block
    during which it is down (a fast shutdown: its clients are cut off) and after which it is up
    again on the same port with the same data, as an outage and a restart are."""
    bindir = _postgres_bindir()
    # PostgreSQL refuses to run as root: run it as the `postgres` user the package creates.
    run_as = {}
    if os.geteuid() == 0:
        run_as = {"user": "postgres", "group": "postgres", "extra_groups": []}
    with tempfile.TemporaryDirectory(prefix="pg-test-") as workdir:
        datadir = os.path.join(workdir, "data")
        if run_as:
            account = pwd.getpwnam("postgres")
            os.chown(workdir, account.pw_uid, account.pw_gid)
        initdb = subprocess.run(
            [f"{bindir}/initdb", "-D", datadir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
            capture_output=True, text=True, **run_as,
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb exited with {initdb.returncode}:\n{initdb.stdout}{initdb.stderr}")
        log = Path(workdir) / "postgres.log"

        def launch(port):
            output = Output(log)
            with log.open("ab") as handle:
                process = subprocess.Popen(
                    [f"{bindir}/postgres", "-D", datadir, "-p", str(port), "-k", workdir,
                     "-c", f"listen_addresses={HOST}", "-c", "fsync=off", "-c", "synchronous_commit=off",
                     "-c", "full_page_writes=off"],
                    stdout=handle, stderr=subprocess.STDOUT, **run_as,
                )
            return process, f"postgres://postgres@{HOST}:{port}/postgres", output

        def accepting(port):
            wait_until(lambda: subprocess.run([f"{bindir}/pg_isready", "-h", HOST, "-p", str(port)],
                                              capture_output=True).returncode == 0,
                       what="PostgreSQL accepting connections")

        with _serving(launch, ready=accepting) as server:
            @contextlib.contextmanager
            def stopped():
                server.process.send_signal(signal.SIGINT)  # "fast": SIGTERM would wait for every client
                server.process.wait(timeout=30)
                try:
                    yield
                finally:
                    process, _, output = launch(server.port)
                    server.process = process
                    wait_for_port(server.port, process, output=output)
                    accepting(server.port)

            server.stopped = stopped
            yield server


PROJECT_ROOT = Path(__file__).resolve().parents[1]
NGINX_DIR = PROJECT_ROOT / "nginx"
NGINX_TEMPLATE = NGINX_DIR / "templates" / "default.conf.template"
NGINX_MAIN_CONF = NGINX_DIR / "nginx.conf"
NGINX_ADDRESS_SCRIPT = NGINX_DIR / "entrypoint.d" / "40-trusted-proxies.sh"
NGINX_UPSTREAM_SCRIPT = NGINX_DIR / "entrypoint.d" / "41-upstream.sh"
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


def run_address_script(output_dir: Path, variables: dict, script: Path = NGINX_ADDRESS_SCRIPT
                       ) -> subprocess.CompletedProcess:
    """An nginx/entrypoint.d script (by default the trusted proxies'), as the image's entrypoint
    launches it (by its exec bit), with `variables` as its environment and what it writes
    (trusted-proxies.conf, upstream.conf) written into output_dir."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **{name: str(value) for name, value in variables.items()},
           "NGINX_ENVSUBST_OUTPUT_DIR": str(output_dir)}
    return subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=30)


def run_entrypoint_scripts(output_dir: Path, variables: dict) -> None:
    """Every nginx/entrypoint.d script, in the image's order; RuntimeError with the output of one that fails."""
    for script in (NGINX_ADDRESS_SCRIPT, NGINX_UPSTREAM_SCRIPT):
        result = run_address_script(output_dir, variables, script)
        if result.returncode != 0:
            raise RuntimeError(f"{script.name} failed:\n{result.stderr}")


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
def _nginx(workdir: Path, configure):
    """nginx with nginx/nginx.conf and what configure(port) writes into workdir/conf.d, until the block ends."""
    out = workdir / "nginx.out"

    def launch(port):
        configure(port)
        check = check_nginx_conf(workdir)
        if check.returncode != 0:
            raise RuntimeError(f"nginx rejected the rendered config:\n{check.stderr}")
        output = Output(out, workdir / "error.log")
        with out.open("ab") as handle:
            process = subprocess.Popen([nginx_binary(), "-p", str(workdir), "-e", str(workdir / "error.log"),
                                        "-c", str(workdir / "nginx.conf")],
                                       stdout=handle, stderr=subprocess.STDOUT)
        return process, f"http://{HOST}:{port}", output

    with _serving(launch) as server:
        yield server


@contextlib.contextmanager
def nginx_server(variables: dict, workdir: Path):
    """Real nginx on loopback as the nginx container runs it: nginx/nginx.conf, the template
    rendered into workdir/conf.d and entrypoint.d's scripts run there. What `variables` leaves out
    is .env.production's, but NGINX_TRUSTED_PROXIES is LOOPBACK_FRONT. Yields its base URL."""
    conf_d = workdir / "conf.d"
    conf_d.mkdir(parents=True, exist_ok=True)

    def configure(port):
        values = {**nginx_defaults(), "NGINX_TRUSTED_PROXIES": LOOPBACK_FRONT, **variables, "NGINX_PORT": port}
        (conf_d / "default.conf").write_text(render_template(NGINX_TEMPLATE.read_text(), values))
        run_entrypoint_scripts(conf_d, values)

    with _nginx(workdir, configure) as server:
        yield server


@contextlib.contextmanager
def nginx_front(backend_port: int, workdir: Path, source: str = HOST):
    """A TLS terminator's stand-in in front of the nginx on `backend_port`: it connects from the
    loopback address `source`, appends its client's address to X-Forwarded-For and says
    X-Forwarded-Proto: https, as a load balancer does."""
    conf_d = workdir / "conf.d"
    conf_d.mkdir(parents=True, exist_ok=True)

    def configure(port):
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

    with _nginx(workdir, configure) as server:
        yield server


@contextlib.contextmanager
def gunicorn_server(env: dict, workers: int = 2, threads: int | None = None, app: str = "config.wsgi",
                    log_path: Path | None = None, host: str = HOST):
    """gunicorn with the project's config file on a free port of loopback address `host`, serving
    `app` (threads: the config file's default unless given; its logs into `log_path` if given, else
    into a temporary file). Linux routes all of 127.0.0.0/8 to loopback: one address per instance."""
    env = {**env, "GUNICORN_WORKERS": str(workers)}
    if threads is not None:
        env["GUNICORN_THREADS"] = str(threads)
    with contextlib.ExitStack() as stack:
        if log_path is None:
            log_path = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gunicorn-test-"))) / "gunicorn.log"
        # gunicorn is handed the socket bound here (fd://): no other program can take its port.
        listener = stack.enter_context(socket.socket())
        listener.bind((host, 0))

        def launch(port):
            output = Output(log_path)
            with open(log_path, "ab") as log:
                process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", app],
                                           cwd=PROJECT_ROOT, env={**env, "GUNICORN_BIND": f"fd://{listener.fileno()}"},
                                           pass_fds=[listener.fileno()], stdout=log, stderr=log)
            listener.close()  # gunicorn's now
            return process, f"http://{host}:{port}", output

        yield stack.enter_context(_serving(launch, listener.getsockname()[1], host=host))


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
