from django.urls import path, re_path

from sunat import views

app_name = "sunat"

urlpatterns = [
    re_path(r"^api/ruc/(?P<ruc>[^/]*)/?$", views.ruc_detail, name="ruc-detail"),
    # The path existing clients already call.
    re_path(r"^obtener-ruc/(?P<ruc>[^/]*)/?$", views.ruc_detail, name="obtener-ruc"),
    path("health", views.health, name="health"),
]
