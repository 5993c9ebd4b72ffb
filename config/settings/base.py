"""Settings shared by every environment. Values come from the environment (django-environ)."""

import ipaddress
import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# Core
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    # First: its templates/admin/ override the admin's own (base_site.html), and its `qcluster`
    # command django_q's (processes that end with their parent).
    "sunat",
    "sunat.apps.ServiceAdminConfig",  # django.contrib.admin, with the service's own admin.site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.humanize",  # the admin's overview: thousands separators
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",  # the admin login's lockout; see "Admin lockout" below
    "django_q",  # the durable task queue; see Q_CLUSTER below
    "drf_spectacular_sidecar",  # Redoc's files for /api/docs (static only)
]

MIDDLEWARE = [
    # First: it counts, times and logs every response (the other middlewares' JSON errors too).
    "sunat.monitoring.middleware.RequestMonitoringMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "sunat.keys.middleware.ApiKeyMiddleware",
    "sunat.upstream.middleware.UpstreamAskerMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks. Per request it only reads one attribute that axes sets during a login.
    "axes.middleware.AxesMiddleware",
]

# axes first: it refuses a locked-out client before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: a SQLite file unless DATABASE_URL says otherwise.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A kept connection is checked before its first use in a request or a queue task: after a PostgreSQL
# restart, the first one would otherwise fail on a connection the server already closed.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and sessions: Redis (django-redis) when USE_REDIS, else an in-process LocMemCache.
USE_REDIS = env.bool("USE_REDIS", default=False)
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

if USE_REDIS:
    CACHES = {
        "default": {
            # django-redis behind a circuit breaker: when Redis fails or hangs, calls go to an
            # in-process memory cache (and the database behind it) until Redis answers again.
            "BACKEND": "resilient_cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # JSON so that `redis-cli GET` shows readable data.
                "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
                # Short timeouts: a hung Redis costs one timeout, then the breaker opens.
                "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", default=0.5),
                "SOCKET_TIMEOUT": env.float("REDIS_SOCKET_TIMEOUT", default=0.5),
                "FALLBACK_MAX_ENTRIES": env.int("LOCMEM_MAX_ENTRIES", default=10_000),
                # How often Redis is probed while the breaker is open.
                "RETRY_INTERVAL": env.float("REDIS_RETRY_INTERVAL", default=2.0),
            },
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ruc-service",
            "OPTIONS": {"MAX_ENTRIES": env.int("LOCMEM_MAX_ENTRIES", default=10_000)},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# RUC lookups
RUC_CACHE_TTL = env.int("RUC_CACHE_TTL", default=7 * 24 * 3600)
RUC_NOT_FOUND_TTL = env.int("RUC_NOT_FOUND_TTL", default=3600)
# With Redis: seconds each process keeps what it read, to skip the round trip for popular
# RUCs (an eviction in another process reaches this one within that time). 0: off.
RUC_LOCAL_TTL = env.int("RUC_LOCAL_TTL", default=5)
# Seconds each SUNAT section is served without asking again: its declaration says (sunat.upstream.parser:
# debts and omissions a day, as they change from one day to the next and a purchasing department checks
# them before paying; the rest RUC_CACHE_TTL). RUC_SECTION_TTL_<NAME> overrides it, NAME the section's
# name in capitals with "_" for "-" (RUC_SECTION_TTL_DEUDA_COACTIVA). Keyed by the section's name; one
# naming no section fails `manage.py check` (sunat.upstream.checks).
_SECTION_TTL_PREFIX = "RUC_SECTION_TTL_"
RUC_SECTION_TTL = {
    variable.removeprefix(_SECTION_TTL_PREFIX).lower().replace("_", "-"): env.int(variable)
    for variable in sorted(os.environ) if variable.startswith(_SECTION_TTL_PREFIX)
}

