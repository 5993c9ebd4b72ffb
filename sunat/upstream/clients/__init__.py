"""The SUNAT client the service uses (SUNAT_CLIENT), built once per process from settings."""

from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from sunat.upstream.clients.base import SECTIONS, Section, SunatClient

__all__ = ["SECTIONS", "Section", "SunatClient", "get_client"]

CLIENTS = ("auto", "http", "selenium")


@lru_cache(maxsize=1)
def get_client() -> SunatClient:
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


@receiver(setting_changed)
def _rebuild_client(*, setting, **kwargs):
    # Tests (and override_settings) point SUNAT_* elsewhere; the next lookup builds a new client.
    if setting.startswith(("SUNAT_", "CHROME", "SELENIUM_")):
        if get_client.cache_info().currsize:
            get_client().close()
        get_client.cache_clear()
