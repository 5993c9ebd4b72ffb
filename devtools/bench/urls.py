"""The project's URLs plus /bench/constant (config.settings.bench only)."""

from django.urls import path

from config.urls import handler400, handler404, handler500, urlpatterns as project_urlpatterns  # noqa: F401
from devtools.bench import views

urlpatterns = [
    *project_urlpatterns,
    path("bench/constant", views.constant),
]
