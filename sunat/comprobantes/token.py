"""The OAuth2 token of SUNAT's official API: in Django's cache (shared by every process through Redis
when there is one), kept until a minute before it expires, fetched once at a time (this process's
lock, then sunat.upstream.singleflight across processes), dropped on a 401 and renewed once.

The token and the client secret are never logged nor put in an exception's message.
"""

import threading
import time

from django.core.cache import cache

from sunat import caching, process
from sunat.comprobantes import client
from sunat.upstream import singleflight

MARGIN = 60  # seconds before its expiry a token is no longer used

_renewing = process.lazy("CPE API token lock", threading.Lock)


def get() -> str:
    """A token good for at least MARGIN seconds more."""
    entry = _usable(cache.get(caching.CPE_API_TOKEN))
    return entry if entry is not None else renew()


def renew(stale: str | None = None) -> str:
    """A new token (not `stale`, the one SUNAT refused): fetched by one caller of the deployment, the
    others get it from the cache."""

    def fresh():
        token = _usable(cache.get(caching.CPE_API_TOKEN))
        return token if token is not None and token != stale else None

    with _renewing.get():
        token = fresh()
        if token is not None:
            return token
        return singleflight.run_once(caching.CPE_API_TOKEN_FLIGHT, _fetch_and_keep, fresh)


def drop(token: str) -> None:
    """SUNAT refused `token` (401): forget it, unless another one replaced it meanwhile."""
    entry = cache.get(caching.CPE_API_TOKEN)
    if entry and entry.get("token") == token:
        cache.delete(caching.CPE_API_TOKEN)


def _fetch_and_keep() -> str:
    token, expires_in = client.fetch_token()
    keep = max(1, expires_in - MARGIN)
    cache.set(caching.CPE_API_TOKEN, {"token": token, "until": time.time() + keep}, timeout=keep)
    return token


def _usable(entry) -> str | None:
    if isinstance(entry, dict) and entry.get("until", 0) > time.time():
        return entry.get("token")
    return None
