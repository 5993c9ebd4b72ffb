"""The overview page for operators (/admin/resumen/, linked from the admin's index)."""

from django.contrib import admin
from django.template.response import TemplateResponse

from sunat.operators import overview


def overview_view(request):
    context = {**admin.site.each_context(request), "title": "Resumen del servicio", **overview.summary()}
    return TemplateResponse(request, "sunat/admin/overview.html", context)


# The admin's login and staff check in front of it (config/urls.py routes it).
view = admin.site.admin_view(overview_view)
