"""The SUNAT client the service uses, built once per process from settings."""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver

from sunat.clients.base import SunatClient


@lru_cache(maxsize=1)
def get_client() -> SunatClient:
    from sunat.clients.http import HttpClient

    return HttpClient()


@receiver(setting_changed)
def _rebuild_client(*, setting, **kwargs):
    # Tests (and override_settings) point SUNAT_* elsewhere; the next lookup builds a new client.
    if setting.startswith("SUNAT_"):
        get_client.cache_clear()
