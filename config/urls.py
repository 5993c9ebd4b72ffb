from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("sunat.urls")),
]

handler400 = "sunat.api.views.bad_request"
handler404 = "sunat.api.views.page_not_found"
handler500 = "sunat.api.views.server_error"
