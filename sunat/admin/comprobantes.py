"""The validations of comprobantes asked of SUNAT's official API (sunat.comprobantes): read only."""

import re

from django.contrib import admin

from sunat.admin.base import ReadOnlyAdmin, age, json_block
from sunat.models import ComprobanteCheck

_SERIE_NUMERO = re.compile(r"^\s*([A-Za-z0-9]{4})\s*-\s*0*([0-9]{1,8})\s*$")


@admin.register(ComprobanteCheck)
class ComprobanteCheckAdmin(ReadOnlyAdmin):
    empty_hint = ("Aún no se validó ningún comprobante: POST /api/comprobantes/validar (necesita SUNAT_API_CLIENT_ID, "
                  "SUNAT_API_CLIENT_SECRET y SUNAT_API_RUC).")
    list_display = ["ruc_emisor", "tipo", "comprobante", "fecha_emision", "monto", "estado", "consultado"]
    list_filter = ["estado", "tipo"]
    search_fields = ["ruc_emisor"]
    search_help_text = "Busque por RUC del emisor o por serie-número (p. ej. B001-7)."
    date_hierarchy = "checked_at"
    fields = ["ruc_emisor", "tipo", "serie", "numero", "fecha_emision", "monto", "estado", "checked_at", "respuesta"]
    readonly_fields = fields

    @admin.display(description="comprobante", ordering="serie")
    def comprobante(self, check):
        return f"{check.serie}-{check.numero}"

    @admin.display(description="consultado hace", ordering="checked_at")
    def consultado(self, check):
        return age(check.checked_at)

    @admin.display(description="respuesta")
    def respuesta(self, check):
        return json_block(check.data)

    def get_search_results(self, request, queryset, search_term):
        match = _SERIE_NUMERO.match(search_term)
        if match:
            return queryset.filter(serie=match.group(1).upper(), numero=int(match.group(2))), False
        return super().get_search_results(request, queryset, search_term)
