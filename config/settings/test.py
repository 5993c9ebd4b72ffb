"""Tests: the database and cache come from the environment the test runner sets up."""

import os
from urllib.parse import urlsplit

from .base import *  # noqa: F401,F403
from .base import env

SECRET_KEY = "test-secret-key-not-for-production"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Retries must not make the suite slow.
SUNAT_TIMEOUT = env.float("SUNAT_TIMEOUT", default=2.0)
SUNAT_RETRY_BACKOFF = env.float("SUNAT_RETRY_BACKOFF", default=0.01)
# A failure backoff of a blink: tests that break SUNAT on purpose must not slow the next ones.
SUNAT_FAILURE_BACKOFF = env.float("SUNAT_FAILURE_BACKOFF", default=0.05)
# No pacing between upstream requests unless a test asks for it.
SUNAT_MIN_INTERVAL = env.float("SUNAT_MIN_INTERVAL", default=0.0)
SUNAT_API_MIN_INTERVAL = env.float("SUNAT_API_MIN_INTERVAL", default=0.0)
# Tests that expire entries by deleting them from the cache must not be answered by a
# process-local copy; the tests of that copy turn it on.
RUC_LOCAL_TTL = env.int("RUC_LOCAL_TTL", default=0)
# Tests import registers of every size in any order; the test of the shrink guard sets its own.
PADRON_MAX_SHRINK = env.float("PADRON_MAX_SHRINK", default=1.0)
# The admin's counts are written when a test flushes them (sunat.monitoring.tally.flush), never by
# the flushing thread in the middle of another test.
TALLY_FLUSH_SECONDS = env.int("TALLY_FLUSH_SECONDS", default=10**6)
# What a test did not point at a stand-in never reaches the internet: loopback's discard port refuses it.
_NOWHERE = "http://127.0.0.1:9"
SUNAT_TIPO_CAMBIO_URL = env("SUNAT_TIPO_CAMBIO_URL", default=f"{_NOWHERE}/cl-at-ittipcam/tcS01Alias")
SUNAT_TIPO_CAMBIO_TXT_URL = env("SUNAT_TIPO_CAMBIO_TXT_URL", default=f"{_NOWHERE}/a/txt/tipoCambio.txt")
SUNAT_API_TOKEN_URL = env("SUNAT_API_TOKEN_URL", default=f"{_NOWHERE}/v1/clientesextranet")
SUNAT_API_URL = env("SUNAT_API_URL", default=f"{_NOWHERE}/v1/contribuyente/contribuyentes")

# pytest-xdist's workers (gw0, gw1...) each take a Redis database of their own on the runner's one
# redis-server, as pytest-django gives each its own test database: one worker's cache.clear()
# between tests, its pacing slots and leases never reach the other's.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if USE_REDIS and _XDIST_WORKER.startswith("gw"):  # noqa: F405
    _redis = urlsplit(REDIS_URL)  # noqa: F405
    CACHES["default"]["LOCATION"] = _redis._replace(path=f"/{int(_XDIST_WORKER[2:]) + 1}").geturl()  # noqa: F405
