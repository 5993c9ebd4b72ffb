"""The project's URLs plus /bench/constant (config.settings.bench only)."""

from django.urls import path

from config.urls import handler400, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns
from devtools.bench import views

urlpatterns = [
    *project_urlpatterns,
    path("bench/constant", views.constant),
]
