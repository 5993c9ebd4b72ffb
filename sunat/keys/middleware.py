"""API keys at the door of every API path: 401 for a missing or unknown key, 429 over quota."""

import re

from django.conf import settings

from sunat.keys import services as api_keys
from sunat.monitoring import metrics
from sunat.responses import json_error

# The API; its schema and docs stay open, like /health and the admin.
API_PATH = re.compile(r"^/(?:api|obtener-ruc)/")
OPEN_PATHS = re.compile(r"^/api/(?:schema|docs)/?$")


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
            return quota_exceeded(exc, "Se agotó", key)
        request.api_key = key
        response = self.get_response(request)
        used = getattr(request, "api_key_usage", used)  # a batch counted its items after this point
        response["X-RateLimit-Remaining-Minute"] = str(max(0, used.minute_left))
        response["X-RateLimit-Remaining-Day"] = str(max(0, used.day_left))
        return response


def unauthorized(code: str, detail: str):
    """The API's JSON 401, with the WWW-Authenticate header of a bearer key."""
    response = json_error(401, code, detail)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def quota_exceeded(exc: api_keys.QuotaExceeded, what: str, key: api_keys.KeyInUse):
    """The API's 429 for a key over quota; `what` says how (it was spent, or a batch exceeds it)."""
    metrics.QUOTA_REJECTIONS.labels(f"rk_{key.prefix}").inc()
    detail = f"{what} la cuota de {exc.limit} solicitudes por {exc.period} de esta clave."
    if not exc.shared:
        detail += " Mientras el caché compartido no responde, cada proceso del servicio admite solo su parte de la cuota."
    return json_error(429, "cuota_excedida", detail, retry_after=exc.retry_after)
