"""HTTP views: thin wrappers around sunat.lookups.services."""

import logging

from django.conf import settings
from django.db import DatabaseError
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from sunat.api import health as health_report
from sunat.api import openapi
from sunat.api.params import InvalidBody, json_body, positive_int
from sunat.keys import services as api_keys
from sunat.keys.middleware import quota_exceeded
from sunat.lookups import batch, complete, services
from sunat.lookups.errors import DNI_WITHOUT_RUC, LOOKUP_ERRORS, lookup_error
from sunat.monitoring import metrics
from sunat.registers import annotations
from sunat.registers import search as padron_search
from sunat.responses import json_error, json_response, method_not_allowed, require_get
from sunat.validators import InvalidDni, ruc_for_dni

logger = logging.getLogger(__name__)

_TRUE = {"1", "true"}
_FALSE = {"", "0", "false"}


@require_get
def ruc_detail(request, ruc):
    return _ruc_response(request, ruc)


@require_get
def dni_detail(request, dni):
    """A person's RUC 10, looked up like any RUC, from the DNI it is made of."""
    try:
        ruc = ruc_for_dni(dni)
    except InvalidDni as exc:
        return json_error(400, "dni_invalido", str(exc), dni=dni)
    return _ruc_response(request, ruc, dni=dni)


def _ruc_response(request, ruc, dni=None):
    source = request.GET.get("fuente", "").lower()
    if source not in services.SOURCES:
        return json_error(400, "parametro_invalido", "El parámetro fuente debe ser sunat o padron.", dni=dni, ruc=ruc)
    return _lookup_response(request, services.lookup_ruc, ruc, source=source, dni=dni, present=annotations.annotate)


@csrf_exempt  # the API uses no cookies; a key or nothing authenticates it
def ruc_batch(request):
    """POST {"rucs": [...]}: every RUC's data or error, keyed by RUC, within LOTE_TIMEOUT."""
    if request.method != "POST":
        return method_not_allowed(("POST",), "Solo se admite el método POST.")
    try:
        body = json_body(request, '{"rucs": ["20100070970", ...]}')
    except InvalidBody as exc:
        return json_error(400, "json_invalido", str(exc))
    if not isinstance(body, dict) or "rucs" not in body:
        return json_error(400, "parametro_invalido", 'El cuerpo debe ser un objeto con el campo "rucs".')
    rucs = body["rucs"]
    if isinstance(rucs, list):  # what the schema says of the list; lookup_many checks the rest
        if not all(isinstance(item, str) for item in rucs):
            return json_error(400, "parametro_invalido", 'Cada elemento de "rucs" debe ser un texto (un RUC).')
        if len(rucs) > batch.MAX_RUCS:  # repeated or not: past the limit, nothing is read
            return json_error(400, "demasiados_rucs", f"Se admiten hasta {batch.MAX_RUCS} RUC por lote.")
    key = getattr(request, "api_key", None)
    distinct = []

    def charge(count):
        distinct.append(count)
        metrics.BATCH_SIZE.observe(count)  # the distinct RUCs of a valid batch
        used = api_keys.charge_batch(key, count) if key is not None else None
        if used is not None:
            request.api_key_usage = used  # what the middleware's headers say

    try:
        result = batch.lookup_many(rucs, timeout=settings.LOTE_TIMEOUT, charge=charge)
    except batch.InvalidBatch as exc:
        return json_error(400, exc.code, exc.detail)
    except api_keys.QuotaExceeded as exc:
        request.api_key_usage = exc.usage
        return quota_exceeded(exc, key, batch=distinct[0])
    return json_response(result)


@require_get
def ruc_section(request, ruc, section):
    return _lookup_response(request, services.lookup_section, ruc, section)


@require_get
def ruc_complete(request, ruc):
    """The ficha and every section it offers (or those ?secciones= names), within COMPLETO_TIMEOUT."""
    try:
        names = complete.sections_asked(request.GET.get("secciones"))
    except complete.InvalidSections as exc:
        return json_error(400, "parametro_invalido", str(exc), ruc=ruc)
    return _lookup_response(request, complete.lookup_complete, ruc, names)


