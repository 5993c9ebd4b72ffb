"""RUCs an API key watches, what changed in them, and each key's notice of each change.

A ChangeEvent is one RUC's fields that changed between two answers we hold (a refresh from
SUNAT, a register import, a re-check). Each key watching the RUC when it was detected gets a
Notification: its pull feed (GET /api/cambios) and, when the key has a webhook, the delivery's
outbox row, written in the same transaction as the event.
"""

from django.db import models
from django.utils import timezone

from sunat.clock import api_time
from sunat.models.event_kinds import RUC_CAMBIO


class Watch(models.Model):
    key = models.ForeignKey("sunat.ApiKey", models.CASCADE, related_name="watches", verbose_name="clave")
    ruc = models.CharField("RUC", max_length=11, db_index=True)
    created_at = models.DateTimeField("vigilado desde", default=timezone.now)
    # The last re-check from SUNAT of this RUC for its watchers (the scheduled re-check).
    checked_at = models.DateTimeField("revisado en SUNAT", null=True, blank=True)

    class Meta:
        verbose_name = "RUC vigilado"
        verbose_name_plural = "RUC vigilados"
        ordering = ["key", "ruc"]
        constraints = [models.UniqueConstraint(fields=["key", "ruc"], name="unique_watch")]

    def __str__(self):
        return f"{self.ruc} ({self.key})"


class ChangeEvent(models.Model):
    """One RUC's changed fields, as the API delivers it (as_body)."""

    SUNAT, PADRON, RECHECK = "sunat", "padron", "revision"  # fuente: where the new answer came from

    ruc = models.CharField("RUC", max_length=11, db_index=True)
    kind = models.CharField("tipo", max_length=40, default=RUC_CAMBIO.name)  # an EVENT_KINDS name
    changes = models.JSONField("cambios")  # [{"campo", "antes", "despues"}]
    source = models.CharField("fuente", max_length=20)
    detected_at = models.DateTimeField("detectado en", default=timezone.now, db_index=True)  # retention

    class Meta:
        verbose_name = "cambio de un RUC"
        verbose_name_plural = "cambios de RUC"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.ruc}: {', '.join(change['campo'] for change in self.changes)}"

    def as_body(self) -> dict:
        return {
            "id": f"evt_{self.pk}", "tipo": self.kind, "ruc": self.ruc, "cambios": self.changes,
            "fuente": self.source, "detectadoEn": api_time(self.detected_at),
        }


class Notification(models.Model):
    """A key's notice of an event: its feed's entry (the id is the feed's cursor) and, when the key
    had a webhook for its kind, the delivery's outbox row (sunat.watch.delivery)."""

    NONE, PENDING, DELIVERED, FAILED = "", "pendiente", "entregado", "fallido"  # delivery

    key = models.ForeignKey("sunat.ApiKey", models.CASCADE, related_name="notifications", verbose_name="clave")
    event = models.ForeignKey(ChangeEvent, models.CASCADE, related_name="notifications", verbose_name="cambio")
    delivery = models.CharField("entrega", max_length=12, blank=True, default=NONE, choices=[
        (NONE, "sin webhook"), (PENDING, "pendiente"), (DELIVERED, "entregado"), (FAILED, "fallido")])
    attempts = models.PositiveIntegerField("intentos", default=0)
    # When the next attempt is due; while one runs, the end of its lease (a worker killed mid-delivery
    # leaves it due again then).
    next_attempt_at = models.DateTimeField("próximo intento", null=True, blank=True)
    last_status = models.PositiveSmallIntegerField("última respuesta HTTP", null=True, blank=True)
    last_error = models.CharField("último error", max_length=300, blank=True)
    delivered_at = models.DateTimeField("entregado en", null=True, blank=True)

    class Meta:
        verbose_name = "aviso de un cambio"
        verbose_name_plural = "avisos de cambios"
        ordering = ["-id"]
        indexes = [models.Index(fields=["key", "id"], name="sunat_notification_feed"),
                   models.Index(fields=["delivery", "key", "id"], name="sunat_notification_outbox")]


class Webhook(models.Model):
    """Where a key wants its notices POSTed, signed with its secret (sunat.watch.webhooks)."""

    key = models.OneToOneField("sunat.ApiKey", models.CASCADE, related_name="webhook", verbose_name="clave")
    url = models.URLField("URL", max_length=2000)
    event_types = models.JSONField("tipos de evento", default=list)  # the EVENT_KINDS names it is POSTed
    # The HMAC key of X-Firma: the receiver holds it too, so it is kept as it is; shown once.
    secret = models.CharField("secreto", max_length=64, editable=False)
    created_at = models.DateTimeField("creado en", default=timezone.now)
    # A 410 from the receiver disables the webhook until the key sets it again.
    disabled_at = models.DateTimeField("desactivado en", null=True, blank=True)
    disabled_reason = models.CharField("motivo", max_length=200, blank=True)

    class Meta:
        verbose_name = "webhook"
        verbose_name_plural = "webhooks"

    def __str__(self):
        return f"{self.key}: {self.url}"
