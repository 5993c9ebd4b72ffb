"""What each import of SUNAT's Padrón Reducido changed: a RUC's estado or condición, before and after.

Rows are written by the importer in the transaction that swaps the new register in
(sunat.padron.changes), one per RUC and field, never edited afterwards; they are the record
the watch feed of issue 14 delivers from.
"""

from django.db import models


class RegisterChange(models.Model):
    """One field of one RUC that differs between a register's version and the one before it."""

    version = models.ForeignKey("sunat.PadronVersion", models.CASCADE, related_name="changes",
                                verbose_name="versión")
    ruc = models.CharField("RUC", max_length=11, db_index=True)
    # The answer's field, as the API names it: "estado", "condicion".
    field = models.CharField("campo", max_length=40)
    before = models.TextField("antes", null=True)
    after = models.TextField("después", null=True)
    # When the register says it: its file's date, else its import's.
    register_date = models.DateTimeField("fecha del registro")
    # The change corrected a stored SUNAT answer older than the register (and its cache entry
    # was evicted); every process evicts its own copies of these RUCs (sunat.padron.changes).
    corrected_lookup = models.BooleanField("corrigió una consulta guardada", default=False)

    class Meta:
        verbose_name = "cambio en el padrón"
        verbose_name_plural = "cambios en el padrón"
        ordering = ["-version_id", "ruc", "field"]
        indexes = [models.Index(fields=["version", "corrected_lookup"], name="sunat_change_corrected")]

    def __str__(self):
        return f"{self.ruc} {self.field}: {self.before} → {self.after}"
