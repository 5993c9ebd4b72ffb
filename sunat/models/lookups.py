"""What SUNAT answered for each lookup, kept across cache losses."""

from datetime import timedelta

from django.db import models
from django.utils import timezone


class StoredLookup(models.Model):
    """What the API served for a lookup, kept across cache losses and used while fresh."""

    data = models.JSONField("datos")
    # Who asked SUNAT: a lookup ("sunat") or the re-check of watched RUCs ("revision"). Indexed for
    # the admin's filter, which lists only the values that exist.
    source = models.CharField("fuente", max_length=20, default="sunat", db_index=True)
    fetched_at = models.DateTimeField("consultado en", db_index=True)

    class Meta:
        abstract = True

    section = None  # a section's name (RucSectionRecord); the ficha has none

    def seconds_left(self, ttl: int) -> int:
        """Seconds until the record is older than `ttl`, its page's (sunat.upstream.sections.ttl_of, which
        the lookup and the admin read); 0 or less: stale."""
        return int((self.fetched_at + timedelta(seconds=ttl) - timezone.now()).total_seconds())


class RucRecord(StoredLookup):
    """The last successful lookup of a RUC."""

    ruc = models.CharField("RUC", max_length=11, primary_key=True)
    # SUNAT sets no length we know of: text columns, so that no answer is half-stored.
    razon_social = models.TextField("razón social", blank=True)
    estado = models.TextField("estado", blank=True)
    condicion = models.TextField("condición", blank=True)
    # The Padrón Reducido whose estado or condición corrected this answer since SUNAT gave it
    # (sunat.registers.corrections); a new answer from SUNAT clears it.
    corrected_by = models.ForeignKey("sunat.PadronVersion", models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name="corregida por el padrón")

    class Meta:
        verbose_name = "consulta RUC"
        verbose_name_plural = "consultas RUC"
        ordering = ["-fetched_at"]

    def __str__(self):
        return f"{self.ruc} - {self.razon_social}"


class RucSectionRecord(StoredLookup):
    """The last successful lookup of a RUC's section (legal representatives, workers)."""

    ruc = models.CharField("RUC", max_length=11)
    section = models.CharField("sección", max_length=30)

    class Meta:
        verbose_name = "sección de consulta RUC"
        verbose_name_plural = "secciones de consultas RUC"
        ordering = ["-fetched_at"]
        constraints = [models.UniqueConstraint(fields=["ruc", "section"], name="unique_ruc_section")]

    def __str__(self):
        return f"{self.ruc} - {self.section}"


class UnknownRuc(models.Model):
    """A RUC SUNAT said does not exist, remembered RUC_NOT_FOUND_TTL: shared by every process, like a
    record, when the cache is not (LocMem)."""

    ruc = models.CharField("RUC", max_length=11, primary_key=True)
    checked_at = models.DateTimeField("consultado en")

    class Meta:
        verbose_name = "RUC inexistente"
        verbose_name_plural = "RUC inexistentes"

    def __str__(self):
        return self.ruc

    def seconds_left(self, ttl: int) -> int:
        return int((self.checked_at + timedelta(seconds=ttl) - timezone.now()).total_seconds())
