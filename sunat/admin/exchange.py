"""SUNAT's exchange rates as stored (sunat.exchange), for operators: read only."""

from django.contrib import admin

from sunat.admin.base import ReadOnlyAdmin
from sunat.models import ExchangeRate


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    empty_hint = ("Aún no hay tipos de cambio: se guardan al consultar GET /api/tipo-cambio (un mes de SUNAT por "
                  "consulta) y con la tarea programada tipo-de-cambio del worker (el de hoy hasta que se publica, "
                  "y los meses que falten).")
    list_display = ["fecha", "compra", "venta", "fetched_at"]
    date_hierarchy = "fecha"
    fields = list_display
    readonly_fields = fields
