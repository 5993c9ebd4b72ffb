import json

from django.contrib import admin, messages
from django.db.models import Subquery
from django.utils.html import format_html

from sunat import cache as ruc_cache
from sunat import services
from sunat.exceptions import RucNotFound, SunatError
from sunat import api_keys
from sunat.models import ApiKey, PadronVersion, RucRecord


@admin.register(RucRecord)
class RucRecordAdmin(admin.ModelAdmin):
    list_display = ("ruc", "razon_social", "estado", "condicion", "fetched_at", "in_cache")
    list_filter = ("estado", "condicion", "source", "fetched_at")
    search_fields = ("ruc", "razon_social")
    date_hierarchy = "fetched_at"
    fields = ("ruc", "razon_social", "estado", "condicion", "source", "fetched_at", "pretty_data")
    readonly_fields = fields
    actions = ("refresh_from_sunat", "remove_from_cache")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # records come from SUNAT only

    @admin.display(boolean=True, description="en caché")
    def in_cache(self, obj):
        return ruc_cache.contains(obj.ruc)

    @admin.display(description="datos (JSON)")
    def pretty_data(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.data, indent=2, ensure_ascii=False))

    @admin.action(description="Actualizar desde SUNAT")
    def refresh_from_sunat(self, request, queryset):
        refreshed, failed = 0, []
        for record in queryset:
            try:
                services.refresh(record.ruc)
                refreshed += 1
            except (SunatError, RucNotFound) as exc:
                failed.append(f"{record.ruc} ({exc.__class__.__name__})")
        if refreshed:
            self.message_user(request, f"{refreshed} RUC actualizado(s) desde SUNAT.", messages.SUCCESS)
        if failed:
            self.message_user(
                request,
                "No se pudo actualizar (se conservan los datos guardados): " + ", ".join(failed),
                messages.WARNING,
            )

    @admin.action(description="Quitar de la caché")
    def remove_from_cache(self, request, queryset):
        removed = ruc_cache.evict(queryset.values_list("ruc", flat=True))
        note = "" if ruc_cache.uses_redis() else " (LocMem: solo en el proceso que atendió esta acción)"
        self.message_user(request, f"{removed} entrada(s) quitadas de la caché{note}.", messages.SUCCESS)


@admin.register(PadronVersion)
class PadronVersionAdmin(admin.ModelAdmin):
    """The imports of the Padrón Reducido (manage.py import_padron); the latest is in use."""

    list_display = ("imported_at", "file_date", "rows", "seconds", "source", "in_use")
    date_hierarchy = "imported_at"
    fields = ("imported_at", "file_date", "rows", "seconds", "source")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # versions come from import_padron only

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        latest = PadronVersion.objects.order_by("-imported_at").values("id")[:1]
        return super().get_queryset(request).annotate(latest_id=Subquery(latest))

    @admin.display(boolean=True, description="en uso")
    def in_use(self, obj):
        return obj.id == obj.latest_id


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created here (shown once, stored hashed) and revoked here; each shows its use."""

    list_display = ("name", "shown_prefix", "per_minute", "per_day", "used_this_minute", "used_today",
                    "last_used_at", "created_at", "revoked_at")
    list_filter = ("revoked_at", "created_at")
    search_fields = ("name", "prefix")
    readonly_fields = ("shown_prefix", "created_at", "last_used_at", "revoked_at", "used_this_minute", "used_today")
    actions = ("revoke",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "per_minute", "per_day")
        return ("name", "shown_prefix", "per_minute", "per_day", "used_this_minute", "used_today",
                "last_used_at", "created_at", "revoked_at")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            api_keys.forget(obj.prefix)  # new quotas apply now, not when the cached copy expires
            return
        plain = api_keys.issue(obj)
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            format_html("Clave creada. Cópiela ahora: no se volverá a mostrar.<br><code>{}</code>", plain),
            messages.WARNING,
        )

    @admin.display(description="clave")
    def shown_prefix(self, obj):
        return f"rk_{obj.prefix}_…" if obj.prefix else "-"

    @admin.display(description="uso este minuto")
    def used_this_minute(self, obj):
        return api_keys.usage(obj.prefix).minute if obj.prefix else 0

    @admin.display(description="uso hoy")
    def used_today(self, obj):
        return api_keys.usage(obj.prefix).day if obj.prefix else 0

    @admin.action(description="Revocar las claves seleccionadas")
    def revoke(self, request, queryset):
        keys = list(queryset.filter(revoked_at__isnull=True))
        for key in keys:
            api_keys.revoke(key)
        self.message_user(request, f"{len(keys)} clave(s) revocada(s).", messages.SUCCESS)
