"""The SUNAT client the service uses (SUNAT_CLIENT), built once per process from settings.

It is a piece of this process's state (sunat.process): a forked child builds its own (the parent's
sessions and browser are the parent's: forgotten, not closed), and it is closed and built anew
between tests and when a SUNAT_*, CHROME* or SELENIUM_* setting changes (tests point it elsewhere).
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sunat import process
from sunat.upstream.clients.base import SECTIONS, Section, SunatClient

__all__ = ["SECTIONS", "Section", "SunatClient", "get_client"]

CLIENTS = ("auto", "http", "selenium")


def _build() -> SunatClient:
    if settings.SUNAT_CLIENT == "auto":
        from sunat.upstream.clients.auto import AutoClient

        return AutoClient()
    if settings.SUNAT_CLIENT == "http":
        from sunat.upstream.clients.http import HttpClient

        return HttpClient(remember=True)
    if settings.SUNAT_CLIENT == "selenium":
        from sunat.upstream.clients.browser import BrowserClient

        return BrowserClient(remember=True)
    raise ImproperlyConfigured(f"SUNAT_CLIENT must be one of {', '.join(CLIENTS)}, not {settings.SUNAT_CLIENT!r}")


_client = process.lazy("SUNAT client", _build, reset=lambda client: client.close(),
                       settings=["SUNAT_*", "CHROME*", "SELENIUM_*"])


def get_client() -> SunatClient:
    return _client.get()
