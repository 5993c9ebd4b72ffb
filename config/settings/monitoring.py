"""Settings for operators: logs, request ids, GET /metrics and the admin's counts (sunat.monitoring,
sunat.operators).
Part of base.py, which imports it; values from the environment."""

import ipaddress

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

# Logs: plain text lines (make run), or one JSON object per line (DJANGO_LOG_FORMAT=json:
# time, level, logger, message, the request id and each line's own fields). Every line written
# while a request is served carries its id (sunat.monitoring.logs).
LOG_FORMAT = env("DJANGO_LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
# One line per request (method, path, status, duration, X-Cache, the API key's prefix): on by
# default with JSON logs; nginx logs every request already.
LOG_REQUESTS = env.bool("DJANGO_LOG_REQUESTS", default=LOG_FORMAT == "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "sunat.monitoring.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"()": "logging.Formatter", "fmt": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s",
                  "defaults": {"request_id": "-"}},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": "{levelname}{name}{message}", "style": "{",
                 "timestamp": "time", "rename_fields": {"levelname": "level", "name": "logger"}},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# GET /metrics (Prometheus): open to these addresses or networks, or with "Authorization: Bearer
# METRICS_TOKEN" from anywhere nginx lets through (it serves /metrics to nobody).
METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network(entry.strip(), strict=False)
                            for entry in env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"]) if entry.strip()]
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Seconds between two writes of the admin's counts (hits per RUC, keys' use per day, the overview's
# hours) by each process: batched, never a write per request (sunat.monitoring.tally).
TALLY_FLUSH_SECONDS = env.int("TALLY_FLUSH_SECONDS", default=30)
if TALLY_FLUSH_SECONDS < 1:
    raise ImproperlyConfigured("TALLY_FLUSH_SECONDS must be at least 1")
