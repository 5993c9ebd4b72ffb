"""SUNAT's registers in the admin: each import's version and the padrón's changes, and the rows of
the padrón and of the agents', good taxpayers' and establishments' registers; all read only
(imports write them)."""

from django.contrib import admin
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.utils.html import format_html

from sunat.admin.base import EstimatedCountPaginator, ReadOnlyAdmin
from sunat.models import (
    AgentePercepcion,
    AgentePercepcionVentaInterna,
    AgenteRetencion,
    BuenContribuyente,
    EstablecimientoAnexo,
    PadronEntry,
    PadronVersion,
    RegisterChange,
)
from sunat.registers.search import MIN_QUERY_LENGTH  # as /api/buscar: a shorter text matches nearly everything

NAME_MATCHES = 1000  # the most rows a name search lists


@admin.register(PadronVersion)
class PadronVersionAdmin(admin.ModelAdmin):
    """The imports of SUNAT's files (manage.py import_padron); each register's latest is in use."""
    empty_hint = ("Ningún registro importado todavía: python manage.py sync_sunat_files los descarga de SUNAT y los "
                  "importa (import_padron <archivo>, uno a uno); el worker lo hace cada día a SUNAT_SYNC_TIME.")

    # The import's duration is on its page: nine columns pushed the list past 1280 px.
    list_display = ("register", "imported_at", "file_date", "rows", "change_count", "corrected_lookups", "source_file",
                    "in_use")
    list_filter = ("register",)
    date_hierarchy = "imported_at"
    fields = ("register", "imported_at", "file_date", "rows", "change_count", "corrected_lookups", "seconds", "source")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # versions come from import_padron only

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        latest = PadronVersion.objects.filter(register=OuterRef("register")).order_by("-imported_at").values("id")[:1]
        return super().get_queryset(request).annotate(latest_id=Subquery(latest))

    @admin.display(boolean=True, description="en uso")
    def in_use(self, obj):
        return obj.id == obj.latest_id

    @admin.display(description="origen", ordering="source")
    def source_file(self, obj):
        """The file's name; its whole path or URL (a long one pushed the list past 1280 px) on hover and on its page."""
        return format_html('<span title="{}">{}</span>', obj.source, obj.source.rstrip("/").rsplit("/", 1)[-1])


@admin.register(RegisterChange)
class RegisterChangeAdmin(ReadOnlyAdmin):
    """Each RUC's estado or condición that an import of the Padrón Reducido changed."""
    empty_hint = ("Sin cambios todavía: aparecen cuando un padrón importado cambia el estado o la condición de un RUC "
                  "respecto del anterior.")

    list_display = ("ruc", "field", "before", "after", "register_date", "version")
    list_filter = ("field",)
    search_fields = ("=ruc",)  # the index, never a scan of a long history
    list_select_related = ("version",)
    show_full_result_count = False  # no second COUNT(*) over a long history


class RegisterMemberAdmin(ReadOnlyAdmin):
    """A register's RUCs as imported (manage.py import_padron --registro ...)."""
    empty_hint = "Este registro no se importó todavía: python manage.py sync_sunat_files (el worker lo hace cada día)."

    list_display = ("ruc", "razon_social", "desde", "resolucion")
    search_fields = ("ruc", "razon_social")


for _model in (AgenteRetencion, AgentePercepcion, AgentePercepcionVentaInterna, BuenContribuyente):
    admin.site.register(_model, RegisterMemberAdmin)


@admin.register(EstablecimientoAnexo)
class EstablecimientoAnexoAdmin(ReadOnlyAdmin):
    """The establishments' register as imported: several rows per RUC."""
    empty_hint = ("Los establecimientos anexos no se importaron todavía: python manage.py sync_sunat_files --only "
                  "establecimientos-anexos.")

    list_display = ("ruc", "ubigeo", "tipo_via", "nombre_via", "numero", "kilometro", "tipo_zona")
    search_fields = ("=ruc",)
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(PadronEntry)
class PadronEntryAdmin(ReadOnlyAdmin):
    """The Padrón Reducido as imported (about 18 million rows): found by RUC (its primary key) or by
    name (the trigram index on PostgreSQL), counted by estimate, never filtered by a scan."""
    empty_hint = ("El Padrón Reducido no se importó todavía: python manage.py sync_sunat_files (o import_padron "
                  "<archivo>).")

    list_display = ("ruc", "razon_social", "estado", "condicion", "ubigeo")
    search_fields = ("ruc", "razon_social")  # what the search box says it searches; get_search_results runs it
    search_help_text = "Un RUC de 11 dígitos, o parte del nombre o razón social (al menos 3 letras)."
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_search_results(self, request, queryset, search_term):
        term = " ".join(search_term.split()).upper()
        if not term:
            return queryset, False
        if term.isdigit():
            return queryset.filter(ruc=term), False
        if len(term) < MIN_QUERY_LENGTH:
            return queryset.none(), False
        if connection.vendor == "postgresql":
            # `<%`: pg_trgm's word similarity, answered by the GIN index; at most NAME_MATCHES rows.
            matches = RawSQL(f"SELECT ruc FROM {PadronEntry._meta.db_table} WHERE %s <%% razon_social "
                             f"LIMIT {NAME_MATCHES}", [term])
            return queryset.filter(ruc__in=matches), False
        for word in term.split():
            queryset = queryset.filter(razon_social__contains=word)
        return queryset, False
