"""The stored SUNAT lookups: see, refresh from SUNAT, evict from the cache."""

import json

from django.contrib import admin, messages
from django.utils.html import format_html

from sunat.exceptions import RucNotFound, SunatError
from sunat.lookups import cache as ruc_cache
from sunat import caching
from sunat.lookups import services
from sunat.models import RucRecord


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
        note = "" if caching.uses_redis() else " (LocMem: solo en el proceso que atendió esta acción)"
        self.message_user(request, f"{removed} entrada(s) quitadas de la caché{note}.", messages.SUCCESS)
