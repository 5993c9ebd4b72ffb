"""What each import of SUNAT's Padrón Reducido changed: a RUC's estado or condición, before and after.

Rows are written by the importer in the transaction that swaps the new register in
(sunat.registers.changes), one per RUC and field, never edited afterwards: the history the watch
feed delivers from.
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

    class Meta:
        verbose_name = "cambio en el padrón"
        verbose_name_plural = "cambios en el padrón"
        ordering = ["-id"]  # newest first, on the primary key's index

    def __str__(self):
        return f"{self.ruc} {self.field}: {self.before} → {self.after}"
