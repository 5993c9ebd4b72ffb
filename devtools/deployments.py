"""The environment and commands of a production deployment, for tests that run one on loopback."""

import os
import secrets
import subprocess
import sys

from devtools.servers import PROJECT_ROOT


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
        **extra,
    }


def manage(env: dict, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def create_database(postgres_url: str, name: str) -> str:
    """A new empty database on a running PostgreSQL; returns its URL."""
    subprocess.run(["psql", postgres_url, "-qc", f"CREATE DATABASE {name}"], check=True)
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"
