"""At the door of every request: the API key (401 for a missing or unknown key, 429 over quota),
and who is asking SUNAT and until when (sunat.upstream.asker)."""

import ipaddress
import re
from functools import lru_cache

from django.conf import settings

from sunat import api_keys
from sunat.responses import json_error
from sunat.upstream import asker

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
                return _unauthorized("api_key_requerida",
                                     "Envíe su clave de API en la cabecera Authorization: Bearer <clave>.")
            request.api_key = None
            return self.get_response(request)
        try:
            key = api_keys.authenticate(authorization)
        except api_keys.InvalidApiKey:
            return _unauthorized("api_key_invalida", "La clave de API no es válida o fue revocada.")
        try:
            used = api_keys.charge(key)
        except api_keys.QuotaExceeded as exc:
            return json_error(429, "cuota_excedida",
                              f"Se agotó la cuota de {exc.limit} solicitudes por {exc.period} de esta clave.",
                              retry_after=exc.retry_after)
        request.api_key = key
        response = self.get_response(request)
        response["X-RateLimit-Remaining-Minute"] = str(max(0, key.per_minute - used.minute))
        response["X-RateLimit-Remaining-Day"] = str(max(0, key.per_day - used.day))
        return response


def _unauthorized(code: str, detail: str):
    response = json_error(401, code, detail)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


class UpstreamAskerMiddleware:
    """Name the client and start the deadline that SUNAT work done for this request counts against.

    After ApiKeyMiddleware: a key is the client; without one, the client's address.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = asker.begin(lambda: client_of(request))
        try:
            return self.get_response(request)
        finally:
            asker.end(token)


def client_of(request) -> str:
    """`clave:<id>` for a request with an API key, else `ip:<address>`.

    The address is nginx's X-Real-IP when the request comes from a private or loopback address
    (nginx in the deployment's network; it overwrites whatever the client sent), else the peer's.
    """
    key = getattr(request, "api_key", None)
    if key is not None:
        return f"clave:{key.id}"
    peer = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_REAL_IP", "")
    if forwarded and _is_internal(peer):
        return f"ip:{forwarded[:64]}"
    return f"ip:{peer}"


@lru_cache(maxsize=256)
def _is_internal(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_private
    except ValueError:
        return False
