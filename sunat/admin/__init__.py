"""The admin, one module per capability; importing them registers their pages.

Its place in the layers: pyproject.toml's [tool.importlinter].
"""

from django.contrib import admin

from sunat.admin import checks, keys, lookups, overview, padron, queue, watch  # noqa: F401

admin.site.site_header = "Consulta RUC"
admin.site.site_title = "Consulta RUC"
admin.site.index_title = "Administración del servicio"
admin.site.index_template = "sunat/admin/index.html"  # the admin's index, with the overview's link
# The lists get the whole width of a 1280-pixel screen (the index lists every page).
admin.site.enable_nav_sidebar = False
