"""What the admin counts without a database write per request: hits per RUC, each key's requests
per day and the service's hour by hour, added up in each process and written in batches
(sunat.monitoring.tally)."""

from django.db import models


class RucHits(models.Model):
    """How often a RUC was asked for since counting began: its answers (200) to /api/ruc/<ruc>,
    /obtener-ruc/<ruc>, its sections and /completo, from wherever they came (batch items are not
    counted)."""

    ruc = models.CharField("RUC", max_length=11, primary_key=True)
    hits = models.PositiveBigIntegerField("consultas", default=0)
    last_hit_at = models.DateTimeField("última consulta", null=True)

    class Meta:
        verbose_name = "consultas de un RUC"
        verbose_name_plural = "consultas por RUC"


class KeyUsageDay(models.Model):
    """An API key's requests on one day (Lima's)."""

    key = models.ForeignKey("sunat.ApiKey", models.CASCADE, related_name="usage_days", verbose_name="clave")
    day = models.DateField("día")
    requests = models.PositiveBigIntegerField("solicitudes", default=0)

    class Meta:
        verbose_name = "uso diario de una clave"
        verbose_name_plural = "uso diario de las claves"
        constraints = [models.UniqueConstraint(fields=["key", "day"], name="unique_key_usage_day")]


class ServiceHour(models.Model):
    """The service's lookups and SUNAT attempts in one hour (its start, UTC): the overview's figures."""

    hour = models.DateTimeField("hora", primary_key=True)
    hits = models.PositiveBigIntegerField("HIT", default=0)
    misses = models.PositiveBigIntegerField("MISS", default=0)
    stale = models.PositiveBigIntegerField("STALE", default=0)
    sunat_ok = models.PositiveBigIntegerField("SUNAT respondió", default=0)
    sunat_failed = models.PositiveBigIntegerField("SUNAT falló", default=0)

    class Meta:
        verbose_name = "hora del servicio"
        verbose_name_plural = "horas del servicio"
        ordering = ["-hour"]
