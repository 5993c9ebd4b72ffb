"""The watch API: /api/vigilancia (a key's watched RUCs) and /api/cambios (its feed of their changes).

Every view needs an API key, even while API_KEYS_REQUIRED is off: a watch list belongs to a key.
"""

from functools import wraps

from django.views.decorators.csrf import csrf_exempt

from sunat.api.params import InvalidBody, json_body, positive_int
from sunat.keys.middleware import unauthorized
from sunat.models.event_kinds import RUC_CAMBIO
from sunat.responses import json_error, json_response, method_not_allowed
from sunat.validators import InvalidRuc
from sunat.watch import feed, webhooks
from sunat.watch import services as watching
from sunat.watch.services import BATCH_LIMIT, WatchLimitReached

DEFAULT_PER_PAGE, MAX_PER_PAGE, MAX_PAGE = 100, 1000, 10_000


def _with_key(methods: tuple[str, ...]):
    """The view answers `methods` (a JSON 405 otherwise) and only with an API key (a JSON 401)."""

    def decorator(view):
        @csrf_exempt  # the API uses no cookies
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                return method_not_allowed(methods, f"Esta ruta admite: {', '.join(methods)}.")
            if getattr(request, "api_key", None) is None:
                return unauthorized("api_key_requerida", "La vigilancia pertenece a una clave de API: envíela en la "
                                    "cabecera Authorization: Bearer <clave>.")
            return view(request, request.api_key.id, *args, **kwargs)

        return wrapper

    return decorator


@_with_key(("PUT", "DELETE", "GET"))
def watched_ruc(request, key_id, ruc):
    """PUT watches the RUC (201 new, 200 already), DELETE stops (404 if it was not), GET says whether."""
    try:
        if request.method == "PUT":
            watch, created = watching.watch(key_id, ruc)
            return json_response({**watch.as_json(), "vigilado": True}, status=201 if created else 200)
        if request.method == "DELETE":
            if not watching.unwatch(key_id, ruc):
                return json_error(404, "no_vigilado", "Esta clave no vigila ese RUC.", ruc=ruc)
            return json_response({"ruc": ruc, "vigilado": False})
        watch = watching.watching(key_id, ruc)
    except InvalidRuc as exc:
        return json_error(400, "ruc_invalido", str(exc), ruc=ruc)
    except WatchLimitReached as exc:
        return _limit_reached(exc)
    if watch is None:
        return json_error(404, "no_vigilado", "Esta clave no vigila ese RUC.", ruc=ruc)
    return json_response({**watch.as_json(), "vigilado": True})


@_with_key(("GET",))
def watch_list(request, key_id):
    """GET: the key's watched RUCs, a page at a time (?pagina=, ?por_pagina=)."""
    page = positive_int(request.GET.get("pagina", "1"), maximum=MAX_PAGE)
    per_page = positive_int(request.GET.get("por_pagina", str(DEFAULT_PER_PAGE)), maximum=MAX_PER_PAGE)
    if page is None or per_page is None:
        return json_error(400, "parametro_invalido", f"pagina debe ser un entero entre 1 y {MAX_PAGE}, y por_pagina "
                                                     f"entre 1 y {MAX_PER_PAGE}.")
    rows, total, more = watching.watched(key_id, page, per_page)
    return json_response({"total": total, "pagina": page, "porPagina": per_page, "hayMas": more,
                          "resultados": [row.as_json() for row in rows]})


@_with_key(("POST",))
def watch_batch(request, key_id):
    """POST {"rucs": [...]}: watch up to BATCH_LIMIT at once, all or none of the new ones."""
    try:
        body = json_body(request, '{"rucs": ["20100070970", ...]}')
    except InvalidBody as exc:
        return json_error(400, "json_invalido", str(exc))
    rucs = body.get("rucs") if isinstance(body, dict) else None
    if not isinstance(rucs, list) or not rucs or not all(isinstance(ruc, str) for ruc in rucs):
        return json_error(400, "parametro_invalido", 'El cuerpo debe ser {"rucs": [...]}, una lista de RUC (texto).')
    if len(rucs) > BATCH_LIMIT:
        return json_error(400, "lote_demasiado_grande", f"Se admiten hasta {BATCH_LIMIT} RUC por lote; llegaron {len(rucs)}.")
    try:
        result = watching.watch_many(key_id, rucs)
    except WatchLimitReached as exc:
        return _limit_reached(exc)
    return json_response(result)


@_with_key(("GET",))
def change_feed(request, key_id):
    """GET /api/cambios?desde=<cursor>: the key's changes after the cursor, oldest first."""
    since = request.GET.get("desde", "0")
    cursor = int(since) if since.isascii() and since.isdigit() and len(since) <= 18 else None
    limit = positive_int(request.GET.get("limite", str(DEFAULT_PER_PAGE)), maximum=feed.MAX_PAGE)
    if cursor is None or limit is None:
        return json_error(400, "parametro_invalido", "desde debe ser el cursor de un cambio anterior (o 0), y limite "
                                                     f"un entero entre 1 y {feed.MAX_PAGE}.")
    changes, next_cursor, more = feed.changes_after(key_id, cursor, limit)
    return json_response({"cambios": changes, "siguiente": str(next_cursor), "hayMas": more})


@_with_key(("PUT", "GET", "DELETE"))
def webhook(request, key_id):
    """PUT {"url", "eventos", "rotarSecreto"} sets the key's webhook (the secret is in the answer
    when new or rotated, and only then); GET shows it without its secret; DELETE removes it."""
    if request.method == "GET":
        found = webhooks.current(key_id)
        if found is None:
            return json_error(404, "sin_webhook", "Esta clave no tiene webhook.")
        return json_response(webhooks.as_json(found))
    if request.method == "DELETE":
        if not webhooks.remove(key_id):
            return json_error(404, "sin_webhook", "Esta clave no tiene webhook.")
        return json_response({"url": None})
    try:
        body = json_body(request, f'{{"url": "https://...", "eventos": ["{RUC_CAMBIO.name}"]}}')
    except InvalidBody as exc:
        return json_error(400, "json_invalido", str(exc))
    if not isinstance(body, dict) or not isinstance(body.get("rotarSecreto", False), bool):
        return json_error(400, "parametro_invalido", 'El cuerpo debe ser {"url": ..., "eventos": [...], '
                                                     '"rotarSecreto": false}.')
    try:
        found, secret, created = webhooks.configure(key_id, body.get("url"), body.get("eventos"),
                                                    rotate=body.get("rotarSecreto", False))
    except webhooks.InvalidWebhook as exc:
        return json_error(400, "webhook_invalido", str(exc))
    return json_response(webhooks.as_json(found, secret), status=201 if created else 200)


def _limit_reached(exc: WatchLimitReached):
    return json_error(409, "limite_de_vigilancia", f"Esta clave vigila {exc.watched} RUC y su límite es {exc.limit}: "
                                                   "deje de vigilar alguno o pida un límite mayor.")
