"""The checks of every way of asking SUNAT (sunat.upstream.flow_check): in the database, so that every
process (the web's, the task queue's, `manage.py sunat_check`) sees the last one, with or without Redis."""

from django.db import models

KEPT = 500  # the newest checks kept: five days at SUNAT_CANARY_MINUTES=15
# A flow's result in a check.
ACCEPTED, REFUSED, FAILED, NOT_ASKED = "aceptado", "rechazado", "falló", "sin consultar"


class SunatCheck(models.Model):
    checked_at = models.DateTimeField("probado", db_index=True)
    ruc = models.CharField("RUC", max_length=11)
    # [{"flow", "result", "detail", "seconds"}], in the order they were tried.
    outcomes = models.JSONField("resultados")

    class Meta:
        verbose_name = "prueba de SUNAT"
        verbose_name_plural = "pruebas de SUNAT"
        ordering = ["-checked_at"]

    def accepted(self) -> list[str]:
        return [outcome["flow"] for outcome in self.outcomes if outcome["result"] == ACCEPTED]

    def found_nothing(self) -> bool:
        """Whether SUNAT was asked and no flow was accepted (a check held back by a cooldown found nothing out)."""
        return not self.accepted() and any(outcome["result"] != NOT_ASKED for outcome in self.outcomes)
