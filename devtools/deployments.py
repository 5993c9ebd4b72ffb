"""The environment and commands of a production deployment, for tests that run one on loopback."""

import contextlib
import os
import secrets
import signal
import subprocess
import sys

from devtools.servers import PROJECT_ROOT, Output

# Every SUNAT address a deployment asks on its own (lookups, schedules), and its registers' files.
NOWHERE = ("SUNAT_BASE_URL", "SUNAT_TIPO_CAMBIO_URL", "SUNAT_TIPO_CAMBIO_TXT_URL", "SUNAT_API_TOKEN_URL", "SUNAT_API_URL",
           "PADRON_URL", "AGENTES_RETENCION_URL", "AGENTES_PERCEPCION_URL", "AGENTES_PERCEPCION_VI_URL",
           "BUENOS_CONTRIBUYENTES_URL", "ESTABLECIMIENTOS_ANEXOS_URL")


def production_env(database_url: str, **extra) -> dict:
    """Production settings straight to gunicorn (no TLS front, so no HTTPS redirect)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "USE_REDIS": "False",
        "DJANGO_SECURE_SSL_REDIRECT": "False",
        # Anonymous lookups, as the tests and benchmarks make them (production requires keys by default).
        "API_KEYS_REQUIRED": "False",
        # SUNAT's hosts where a test or benchmark points none of its own: loopback's discard port, which
        # refuses (the worker's schedules ask SUNAT; nothing may reach the internet).
        **{name: f"http://127.0.0.1:9/{name.lower()}" for name in NOWHERE},
        **extra,
    }


def manage(env: dict, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def create_database(postgres_url: str, name: str) -> str:
    """A new empty database on a running PostgreSQL; returns its URL."""
    subprocess.run(["psql", postgres_url, "-qc", f"CREATE DATABASE {name}"], check=True)
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"


@contextlib.contextmanager
def job_worker(env: dict, log_path):
    """`manage.py qcluster` (the worker service) in its own session, its output in `log_path` (a
    pipe nobody reads would fill and stop it; an exception leaving the block carries its end).
    Stopped as its service is: SIGTERM to its main process only (SIGTERM to the whole group can
    hang django-q2), then SIGKILL to the group."""
    output = Output(log_path)
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=PROJECT_ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    except Exception as error:
        # A test that waited in vain for the worker shows why (it may never have started).
        state = "still running" if process.poll() is None else f"exited with {process.returncode}"
        error.add_note(f"The job worker ({state}) wrote:\n{output.tail()}")
        raise
    finally:
        kill_worker(process, graceful=True)


def kill_worker(process: subprocess.Popen, graceful: bool = False) -> None:
    """Stop a job_worker: at once (SIGKILL to every process of it), or as its service would."""
    if process.poll() is not None:
        return
    if graceful:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
            return
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
