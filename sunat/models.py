from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class StoredLookup(models.Model):
    """What the API served for a lookup, kept across cache losses and used while fresh."""

    data = models.JSONField("datos")
    source = models.CharField("fuente", max_length=20, default="sunat")
    fetched_at = models.DateTimeField("consultado en", db_index=True)

    class Meta:
        abstract = True

    @property
    def expires_at(self):
        return self.fetched_at + timedelta(seconds=settings.RUC_CACHE_TTL)

    def seconds_left(self) -> int:
        """Seconds until the record is older than RUC_CACHE_TTL (0 or less: stale)."""
        return int((self.expires_at - timezone.now()).total_seconds())


class RucRecord(StoredLookup):
    """The last successful lookup of a RUC."""

    ruc = models.CharField("RUC", max_length=11, primary_key=True)
    razon_social = models.CharField("razón social", max_length=500, blank=True)
    estado = models.CharField("estado", max_length=100, blank=True)
    condicion = models.CharField("condición", max_length=100, blank=True)

    class Meta:
        verbose_name = "consulta RUC"
        verbose_name_plural = "consultas RUC"
        ordering = ["-fetched_at"]

    def __str__(self):
        return f"{self.ruc} - {self.razon_social}"


class RucSectionRecord(StoredLookup):
    """The last successful lookup of a RUC's sub-page (legal representatives, workers)."""

    ruc = models.CharField("RUC", max_length=11)
    section = models.CharField("sección", max_length=30)

    class Meta:
        verbose_name = "sección de consulta RUC"
        verbose_name_plural = "secciones de consultas RUC"
        ordering = ["-fetched_at"]
        constraints = [models.UniqueConstraint(fields=["ruc", "section"], name="unique_ruc_section")]

    def __str__(self):
        return f"{self.ruc} - {self.section}"


class PadronEntry(models.Model):
    """One row of SUNAT's Padrón Reducido RUC: the whole register, imported by import_padron.

    The importer fills a copy of this table and swaps it in whole (sunat.padron.importer), so
    the table is never written row by row; its columns are the file's, in the file's order.
    """

    ruc = models.CharField("RUC", max_length=11, primary_key=True)
    razon_social = models.TextField("nombre o razón social", null=True)
    estado = models.TextField("estado del contribuyente", null=True)
    condicion = models.TextField("condición de domicilio", null=True)
    ubigeo = models.CharField("ubigeo", max_length=6, null=True)
    tipo_via = models.TextField("tipo de vía", null=True)
    nombre_via = models.TextField("nombre de vía", null=True)
    codigo_zona = models.TextField("código de zona", null=True)
    tipo_zona = models.TextField("tipo de zona", null=True)
    numero = models.TextField("número", null=True)
    interior = models.TextField("interior", null=True)
    lote = models.TextField("lote", null=True)
    dpto = models.TextField("departamento (interior)", null=True)
    manzana = models.TextField("manzana", null=True)
    kilometro = models.TextField("kilómetro", null=True)

    class Meta:
        db_table = "sunat_padron"
        verbose_name = "contribuyente del padrón"
        verbose_name_plural = "padrón reducido"

    def __str__(self):
        return f"{self.ruc} - {self.razon_social}"


class PadronVersion(models.Model):
    """An import of the Padrón Reducido that was swapped in; the latest is the one in use."""

    source = models.CharField("origen", max_length=1000)
    file_date = models.DateTimeField("fecha del archivo", null=True)
    rows = models.PositiveBigIntegerField("filas")
    imported_at = models.DateTimeField("importado en", default=timezone.now, db_index=True)
    seconds = models.FloatField("duración (s)")

    class Meta:
        verbose_name = "versión del padrón"
        verbose_name_plural = "versiones del padrón"
        ordering = ["-imported_at"]
        get_latest_by = "imported_at"

    def __str__(self):
        return f"{self.imported_at:%Y-%m-%d %H:%M} ({self.rows} filas)"


def _default_per_minute():
    return settings.API_KEY_PER_MINUTE


def _default_per_day():
    return settings.API_KEY_PER_DAY


class ApiKey(models.Model):
    """A key an integrator sends as "Authorization: Bearer <key>"; only its SHA-256 is kept.

    Created in the admin (the key is shown once), revoked there; sunat.api_keys checks it and
    counts its quotas.
    """

    name = models.CharField("nombre", max_length=100, help_text="Quién la usa, p. ej. el sistema del cliente.")
    prefix = models.CharField("prefijo", max_length=8, unique=True, editable=False)
    key_hash = models.CharField("hash de la clave", max_length=64, editable=False)
    per_minute = models.PositiveIntegerField("solicitudes por minuto", default=_default_per_minute)
    per_day = models.PositiveIntegerField("solicitudes por día", default=_default_per_day)
    created_at = models.DateTimeField("creada en", default=timezone.now)
    revoked_at = models.DateTimeField("revocada en", null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField("último uso", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "clave de API"
        verbose_name_plural = "claves de API"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} (rk_{self.prefix}…)"
