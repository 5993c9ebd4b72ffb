"""The stored SUNAT lookups: how old and how asked-for each is, refreshed from SUNAT (one from its
page, or a selection), evicted from the cache, and each RUC's stored sections."""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from sunat import caching
from sunat.admin.base import ReadOnlyAdmin, age, freshness, json_block
from sunat.exceptions import RucNotFound, SunatError
from sunat.lookups import ruc_cache, services
from sunat.models import ChangeEvent, RucHits, RucRecord, RucSectionRecord
from sunat.monitoring import tally

# The fuente filter's values, shown only when some record has them.
SOURCES = {
    ChangeEvent.SUNAT: "SUNAT (una consulta)",
    ChangeEvent.RECHECK: "SUNAT (revisión de vigilados)",
    "padron": "corregida por el padrón",
}


class FreshnessFilter(admin.SimpleListFilter):
    title = "vigencia"
    parameter_name = "vigencia"

    def lookups(self, request, model_admin):
        return (("vigente", "vigente"), ("vencida", f"vencida (más de {_days(settings.RUC_CACHE_TTL)})"))

    def queryset(self, request, queryset):
        cutoff = timezone.now() - timedelta(seconds=settings.RUC_CACHE_TTL)
        if self.value() == "vigente":
            return queryset.filter(fetched_at__gte=cutoff)
        if self.value() == "vencida":
            return queryset.filter(fetched_at__lt=cutoff)
        return queryset


class SourceFilter(admin.SimpleListFilter):
    """Where each answer came from: SUNAT asked by a lookup, by a re-check, or corrected by the padrón."""

    title = "fuente"
    parameter_name = "fuente"

    def lookups(self, request, model_admin):
        present = []
        for value, label in SOURCES.items():
            if self._filter(model_admin.model.objects.all(), value).exists():  # the source column's index
                present.append((value, label))
        return present

    def queryset(self, request, queryset):
        return self._filter(queryset, self.value()) if self.value() in SOURCES else queryset

    @staticmethod
    def _filter(queryset, value):
        if value == "padron":
            return queryset.filter(corrected_by__isnull=False)
        return queryset.filter(source=value)


def _days(seconds: int) -> str:
    days = seconds / 86400
    return f"{days:g} días" if days >= 1 else f"{seconds // 3600} horas"


