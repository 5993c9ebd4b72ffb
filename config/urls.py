from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("sunat.urls")),
]

handler400 = "sunat.views.bad_request"
handler404 = "sunat.views.page_not_found"
handler500 = "sunat.views.server_error"
