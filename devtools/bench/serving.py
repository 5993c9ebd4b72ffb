"""The stack the benches serve: gunicorn and nginx on a migrated database, and checks of what it answers."""

import contextlib
import json
from pathlib import Path

import requests

from devtools.bench.measure import children
from devtools.deployments import create_database, manage
from devtools.servers import HOST, gunicorn_server, nginx_server

RUC = "20573215045"  # a captured SUNAT page in the replica: a real answer's keys and sizes
HEADERS = {"Host": "localhost", "X-Forwarded-Proto": "https"}  # as report.lua sends them
WORKERS, THREADS = 2, 32  # the documented defaults of config/gunicorn.py


def check_same_answer(url: str, expected: bytes, what: str, exact: bool = True,
                      headers=None) -> requests.Response:
    response = requests.get(url, headers={**HEADERS, **(headers or {})}, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"{what}: {url} answered {response.status_code}, not 200:\n{response.text[:500]}")
    if exact and response.content != expected:
        raise RuntimeError(f"{what}: {url} does not answer the same bytes as the cached lookup")
    if not exact and (len(response.content) != len(expected)
                      or set(response.json()) != set(json.loads(expected))):
        raise RuntimeError(f"{what}: {url} does not answer the same keys and size as the cached lookup")
    return response


def gunicorn_workers(master: int):
    return lambda: children(master)


def nginx_processes(master: int):
    return lambda: [master, *children(master)]


# SUNAT's registers at about their real sizes (BueCont ~50,000 RUCs, AgenRet ~6,000), drawn from
# a generated padrón of this many rows with these shares of its companies: every answer the
# bench measures carries the registers' fields, as in production. (The establishments are not
# on the answers the bench measures: they answer their own sub-page.)
REGISTER_PADRON_ROWS = 700_000
REGISTER_SHARES = {"agentes-retencion": 0.025, "agentes-percepcion": 0.01, "agentes-percepcion-vi": 0.01,
                   "buenos-contribuyentes": 0.2}


def register_files(workdir: Path) -> dict[str, Path]:
    """The registers' files for the bench, written once into `workdir`."""
    from devtools.register_generator import write_register

    return {name: write_register(workdir / f"{name}.zip", name, REGISTER_PADRON_ROWS, share=share)
            for name, share in REGISTER_SHARES.items()}


def migrated(env: dict, postgres_url: str, database: str, registers: dict[str, Path] | None = None) -> dict:
    """The environment on a new, migrated database of the bench's PostgreSQL, with `registers`
    (register name -> file) imported."""
    env = {**env, "DATABASE_URL": create_database(postgres_url, database)}
    migrated = manage(env, "migrate", "--noinput")
    if migrated.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{migrated.stdout}\n{migrated.stderr}")
    for name, path in (registers or {}).items():
        imported = manage(env, "import_padron", "--registro", name, str(path))
        if imported.returncode != 0:
            raise RuntimeError(f"import of {name} failed:\n{imported.stdout}\n{imported.stderr}")
    return env


@contextlib.contextmanager
def serve(env: dict, constant: Path, static_root: Path, workdir: Path, app: str = "config.wsgi"):
    """gunicorn (config/gunicorn.py) serving `app`, and nginx (the project's template) in front of it."""
    with gunicorn_server({**env, "BENCH_CONSTANT_JSON": str(constant)}, WORKERS, THREADS, app) as gunicorn:
        variables = {
            "NGINX_SERVER_NAME": "localhost",
            "GUNICORN_UPSTREAM": f"{HOST}:{gunicorn.port}",
            "STATIC_ROOT": str(static_root),
            "NGINX_PROXY_READ_TIMEOUT": "30",
            "NGINX_API_RATE": "100000r/s",  # the rate limit must not be what is measured
            "NGINX_API_BURST": "100000",
            "NGINX_API_CONNECTIONS": "60000",
        }
        workdir.mkdir(parents=True, exist_ok=True)
        with nginx_server(variables, workdir) as nginx:
            yield gunicorn, nginx
