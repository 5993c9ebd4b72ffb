from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class RucRecord(models.Model):
    """The last successful lookup of a RUC: what the API served, kept across cache losses."""

    ruc = models.CharField("RUC", max_length=11, primary_key=True)
    razon_social = models.CharField("razón social", max_length=500, blank=True)
    estado = models.CharField("estado", max_length=100, blank=True)
    condicion = models.CharField("condición", max_length=100, blank=True)
    data = models.JSONField("datos")
    source = models.CharField("fuente", max_length=20, default="sunat")
    fetched_at = models.DateTimeField("consultado en", db_index=True)

    class Meta:
        verbose_name = "consulta RUC"
        verbose_name_plural = "consultas RUC"
        ordering = ["-fetched_at"]

    def __str__(self):
        return f"{self.ruc} - {self.razon_social}"

    @property
    def expires_at(self):
        return self.fetched_at + timedelta(seconds=settings.RUC_CACHE_TTL)

    def seconds_left(self) -> int:
        """Seconds until the record is older than RUC_CACHE_TTL (0 or less: stale)."""
        return int((self.expires_at - timezone.now()).total_seconds())
