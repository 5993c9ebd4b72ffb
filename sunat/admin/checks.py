"""The checks of SUNAT's flows (manage.py sunat_check, the scheduled one), for operators: read only."""

from django.contrib import admin
from django.utils.html import format_html_join

from sunat.admin.base import ReadOnlyAdmin
from sunat.models import SunatCheck


@admin.register(SunatCheck)
class SunatCheckAdmin(ReadOnlyAdmin):
    empty_hint = ("Aún no se probó SUNAT desde aquí: python manage.py sunat_check (el worker lo hace cada "
                  "SUNAT_CANARY_MINUTES).")
    list_display = ["checked_at", "ruc", "aceptadas", "resultados"]
    date_hierarchy = "checked_at"
    fields = ["checked_at", "ruc", "resultados"]
    readonly_fields = fields

    @admin.display(description="aceptadas")
    def aceptadas(self, check):
        return ", ".join(check.accepted()) or "ninguna"

    @admin.display(description="resultados")
    def resultados(self, check):
        return format_html_join(", ", "{}: {} ({} s)", ((o["flow"], o["result"], o["seconds"]) for o in check.outcomes))