# An import of the Padrón Reducido with this share fewer rows than the version in use is refused
# (a download cut short reads as a valid, shorter register); manage.py import_padron --force takes it.
PADRON_MAX_SHRINK = env.float("PADRON_MAX_SHRINK", default=0.05)
# ... and one changing the estado or condición of more than this share of its rows (a day
# changes about 0.5%; a file whose columns or words moved would rewrite every stored answer).
PADRON_MAX_CHANGES = env.float("PADRON_MAX_CHANGES", default=0.1)
# Where SUNAT publishes each register's daily file (sunat.registers.files: url_setting).
PADRON_URL = env("PADRON_URL", default="http://www2.sunat.gob.pe/padron_reducido_ruc.zip")
AGENTES_RETENCION_URL = env("AGENTES_RETENCION_URL",
                            default="https://www.sunat.gob.pe/descarga/AgentRet/AgenRet_TXT.zip")
AGENTES_PERCEPCION_URL = env("AGENTES_PERCEPCION_URL",
                             default="https://www.sunat.gob.pe/descarga/AgentRet/AgenPerc_TXT.zip")
AGENTES_PERCEPCION_VI_URL = env("AGENTES_PERCEPCION_VI_URL",
                                default="https://www.sunat.gob.pe/descarga/AgentRet/AgenPercVI_TXT.zip")
BUENOS_CONTRIBUYENTES_URL = env("BUENOS_CONTRIBUYENTES_URL",
                                default="https://www.sunat.gob.pe/descarga/BueCont/BueCont_TXT.zip")
ESTABLECIMIENTOS_ANEXOS_URL = env("ESTABLECIMIENTOS_ANEXOS_URL",
                                  default="https://www.sunat.gob.pe/descargaPRR/padron_reducido_local_anexo.zip")
# manage.py sync_sunat_files --daily (the scheduler service) syncs them every day at this Lima time,
# HH:MM (or HH:MM:SS); SUNAT publishes them early in the morning.
SUNAT_SYNC_TIME = env("SUNAT_SYNC_TIME", default="06:30")
# GET /api/buscar: each query runs under this many seconds of database time (PostgreSQL's
# statement_timeout), at most PADRON_SEARCH_CONCURRENCY at once per process, and no page reaches
# past the first PADRON_SEARCH_MAX_RESULTS hits (a deep OFFSET costs as much as the whole result).
PADRON_SEARCH_TIMEOUT = env.float("PADRON_SEARCH_TIMEOUT", default=2.0)
PADRON_SEARCH_CONCURRENCY = env.int("PADRON_SEARCH_CONCURRENCY", default=4)
PADRON_SEARCH_MAX_RESULTS = env.int("PADRON_SEARCH_MAX_RESULTS", default=1000)

# API keys (sunat.keys.services): created in the admin, sent as "Authorization: Bearer <key>".
# Off by default so that `make run` answers at once; a key that is sent is always checked.
API_KEYS_REQUIRED = env.bool("API_KEYS_REQUIRED", default=False)
API_KEY_PER_MINUTE = env.int("API_KEY_PER_MINUTE", default=60)  # a new key's quotas (editable per key)
API_KEY_PER_DAY = env.int("API_KEY_PER_DAY", default=10_000)
# How many RUCs a key may watch (/api/vigilancia) unless the admin sets another limit for it.
WATCH_LIMIT_PER_KEY = env.int("WATCH_LIMIT_PER_KEY", default=10_000)
# The share of SUNAT's request budget (60 / SUNAT_MIN_INTERVAL a minute) the scheduled re-check of
# watched RUCs may spend; live lookups keep the rest, and go first.
WATCH_SUNAT_SHARE = env.float("WATCH_SUNAT_SHARE", default=0.1)
# Webhooks only to https URLs whose host resolves to public addresses, unless this (tests, a
# closed network: it allows plain http and private addresses too).
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
# The ports a webhook URL on a public address may use (any port with WEBHOOK_ALLOW_PRIVATE).
WEBHOOK_PORTS = env.list("WEBHOOK_PORTS", cast=int, default=[443])
# A notice not delivered this many seconds after its change is marked failed (it stays in the
# feed and the admin).
WEBHOOK_MAX_AGE = env.int("WEBHOOK_MAX_AGE", default=24 * 3600)
# Days the changes (the feed GET /api/cambios, the webhooks' deliveries) and the padrón's change
# history are kept; 0: for ever.
CHANGES_RETENTION_DAYS = env.int("CHANGES_RETENTION_DAYS", default=90)
# The CA certificates webhook receivers' TLS is checked against (a PEM file: a closed network's own
# CA); empty: certifi's public ones.
WEBHOOK_CA_BUNDLE = env("WEBHOOK_CA_BUNDLE", default="")
# A delivery claims its notice this long: a worker killed mid-delivery leaves it due again then.
WEBHOOK_CLAIM_SECONDS = env.int("WEBHOOK_CLAIM_SECONDS", default=60)
# POSTs one delivery run (a queue task) has out at once, each to another key: a dead receiver holds
# one of them for up to 10 s an attempt, never the other keys' deliveries.
WEBHOOK_CONCURRENCY = env.int("WEBHOOK_CONCURRENCY", default=16)
if WEBHOOK_CONCURRENCY < 1:
    raise ImproperlyConfigured("WEBHOOK_CONCURRENCY must be at least 1")

