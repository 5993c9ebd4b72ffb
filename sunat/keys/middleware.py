"""API keys at the door of every API path: 401 for a missing or unknown key, 429 over quota, and on
every answer to a key what its quotas are and what is left of them (X-RateLimit-*)."""

import re

from django.conf import settings

from sunat import caching
from sunat.keys import services as api_keys
from sunat.monitoring import metrics
from sunat.responses import json_error

# The API; its schema and docs stay open, like /health and the admin.
API_PATH = re.compile(r"^/(?:api|obtener-ruc)/")
OPEN_PATHS = re.compile(r"^/api/(?:schema|docs|docs/texto)/?$")


class ApiKeyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not API_PATH.match(request.path_info) or OPEN_PATHS.match(request.path_info):
            return self.get_response(request)
        authorization = request.headers.get("Authorization")
        if not authorization:
            if settings.API_KEYS_REQUIRED:
                return unauthorized("api_key_requerida",
                                     "Envíe su clave de API en la cabecera Authorization: Bearer <clave>.")
            request.api_key = None
            return self.get_response(request)
        try:
            key = api_keys.authenticate(authorization)
        except api_keys.InvalidApiKey:
            return unauthorized("api_key_invalida", "La clave de API no es válida o fue revocada.")
        try:
            used = api_keys.charge(key)
        except api_keys.QuotaExceeded as exc:
            return quota_exceeded(exc, key)
        request.api_key = key
        response = self.get_response(request)
        # A batch counted its items after this point, or gave back this request's count.
        return with_rate_limits(response, getattr(request, "api_key_usage", used))


def unauthorized(code: str, detail: str):
    """The API's JSON 401, with the WWW-Authenticate header of a bearer key."""
    response = json_error(401, code, detail)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def with_rate_limits(response, used: api_keys.Usage):
    """The key's limits (those this process applies), what is left of them, and the seconds until each
    starts again: X-RateLimit-{Limit,Remaining,Reset}-{Minute,Day}."""
    for period, limit, left, reset in (("Minute", used.minute_limit, used.minute_left, api_keys.minute_reset()),
                                       ("Day", used.day_limit, used.day_left, api_keys.day_reset())):
        response[f"X-RateLimit-Limit-{period}"] = str(limit)
        response[f"X-RateLimit-Remaining-{period}"] = str(max(0, left))
        response[f"X-RateLimit-Reset-{period}"] = str(reset)
    return response


def quota_exceeded(exc: api_keys.QuotaExceeded, key: api_keys.KeyInUse, batch: int | None = None,
                   items: str = "RUC"):
    """The API's 429 for a key over quota: which quota (minute or day), when it starts again, and what is
    left; `batch`: the `items` (RUC, comprobantes) of a batch the quota cannot cover, when that is why."""
    metrics.QUOTA_REJECTIONS.labels(f"rk_{key.prefix}").inc()
    minute = exc.period == api_keys.MINUTE
    quota = f"la cuota {'por minuto' if minute else 'diaria'} de esta clave ({exc.limit} solicitudes por {exc.period})"
    if batch is None:
        detail = f"Se agotó {quota}."
    else:
        left = max(0, exc.usage.minute_left if minute else exc.usage.day_left)
        detail = f"El lote de {batch} {items} excede {quota}: quedan {left}. Envíe un lote más pequeño o espere."
    detail += f" Se renueva en {exc.retry_after} s{'' if minute else ', a medianoche en Lima'}."
    applied = exc.usage.minute_limit if minute else exc.usage.day_limit
    if not exc.shared and caching.uses_redis():
        detail += (f" Mientras el caché compartido no responde, cada proceso del servicio admite solo su parte de "
                   f"la cuota ({applied}).")
    elif not exc.shared and applied < exc.limit:
        detail += (f" Este servicio no comparte los contadores entre sus {settings.WEB_PROCESSES} procesos: cada "
                   f"uno admite su parte de la cuota ({applied}).")
    return with_rate_limits(json_error(429, "cuota_excedida", detail, retry_after=exc.retry_after), exc.usage)