@require_get
def search(request):
    page = positive_int(request.GET.get("pagina", "1"), maximum=padron_search.MAX_PAGE)
    per_page = positive_int(request.GET.get("por_pagina", str(padron_search.DEFAULT_PER_PAGE)),
                             maximum=padron_search.MAX_PER_PAGE)
    if page is None:
        return json_error(400, "parametro_invalido",
                          f"El parámetro pagina debe ser un entero entre 1 y {padron_search.MAX_PAGE}.")
    if per_page is None:
        return json_error(400, "parametro_invalido",
                          f"El parámetro por_pagina debe ser un entero entre 1 y {padron_search.MAX_PER_PAGE}.")
    text = request.GET.get("q", "")
    try:
        found = padron_search.search(text, page, per_page)
    except padron_search.InvalidSearch as exc:
        return json_error(400, "parametro_invalido", str(exc))
    except padron_search.SearchUnavailable:
        return json_error(503, "busqueda_no_disponible",
                          "La búsqueda no terminó a tiempo: hay muchas en curso o el texto coincide con demasiados "
                          "nombres. Precise la búsqueda o intente nuevamente en unos segundos.", retry_after=5)
    except DatabaseError:
        logger.exception("padrón search failed for %r", text)
        return json_error(503, "busqueda_no_disponible", "La búsqueda no está disponible en este momento.",
                          retry_after=30)
    return json_response({
        "q": " ".join(text.split()), "pagina": found.page, "porPagina": found.per_page, "hayMas": found.has_more,
        "resultados": found.results,
    })


def _lookup_response(request, lookup, ruc, *args, dni=None, present=None, **kwargs):
    """Run a lookup and turn its outcome, data or error, into the API's JSON (for a DNI's RUC,
    `dni`: echoed in errors, and "no such RUC" said of the DNI; `present`: what to add to the
    data on its way out, e.g. what SUNAT's registers say of the RUC)."""
    fresh = request.GET.get("fresh", "").lower()
    if fresh not in _TRUE | _FALSE:
        return json_error(400, "parametro_invalido", "El parámetro fresh debe ser 1 o 0 (true o false).",
                          dni=dni, ruc=ruc)
    try:
        result = lookup(ruc, *args, fresh=fresh in _TRUE, **kwargs)
    except LOOKUP_ERRORS as exc:
        error = lookup_error(exc)
        if dni is not None and error.code == "ruc_no_encontrado":
            error = DNI_WITHOUT_RUC
        return json_error(error.status, error.code, error.detail, dni=dni, ruc=ruc, retry_after=error.retry_after)
    response = json_response(present(result.data) if present else result.data)
    response["X-Cache"] = result.cache_status
    if result.fresh_in is not None:
        response["X-Fresh-Disponible-En"] = str(result.fresh_in)
    return response


# Redoc: its script and styles are ours; it builds its search index in a blob: worker.
DOCS_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:; "
               "font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


@never_cache
@require_get
def health(request):
    body, status = health_report.report()
    return json_response(body, status=status)


@never_cache
@require_get
def health_live(request):
    return json_response(health_report.live())


@never_cache
@require_get
def health_ready(request):
    if not health_report.ready():
        return json_error(503, "base_de_datos_no_disponible", "La base de datos no responde: este proceso no "
                          "puede servir consultas.", retry_after=5)
    return json_response({"status": "ok"})


@require_get
def api_schema(request):
    """The OpenAPI description of the API (sunat.api.openapi), open without an API key."""
    return json_response(openapi.schema())


@require_get
def api_docs(request):
    """The interactive reference: Redoc on /api/schema, from static files the service serves. Its CSP
    keeps the browser on this site: Redoc's footer fetches a logo from Redocly's CDN otherwise."""
    response = render(request, "sunat/api_reference.html")
    response["Content-Security-Policy"] = DOCS_POLICY
    return response


@require_get
def api_docs_text(request):
    """The same description as a self-contained HTML page (no JavaScript, no external assets)."""
    return render(request, "sunat/api_docs.html", openapi.docs_context())


# JSON versions of Django's error pages: API clients never get an HTML debug page.
def bad_request(request, exception=None):
    return json_error(400, "solicitud_invalida", "La solicitud no es válida.")


def page_not_found(request, exception=None):
    return json_error(404, "ruta_no_encontrada", "La ruta solicitada no existe.")


def server_error(request):
    return json_error(500, "error_interno", "Error interno del servicio.")