# POST /api/ruc/lote answers within this many seconds (and within SUNAT_DEADLINE); what is not
# done by then is "pendiente" and stays queued for LOTE_PENDING_TTL seconds after it was last asked for.
LOTE_TIMEOUT = env.float("LOTE_TIMEOUT", default=15.0)
LOTE_PENDING_TTL = env.float("LOTE_PENDING_TTL", default=60.0)
# Pending batch items one client (API key, or address) may have queued, per process.
LOTE_PENDING_PER_CLIENT = env.int("LOTE_PENDING_PER_CLIENT", default=300)
# GET /api/ruc/<ruc>/completo answers within this many seconds (and within SUNAT_DEADLINE): the
# sections not done by then are "pendiente" and keep running, like a batch's items.
COMPLETO_TIMEOUT = env.float("COMPLETO_TIMEOUT", default=15.0)

# SUNAT upstream
SUNAT_BASE_URL = env("SUNAT_BASE_URL", default="https://e-consultaruc.sunat.gob.pe/cl-ti-itmrconsruc/")
SUNAT_TIMEOUT = env.float("SUNAT_TIMEOUT", default=10.0)
SUNAT_MAX_ATTEMPTS = env.int("SUNAT_MAX_ATTEMPTS", default=3)
SUNAT_RETRY_BACKOFF = env.float("SUNAT_RETRY_BACKOFF", default=0.5)
# The most read of one SUNAT page, compressed or not (the largest captured page is 56 KB); past it, 503.
SUNAT_MAX_PAGE_BYTES = env.int("SUNAT_MAX_PAGE_BYTES", default=2 * 1024 * 1024)
# SUNAT's exchange rate (sunat.exchange): the calendar page whose month query answers the rates,
# the one-line file of today's rate (asked when the month query fails), and how often today's rate
# is asked again until SUNAT publishes it.
SUNAT_TIPO_CAMBIO_URL = env("SUNAT_TIPO_CAMBIO_URL", default="https://e-consulta.sunat.gob.pe/cl-at-ittipcam/tcS01Alias")
SUNAT_TIPO_CAMBIO_TXT_URL = env("SUNAT_TIPO_CAMBIO_TXT_URL", default="https://www.sunat.gob.pe/a/txt/tipoCambio.txt")
TIPO_CAMBIO_REFRESH_MINUTES = env.int("TIPO_CAMBIO_REFRESH_MINUTES", default=30)
# Every request's SUNAT work (pacing waits, attempts, backoff) ends within this many seconds:
# below nginx's NGINX_PROXY_READ_TIMEOUT by a margin, so that the client always gets our JSON.
SUNAT_DEADLINE = env.float("SUNAT_DEADLINE", default=20.0)
# Pacing and firewall: SUNAT blocks an IP for minutes after a burst.
SUNAT_MIN_INTERVAL = env.float("SUNAT_MIN_INTERVAL", default=1.0)  # seconds between requests, deployment-wide
SUNAT_BLOCK_COOLDOWN = env.int("SUNAT_BLOCK_COOLDOWN", default=300)  # seconds without asking after a rejection
# After a request that got no answer (refused, reset, timed out): seconds without asking, doubled
# on each failure in a row up to SUNAT_BLOCK_COOLDOWN.
SUNAT_FAILURE_BACKOFF = env.float("SUNAT_FAILURE_BACKOFF", default=1.0)

