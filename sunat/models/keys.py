"""API keys (stored hashed) and their quotas."""

from django.conf import settings
from django.db import models
from django.utils import timezone


def _default_per_minute():
    return settings.API_KEY_PER_MINUTE


def _default_per_day():
    return settings.API_KEY_PER_DAY


def _default_watch_limit():
    return settings.WATCH_LIMIT_PER_KEY


class ApiKey(models.Model):
    """A key an integrator sends as "Authorization: Bearer <key>"; only its SHA-256 is kept.

    Created in the admin (the key is shown once), revoked there; sunat.keys.services checks it and
    counts its quotas.
    """

    name = models.CharField("nombre", max_length=100, help_text="Quién la usa, p. ej. el sistema del cliente.")
    prefix = models.CharField("prefijo", max_length=8, unique=True, editable=False)
    key_hash = models.CharField("hash de la clave", max_length=64, editable=False)
    per_minute = models.PositiveIntegerField("solicitudes por minuto", default=_default_per_minute)
    per_day = models.PositiveIntegerField("solicitudes por día", default=_default_per_day)
    watch_limit = models.PositiveIntegerField("RUC vigilados como máximo", default=_default_watch_limit)
    created_at = models.DateTimeField("creada en", default=timezone.now)
    revoked_at = models.DateTimeField("revocada en", null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField("último uso", null=True, blank=True, editable=False)
    # After a rotation, the key before it still works until previous_valid_until (the grace period
    # the operator chose): integrations move to the new one without an outage.
    previous_hash = models.CharField("hash de la clave anterior", max_length=64, blank=True, editable=False)
    previous_valid_until = models.DateTimeField("clave anterior válida hasta", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "clave de API"
        verbose_name_plural = "claves de API"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} (rk_{self.prefix}…)"
