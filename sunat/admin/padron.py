"""SUNAT's registers in the admin: each import's version and the padrón's changes, and the rows of
the agents', good taxpayers' and establishments' registers; all read only (imports write them)."""

from django.contrib import admin
from django.db.models import OuterRef, Subquery

from sunat.admin.base import ReadOnlyAdmin

from sunat.models import (
    AgentePercepcion, AgentePercepcionVentaInterna, AgenteRetencion, BuenContribuyente, EstablecimientoAnexo,
    PadronVersion, RegisterChange,
)


@admin.register(PadronVersion)
class PadronVersionAdmin(admin.ModelAdmin):
    """The imports of SUNAT's files (manage.py import_padron); each register's latest is in use."""

    list_display = ("register", "imported_at", "file_date", "rows", "change_count", "corrected_lookups", "seconds",
                    "source", "in_use")
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


@admin.register(RegisterChange)
class RegisterChangeAdmin(ReadOnlyAdmin):
    """Each RUC's estado or condición that an import of the Padrón Reducido changed."""

    list_display = ("ruc", "field", "before", "after", "register_date", "version")
    list_filter = ("field",)
    search_fields = ("=ruc",)  # the index, never a scan of a long history
    list_select_related = ("version",)
    show_full_result_count = False  # no second COUNT(*) over a long history


class RegisterMemberAdmin(ReadOnlyAdmin):
    """A register's RUCs as imported (manage.py import_padron --registro ...)."""

    list_display = ("ruc", "razon_social", "desde", "resolucion")
    search_fields = ("ruc", "razon_social")


for _model in (AgenteRetencion, AgentePercepcion, AgentePercepcionVentaInterna, BuenContribuyente):
    admin.site.register(_model, RegisterMemberAdmin)


@admin.register(EstablecimientoAnexo)
class EstablecimientoAnexoAdmin(ReadOnlyAdmin):
    """The establishments' register as imported: several rows per RUC."""

    list_display = ("ruc", "ubigeo", "tipo_via", "nombre_via", "numero", "kilometro", "tipo_zona")
    search_fields = ("=ruc",)
    show_full_result_count = False
