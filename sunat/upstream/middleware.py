"""Who asks SUNAT and until when (sunat.upstream.asker), set at the door of every request."""

import ipaddress
from functools import lru_cache

from django.conf import settings

from sunat.upstream import asker


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
    """`clave:<id>` for a request with an API key, else `ip:<address>` (client_address)."""
    key = getattr(request, "api_key", None)
    if key is not None:
        return f"clave:{key.id}"
    return f"ip:{client_address(request)}"


def client_address(request) -> str:
    """The client's address: nginx's X-Real-IP when the request comes from one of nginx's
    addresses (REAL_IP_FROM; nginx overwrites whatever the client sent), else the peer's.

    The admin's lockout (sunat.admin.lockout) counts failed logins against this same address.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_REAL_IP", "")
    if forwarded and _is_nginx(peer, settings.REAL_IP_FROM):
        return forwarded[:64]
    return peer


@lru_cache(maxsize=256)
def _is_nginx(address: str, networks: tuple) -> bool:
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(peer in network for network in networks)