# SUNAT's official REST API ("Consulta Integrada de Comprobante de Pago", sunat.comprobantes): the
# OAuth2 client credentials created in SOL ("Credenciales API") and the consulting taxpayer's RUC.
# Without them POST /api/comprobantes/validar answers 503 cpe_no_configurado. The secret is never logged.
SUNAT_API_CLIENT_ID = env("SUNAT_API_CLIENT_ID", default="")
SUNAT_API_CLIENT_SECRET = env("SUNAT_API_CLIENT_SECRET", default="")
SUNAT_API_RUC = env("SUNAT_API_RUC", default="")
SUNAT_API_TOKEN_URL = env("SUNAT_API_TOKEN_URL", default="https://api-seguridad.sunat.gob.pe/v1/clientesextranet")
SUNAT_API_URL = env("SUNAT_API_URL", default="https://api.sunat.gob.pe/v1/contribuyente/contribuyentes")
# Seconds between two requests to the API, deployment-wide: a lane of its own, apart from SUNAT_MIN_INTERVAL.
SUNAT_API_MIN_INTERVAL = env.float("SUNAT_API_MIN_INTERVAL", default=0.2)
# Seconds a comprobante's validation is served without asking SUNAT again (an ACEPTADO may be annulled).
CPE_CACHE_TTL = env.int("CPE_CACHE_TTL", default=86400)
# Processes answering the API (gunicorn's config file exports GUNICORN_WORKERS); without Redis
# each counts a key's quota on its own, a share of it.
WEB_PROCESSES = env.int("GUNICORN_WORKERS", default=1)
# The task queue's worker processes (Q_CLUSTER below): they ask SUNAT too (stale refreshes, re-checks).
QUEUE_WORKERS = env.int("QUEUE_WORKERS", default=2)
# When Redis is not there to share the pacing, each process paces itself to its part of SUNAT's
# rate (sunat.upstream.throttle.local_interval): the SUNAT_PROCESSES web processes of the whole
# deployment (empty: this machine's WEB_PROCESSES) share 1 - SUNAT_BACKGROUND_SHARE of it, the task
# queue's QUEUE_WORKERS (stale refreshes, re-checks) the rest. With Redis, background work takes
# only the slots live work leaves free.
SUNAT_PROCESSES = int(env("SUNAT_PROCESSES", default="") or WEB_PROCESSES)
SUNAT_BACKGROUND_SHARE = env.float("SUNAT_BACKGROUND_SHARE", default=0.2)
if not 0 < SUNAT_BACKGROUND_SHARE < 1:
    raise ImproperlyConfigured("SUNAT_BACKGROUND_SHARE must be between 0 and 1 (exclusive)")
# Upstream work per process (sunat.upstream.scheduler): threads asking SUNAT (one of them for live
# lookups only), request threads that may wait for them (keep it below GUNICORN_THREADS: the rest
# answer hits), the share of those one client may hold, and batch items and background refreshes
# that may be pending.
SUNAT_CONCURRENCY = env.int("SUNAT_CONCURRENCY", default=2)
SUNAT_QUEUE_SIZE = env.int("SUNAT_QUEUE_SIZE", default=24)
SUNAT_CLIENT_SHARE = env.float("SUNAT_CLIENT_SHARE", default=0.5)
SUNAT_BACKLOG = env.int("SUNAT_BACKLOG", default=1000)
# A failed background refresh of a stale entry is not tried again for this long.
RUC_REFRESH_RETRY = env.int("RUC_REFRESH_RETRY", default=60)
# Answers SUNAT gave while the database was out, kept per process to be stored when it is back
# (sunat.lookups.unsaved): at most this many, the newest per RUC and page.
UNSAVED_ANSWERS_MAX = env.int("UNSAVED_ANSWERS_MAX", default=2000)

