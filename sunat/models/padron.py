"""The imported Padrón Reducido and its versions."""

from django.db import models
from django.utils import timezone


class AddressParts(models.Model):
    """An address as SUNAT's bulk files give it: the ubigeo and the parts of the street address."""

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
        abstract = True


class PadronEntry(AddressParts):
    """One row of SUNAT's Padrón Reducido RUC: the whole register, imported by import_padron.

    The importer fills a copy of this table and swaps it in whole (sunat.registers.importer), so
    the table is never written row by row; its columns are the file's, in the file's order.
    """

    ruc = models.CharField("RUC", max_length=11, primary_key=True)
    razon_social = models.TextField("nombre o razón social", null=True)
    estado = models.TextField("estado del contribuyente", null=True)
    condicion = models.TextField("condición de domicilio", null=True)

    class Meta:
        db_table = "sunat_padron"
        verbose_name = "contribuyente del padrón"
        verbose_name_plural = "padrón reducido"

    @property
    def current_at(self):
        """When this version was last known to be SUNAT's current one: its import, or a later sync's check."""
        return max(self.imported_at, self.checked_at or self.imported_at)

    def __str__(self):
        return f"{self.ruc} - {self.razon_social}"


class PadronVersion(models.Model):
    """An import of one of SUNAT's files that was swapped in; each register's latest is the one in use."""

    # sunat.registers.files.REGISTERS' name: "padron" (the Padrón Reducido), "agentes-retencion"...
    register = models.CharField("registro", max_length=40, default="padron", db_index=True)
    source = models.CharField("origen", max_length=1000)
    file_date = models.DateTimeField("fecha del archivo", null=True)
    rows = models.PositiveBigIntegerField("filas")
    imported_at = models.DateTimeField("importado en", default=timezone.now, db_index=True)
    # The last sync that found SUNAT's file still this one (sunat.registers.sync: a 304): with
    # imported_at, when the register was last known to be SUNAT's current one.
    checked_at = models.DateTimeField("comprobado en", null=True, blank=True)
    seconds = models.FloatField("duración (s)")
    # The download's HTTP validators (sunat.registers.sources.Validators, read back by
    # sunat.registers.sync): the next sync skips the URL while it serves the same file. Empty for a
    # local file.
    source_size = models.PositiveBigIntegerField("bytes descargados", null=True, blank=True)
    source_last_modified = models.DateTimeField("Last-Modified del archivo", null=True, blank=True)
    source_etag = models.CharField("ETag del archivo", max_length=200, null=True, blank=True)
    # Fields of RUCs that differ from the version before (RegisterChange); null when there was
    # none to compare with, or the register's changes are not tracked.
    change_count = models.PositiveIntegerField("cambios", null=True, blank=True)
    # Stored SUNAT answers older than the register that those changes corrected.
    corrected_lookups = models.PositiveIntegerField("consultas corregidas", null=True, blank=True)

    class Meta:
        verbose_name = "versión de un padrón"
        verbose_name_plural = "versiones de los padrones"
        ordering = ["-imported_at"]
        get_latest_by = "imported_at"

    @property
    def current_at(self):
        """When this version was last known to be SUNAT's current one: its import, or a later sync's check."""
        return max(self.imported_at, self.checked_at or self.imported_at)

    def __str__(self):
        return f"{self.imported_at:%Y-%m-%d %H:%M} ({self.rows} filas)"
