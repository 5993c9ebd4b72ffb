"""Every request counted (endpoint, status, X-Cache) and timed, given an id that its response
echoes (X-Request-ID), and logged as one line when DJANGO_LOG_REQUESTS is on."""

import logging
import time

from django.conf import settings
from django.urls import Resolver404, resolve

from sunat.monitoring import logs, metrics, tally

logger = logging.getLogger("sunat.requests")

# The URL patterns whose answer is one RUC's (their hits are counted per RUC).
RUC_ENDPOINTS = {"ruc-detail", "obtener-ruc", "ruc-section", "ruc-complete"}
_HOUR_FIELD = {"HIT": "hits", "MISS": "misses", "STALE": "stale"}


class RequestMonitoringMiddleware:
    """First in MIDDLEWARE: it sees every response, the JSON errors of the others included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id = logs.request_id_for(request.headers.get("X-Request-ID"))
        token = logs.begin(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response["X-Request-ID"] = request_id
            try:
                _observe(request, response, seconds)
            except Exception:  # counting must never cost an answer (a metrics directory gone, say)
                logger.exception("could not count or log the request")
            return response
        finally:
            logs.end(token)


def _observe(request, response, seconds: float) -> None:
    endpoint, cache = _endpoint(request), response.get("X-Cache", "")
    metrics.REQUESTS.labels(endpoint, response.status_code, cache).observe(seconds)
    _tally(request, response, endpoint, cache)
    if settings.LOG_REQUESTS:
        _log(request, response, seconds, cache)


def _endpoint(request) -> str:
    """The URL pattern's name (a bounded label, unlike the path): "ruc-detail", "admin", "other"."""
    if request.path_info.startswith("/admin/"):
        return "admin"
    match = getattr(request, "resolver_match", None)
    if match is None:  # answered before URL resolution (a middleware's 401 or 429), or a 404
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return "other"
    return match.url_name or match.view_name


def _tally(request, response, endpoint: str, cache: str) -> None:
    """The admin's counts: hits per RUC, the key's requests today, this hour's cache answers."""
    if cache in _HOUR_FIELD:
        tally.hour_event(_HOUR_FIELD[cache])
    if endpoint in RUC_ENDPOINTS and response.status_code == 200:
        ruc = request.resolver_match.kwargs.get("ruc", "")
        if len(ruc) == 11 and ruc.isdigit():
            tally.ruc_hit(ruc)
    key = getattr(request, "api_key", None)
    if key is not None:
        tally.key_request(key.id)


def _log(request, response, seconds: float, cache: str) -> None:
    key = getattr(request, "api_key", None)
    prefix = getattr(key, "prefix", None)
    path = logs.printable(request.path)
    logger.info("%s %s %s %.1f ms%s", request.method, path, response.status_code, seconds * 1000,
                f" {cache}" if cache else "",
                extra={"method": request.method, "path": path, "status": response.status_code,
                       "duration_ms": round(seconds * 1000, 2), "cache": cache or None,
                       "api_key": f"rk_{prefix}" if prefix else None})
