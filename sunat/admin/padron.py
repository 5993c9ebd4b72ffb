"""The Padrón Reducido's imported versions."""

from django.contrib import admin
from django.db.models import Subquery

from sunat.models import PadronVersion


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