# Which client asks SUNAT on a miss: "auto" (plain HTTP through every flow public clients report,
# then a real Chromium while SUNAT refuses them all), "http" (HTTP only) or "selenium" (Chromium only).
SUNAT_CLIENT = env("SUNAT_CLIENT", default="auto")
# The flow in use (sunat.upstream.flows) when it is not the cheapest: after this many minutes a
# lookup tries the cheaper ones first again. While SUNAT refuses every flow, lookups wait this many
# seconds between walks through them all (503 meanwhile).
SUNAT_FLOW_RECHECK_MINUTES = env.float("SUNAT_FLOW_RECHECK_MINUTES", default=30)
SUNAT_FLOW_RETRY = env.int("SUNAT_FLOW_RETRY", default=60)
# The task queue checks every flow and the browser against SUNAT this often (0: never), at background
# priority: what `manage.py sunat_check` prints, for /health, /metrics and the admin.
SUNAT_CANARY_MINUTES = env.int("SUNAT_CANARY_MINUTES", default=15)
CHROME_BINARY = env("CHROME_BINARY", default="/usr/bin/chromium")
CHROMEDRIVER_PATH = env("CHROMEDRIVER_PATH", default="/usr/bin/chromedriver")
SELENIUM_MAX_USES = env.int("SELENIUM_MAX_USES", default=200)
SUNAT_USER_AGENT = env(
    "SUNAT_USER_AGENT",
    default="ruc-lookup-service/1.0 (Django; consulta RUC con cache)",
)

# Password validation
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "es-pe"
FORMAT_MODULE_PATH = ["config.formats"]  # short dates in the admin (config/formats/es)
# Spanish for what django-axes and django-q2 show in the admin (neither ships it).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Lima"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))

# Whose X-Real-IP names the client (sunat.upstream.middleware.client_address): nginx's own addresses
# as gunicorn sees them, and nobody else's, or anyone who reaches gunicorn could pose as any client
# (and dodge the admin's lockout with a new address per try). Loopback: nginx on the same host;
# .env.production names the address compose gives the nginx service.
REAL_IP_FROM = tuple(ipaddress.ip_network(entry.strip(), strict=False)
                     for entry in env.list("REAL_IP_FROM", default=["127.0.0.1", "::1"]) if entry.strip())

# Logs, request ids, metrics and the admin's counts: config/settings/monitoring.py.
from .monitoring import *  # noqa: E402,F401,F403

# Admin lockout (django-axes, database handler: the same with or without Redis). Only the admin's
# login authenticates, so only it is watched; API requests never reach axes.
# Locked per client address, not per username: a spray of one password over many usernames from
# one address is stopped after AXES_FAILURE_LIMIT tries, and a stranger typing wrong passwords for
# the real admin's username locks only their own address, never the admin (username locks would let
# anyone do that; username+address would let a spray try AXES_FAILURE_LIMIT - 1 passwords per username).
# The address is the one the rest of the service uses (nginx's X-Real-IP only from REAL_IP_FROM).
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# Minutes a locked-out address waits (every try during the wait starts it again); axes reads a float as hours.
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15) / 60
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "sunat.admin.lockout.client_ip"
# A Spanish page for the admin (JSON for anything else), status AXES_HTTP_RESPONSE_CODE (axes: 429).
AXES_LOCKOUT_CALLABLE = "sunat.admin.lockout.lockout_response"

# The durable task queue (django-q2; `manage.py qcluster` runs its workers: the worker service,
# and `make run` starts one). Tasks are rows of this database (its ORM broker), with Redis or
# without: django-q2's Redis broker has no acknowledgement, so a worker killed mid-task would lose
# it. A task claimed and not done in `retry` seconds runs again; webhook deliveries keep their own
# state in their outbox rows (sunat.watch.delivery), so a failed task is not retried by the queue.
Q_CLUSTER = {
    "name": "consulta-ruc",
    "orm": "default",
    "workers": QUEUE_WORKERS,
    "timeout": 120,
    # More than the longest task (the daily sync's 3600 s): a running task is never run twice. The
    # deliveries and re-checks do not wait for it after a crash: their schedule runs them every minute.
    "retry": env.int("QUEUE_RETRY", default=3700),
    "max_attempts": 3,
    "queue_limit": 4,
    "bulk": 1,
    "poll": 0.5,
    "save_limit": -1,  # keep failures only: no pruning transaction (it locks SQLite)
    "ack_failures": True,
    "catch_up": False,
    "label": "Cola de tareas",
}
