"""Watched RUCs, their changes and the webhook deliveries: what each key watches, what was sent
where and how it went, and a resend."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from sunat import tasks
from sunat.admin.base import ReadOnlyAdmin
from sunat.models import ChangeEvent, Notification, Watch, Webhook

RECENT = 20  # deliveries shown on a webhook's page


@admin.register(Watch)
class WatchAdmin(ReadOnlyAdmin):
    empty_hint = "Ninguna clave vigila RUC: se vigilan con PUT /api/vigilancia/<ruc> y una clave de API."
    list_display = ("ruc", "key", "created_at", "checked_at")
    list_filter = ("key",)
    search_fields = ("=ruc",)
    list_select_related = ("key",)
    show_full_result_count = False


@admin.register(ChangeEvent)
class ChangeEventAdmin(ReadOnlyAdmin):
    empty_hint = ("Sin cambios de RUC vigilados todavía: se registran al notar un cambio (consulta, padrón importado o "
                  "revisión programada).")
    list_display = ("id", "ruc", "changed_fields", "source", "detected_at")
    list_filter = ("source",)
    search_fields = ("=ruc",)
    date_hierarchy = "detected_at"
    show_full_result_count = False

    @admin.display(description="campos")
    def changed_fields(self, obj):
        return ", ".join(change["campo"] for change in obj.changes)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Each key's notice of each change, and its webhook delivery: state, attempts, last answer, next try."""
    empty_hint = "Sin avisos: se crean cuando cambia un RUC que vigila una clave con webhook (PUT /api/webhook)."

    list_display = ("id", "key", "ruc", "delivery", "attempts", "last_status", "next_attempt_at", "delivered_at",
                    "last_error")
    list_filter = ("delivery", "key")
    search_fields = ("=event__ruc",)
    list_select_related = ("key", "event")
    show_full_result_count = False
    actions = ("resend",)

    def has_change_permission(self, request, obj=None):
        return False  # rows the delivery writes; resending is the one change, resend permission below

    def has_resend_permission(self, request, obj=None):
        """Sending a customer's notices again: for those who may change notices."""
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    @admin.display(description="RUC")
    def ruc(self, obj):
        return obj.event.ruc

    @admin.action(description="Reenviar al webhook", permissions=["resend"])
    def resend(self, request, queryset):
        with transaction.atomic():
            count = queryset.exclude(delivery=Notification.NONE).update(
                delivery=Notification.PENDING, next_attempt_at=timezone.now(), last_error="")
            if count:
                tasks.deliver_soon()
        messages.success(request, f"{count} aviso(s) en cola para reenviarse." if count else
                         "Ningún aviso seleccionado tiene webhook.")


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin):
    """A key's webhook (set through PUT /api/webhook; its secret is never shown here) and its recent deliveries."""
    empty_hint = "Ninguna clave tiene webhook: cada una lo configura con PUT /api/webhook."

    list_display = ("key", "url", "active", "disabled_reason", "created_at")
    list_select_related = ("key",)
    fields = ("key", "url", "event_types", "created_at", "disabled_at", "disabled_reason", "recent_deliveries")
    readonly_fields = fields

    def has_delete_permission(self, request, obj=None):
        # An operator may remove a receiver that misbehaves: one who may delete webhooks.
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    @admin.display(boolean=True, description="activo")
    def active(self, obj):
        return obj.disabled_at is None

    @admin.display(description=f"últimas {RECENT} entregas")
    def recent_deliveries(self, obj):
        notices = (Notification.objects.filter(key_id=obj.key_id).exclude(delivery=Notification.NONE)
                   .select_related("event").order_by("-id")[:RECENT])
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (notice.event.ruc, notice.get_delivery_display(), notice.attempts, notice.last_status or "-",
             notice.next_attempt_at or "-", notice.last_error or "-") for notice in notices))
        return format_html("<table><tr><th>RUC</th><th>estado</th><th>intentos</th><th>última respuesta</th>"
                           "<th>próximo intento</th><th>último error</th></tr>{}</table>", rows)
