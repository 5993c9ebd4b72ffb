from django.contrib import admin
from django.urls import include, path

from sunat.admin import overview
from sunat.home.views import home

urlpatterns = [
    path("", home, name="home"),  # the landing page (the admin's "Ver el sitio" leads there)
    path("admin/resumen/", overview.view, name="admin-overview"),
    path("admin/", admin.site.urls),
    path("", include("sunat.urls")),
]

handler400 = "sunat.api.views.bad_request"
handler404 = "sunat.api.views.page_not_found"
handler500 = "sunat.api.views.server_error"