@admin.register(RucRecord)
class RucRecordAdmin(ReadOnlyAdmin):
    empty_hint = "Aún no hay consultas guardadas: se guardan al responder GET /api/ruc/<ruc> con lo que dice SUNAT."
    list_display = ("ruc", "razon_social", "estado", "condicion", "fetched_at", "shown_age", "hits", "in_cache")
    list_filter = (FreshnessFilter, SourceFilter, "estado", "condicion")
    search_fields = ("=ruc", "razon_social")
    date_hierarchy = "fetched_at"
    fields = ("ruc", "razon_social", "estado", "condicion", "shown_source", "corrected_by", "fetched_at", "shown_age",
              "hits", "sections", "pretty_data")
    readonly_fields = fields
    actions = ("refresh_from_sunat", "remove_from_cache")
    change_form_template = "sunat/admin/rucrecord_change_form.html"
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        # A record can go (the next lookup asks SUNAT again), for whoever may delete records.
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def has_refresh_permission(self, request, obj=None):
        """Asking SUNAT again holds a request and spends its budget: for those who may change records."""
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    def has_evict_permission(self, request, obj=None):
        """Taking answers out of the cache changes what the API answers: the same."""
        return self.has_refresh_permission(request, obj)

    def get_queryset(self, request):
        hits = RucHits.objects.filter(ruc=OuterRef("ruc")).values("hits")[:1]
        return super().get_queryset(request).annotate(hit_count=Subquery(hits))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "may_refresh": self.has_refresh_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        refresh = path("<path:object_id>/refrescar/", self.admin_site.admin_view(self.refresh_view),
                       name="sunat_rucrecord_refresh")
        return [refresh, *super().get_urls()]

    @admin.display(description="antigüedad", ordering="-fetched_at")
    def shown_age(self, obj):
        return freshness(obj)

    @admin.display(description="fuente")
    def shown_source(self, obj):
        return SOURCES.get(obj.source, obj.source)

    @admin.display(description="consultas", ordering="hit_count")
    def hits(self, obj):
        # Those written, and this process's not written yet (another worker's arrive within TALLY_FLUSH_SECONDS).
        return (obj.hit_count or 0) + tally.unwritten_hits(obj.ruc)

    @admin.display(boolean=True, description="en caché")
    def in_cache(self, obj):
        return ruc_cache.contains(obj.ruc)

    @admin.display(description="sub-páginas guardadas")
    def sections(self, obj):
        records = RucSectionRecord.objects.filter(ruc=obj.ruc).order_by("section")
        if not records:
            return "ninguna"
        return format_html_join(", ", '<a href="{}">{}</a> ({})', (
            (reverse("admin:sunat_rucsectionrecord_change", args=[record.pk]), record.section, age(record.fetched_at))
            for record in records))

    @admin.display(description="datos (JSON)")
    def pretty_data(self, obj):
        return json_block(obj.data)

    def refresh_view(self, request, object_id):
        """The detail page's "Refrescar desde SUNAT" button (POST)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        record = get_object_or_404(RucRecord, pk=object_id)
        if not self.has_refresh_permission(request, record):
            raise PermissionDenied
        self._refresh(request, [record.ruc])
        return HttpResponseRedirect(reverse("admin:sunat_rucrecord_change", args=[record.pk]))

    @admin.action(description="Refrescar desde SUNAT", permissions=["refresh"])
    def refresh_from_sunat(self, request, queryset):
        self._refresh(request, list(queryset.values_list("ruc", flat=True)))

    def _refresh(self, request, rucs):
        refreshed, failed = 0, []
        for ruc in rucs:
            try:
                services.refresh(ruc)
                refreshed += 1
            except (SunatError, RucNotFound) as exc:
                failed.append(f"{ruc} ({exc.__class__.__name__})")
        if refreshed:
            self.message_user(request, f"{refreshed} RUC actualizado(s) desde SUNAT.", messages.SUCCESS)
        if failed:
            self.message_user(request, "No se pudo actualizar (se conservan los datos guardados): " + ", ".join(failed),
                              messages.WARNING)

    @admin.action(description="Quitar de la caché", permissions=["evict"])
    def remove_from_cache(self, request, queryset):
        removed = ruc_cache.evict(queryset.values_list("ruc", flat=True))
        note = "" if caching.uses_redis() else " (LocMem: solo en el proceso que atendió esta acción)"
        self.message_user(request, f"{removed} entrada(s) quitadas de la caché{note}.", messages.SUCCESS)


@admin.register(RucSectionRecord)
class RucSectionRecordAdmin(ReadOnlyAdmin):
    """The stored sections (representantes, deuda coactiva...), each with its RUC's lookup."""
    empty_hint = "Aún no hay secciones guardadas: se guardan al consultar /api/ruc/<ruc>/<sección> o /completo."

    list_display = ("ruc", "section", "fetched_at", "shown_age", "lookup")
    list_filter = ("section",)
    search_fields = ("=ruc",)
    fields = ("ruc", "section", "source", "fetched_at", "shown_age", "lookup", "pretty_data")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description="antigüedad", ordering="-fetched_at")
    def shown_age(self, obj):
        return freshness(obj)

    @admin.display(description="consulta RUC")
    def lookup(self, obj):
        if not RucRecord.objects.filter(pk=obj.ruc).exists():
            return "-"
        return format_html('<a href="{}">{}</a>', reverse("admin:sunat_rucrecord_change", args=[obj.ruc]), obj.ruc)

    @admin.display(description="datos (JSON)")
    def pretty_data(self, obj):
        return json_block(obj.data)
