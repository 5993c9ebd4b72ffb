"""The service's Prometheus metrics (prometheus-client), counted where things happen.

Under gunicorn every worker writes its values to files in PROMETHEUS_MULTIPROC_DIR (the config
file sets it), and /metrics adds every worker's up (sunat.operators.exposition). Elsewhere
(runserver, tests, the task queue's worker) they live in the process. Values that are state rather
than events (cooldowns, the queue, the imports) are read when /metrics is scraped instead.
"""

import logging

from prometheus_client import Counter, Histogram

from sunat.exceptions import (
    RucNotFound,
    SunatBlocked,
    SunatBusy,
    SunatRefused,
    SunatRejected,
    SunatTimeout,
    SunatUnavailable,
    SunatUnreachable,
)
from sunat.monitoring import tally

logger = logging.getLogger("sunat.upstream.requests")

# One histogram, not a counter beside it: its _count is the requests by endpoint, status and
# X-Cache. Each update under gunicorn takes prometheus-client's multiprocess lock, which every
# thread of the worker shares: one per request instead of two (docs/performance.md).
REQUESTS = Histogram("consulta_ruc_http_request_duration_seconds",
                     "Solicitudes HTTP atendidas y su duración, por ruta, código y X-Cache.",
                     ["endpoint", "status", "cache"],
                     buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30))
SUNAT_REQUESTS = Counter("consulta_ruc_sunat_requests", "Intentos de consulta a SUNAT, por página, resultado y cliente.",
                         ["page", "outcome", "client"])
SUNAT_SECONDS = Histogram("consulta_ruc_sunat_request_duration_seconds",
                          "Lo que tardó SUNAT en cada intento (sin la espera de turno), por página y cliente.",
                          ["page", "client"], buckets=(.05, .1, .25, .5, 1, 2, 4, 8, 15, 30))
SUNAT_FLOWS = Counter("consulta_ruc_sunat_flow_attempts",
                      "Intentos por cada forma de consulta a SUNAT (sunat.upstream.flows), por resultado.",
                      ["flow", "outcome"])
PACING_WAIT = Histogram("consulta_ruc_sunat_pacing_wait_seconds",
                        "Espera de un turno para consultar SUNAT (SUNAT_MIN_INTERVAL).",
                        buckets=(0, .01, .1, .25, .5, 1, 2, 5, 10, 20))
SUNAT_API_REQUESTS = Counter("consulta_ruc_sunat_api_requests",
                             "Solicitudes a la API oficial de SUNAT (validación de comprobantes), por operación "
                             "(token, validar) y resultado.", ["operation", "outcome"])
QUOTA_REJECTIONS = Counter("consulta_ruc_quota_rejections", "Solicitudes rechazadas por cuota, por prefijo de clave.",
                           ["key"])
BATCH_SIZE = Histogram("consulta_ruc_batch_size", "RUC pedidos en cada POST /api/ruc/lote.",
                       buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000))

# A SUNAT attempt's outcome (the "outcome" label), from what it raised.
OK, NOT_FOUND, REJECTED, REFUSED, ERROR_PAGE, TIMEOUT, CONNECTION_ERROR, NOT_SENT, ERROR = (
    "ok", "not_found", "rejected", "refused", "error_page", "timeout", "connection_error", "not_sent", "error")
# A flow's outcome: SUNAT took the query that way, refused it, or did not answer at all.
FLOW_ACCEPTED, FLOW_REFUSED, FLOW_FAILED = "accepted", "refused", "failed"


def outcome_of(exc: BaseException | None) -> str:
    if exc is None:
        return OK
    if isinstance(exc, RucNotFound):
        return NOT_FOUND
    if isinstance(exc, SunatRejected):
        return REJECTED
    if isinstance(exc, SunatRefused):
        return REFUSED  # every flow tried was refused
    if isinstance(exc, (SunatBlocked, SunatBusy)) or getattr(exc, "before_sending", False):  # DeadlineExceeded
        return NOT_SENT  # refused here, or no pacing slot within the deadline: nothing was sent
    if isinstance(exc, SunatTimeout):
        return TIMEOUT
    if isinstance(exc, SunatUnreachable):
        return CONNECTION_ERROR
    if isinstance(exc, SunatUnavailable):  # an error page, an HTTP error, a page not understood
        return ERROR_PAGE
    return ERROR


def sunat_attempt(ruc: str, page: str, client: str, attempt: int, exc: BaseException | None, seconds: float) -> None:
    """Count one attempt at SUNAT and log it (one line per attempt)."""
    outcome = outcome_of(exc)
    SUNAT_REQUESTS.labels(page, outcome, client).inc()
    if outcome != NOT_SENT:
        SUNAT_SECONDS.labels(page, client).observe(seconds)
        tally.hour_event("sunat_ok" if outcome in (OK, NOT_FOUND) else "sunat_failed")
    logger.info("SUNAT %s %s attempt %d: %s in %.0f ms", page, ruc, attempt, outcome, seconds * 1000,
                extra={"ruc": ruc, "page": page, "client": client, "attempt": attempt, "outcome": outcome,
                       "duration_ms": round(seconds * 1000, 1)})


def sunat_api_request(operation: str, exc: BaseException | None, status: int | None = None) -> None:
    """Count one request to SUNAT's official API (sunat.comprobantes): "unauthorized" for a 401 (a token
    to renew), else the outcome of what it raised."""
    SUNAT_API_REQUESTS.labels(operation, "unauthorized" if status == 401 else outcome_of(exc)).inc()


def flow_attempt(flow: str, outcome: str) -> None:
    """Count one try of a flow (sunat.upstream.flows) and its outcome."""
    SUNAT_FLOWS.labels(flow, outcome).inc()
