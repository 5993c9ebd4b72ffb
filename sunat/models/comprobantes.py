"""What SUNAT's official API said of each comprobante asked (sunat.comprobantes): the newest answer
per question (every field asked, monto included), served when SUNAT cannot answer and shared by
every process while younger than CPE_CACHE_TTL."""

from django.db import models


class ComprobanteCheck(models.Model):
    # A digest of every field asked (sunat.comprobantes.declaration.Question.key): one row per question.
    question = models.CharField("pregunta", max_length=64, unique=True)
    ruc_emisor = models.CharField("RUC del emisor", max_length=11, db_index=True)
    tipo = models.CharField("tipo", max_length=2)
    serie = models.CharField("serie", max_length=4)
    numero = models.PositiveIntegerField("número")
    fecha_emision = models.DateField("fecha de emisión")
    monto = models.DecimalField("monto", max_digits=14, decimal_places=2, null=True, blank=True)
    estado = models.CharField("estado", max_length=20, db_index=True)
    # The API's answer as served ({"estado", "estadoRuc", "condicionDomicilio", "observaciones"}).
    data = models.JSONField("respuesta")
    checked_at = models.DateTimeField("consultado en", db_index=True)

    class Meta:
        verbose_name = "validación de comprobante"
        verbose_name_plural = "validaciones de comprobantes"
        ordering = ["-checked_at"]

    def __str__(self):
        return f"{self.ruc_emisor} {self.tipo} {self.serie}-{self.numero}"
