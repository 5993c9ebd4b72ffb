from django.urls import path, re_path

from sunat.api import comprobantes, exchange, views, watch
from sunat.operators import views as operator_views
from sunat.upstream.clients import SECTIONS

app_name = "sunat"

_SECTIONS = "|".join(SECTIONS)

urlpatterns = [
    # No RUC at all is a JSON 400 too, not APPEND_SLASH's HTML redirect.
    re_path(r"^api/ruc/?$", views.ruc_detail, {"ruc": ""}, name="ruc-empty"),
    re_path(r"^obtener-ruc/?$", views.ruc_detail, {"ruc": ""}, name="obtener-ruc-empty"),
    re_path(r"^api/ruc/lote/?$", views.ruc_batch, name="ruc-batch"),
    re_path(r"^api/ruc/(?P<ruc>[^/]*)/?$", views.ruc_detail, name="ruc-detail"),
    re_path(rf"^api/ruc/(?P<ruc>[^/]*)/(?P<section>{_SECTIONS})/?$", views.ruc_section, name="ruc-section"),
    re_path(r"^api/ruc/(?P<ruc>[^/]*)/completo/?$", views.ruc_complete, name="ruc-complete"),
    # The path existing clients already call.
    re_path(r"^obtener-ruc/(?P<ruc>[^/]*)/?$", views.ruc_detail, name="obtener-ruc"),
    re_path(r"^api/buscar/?$", views.search, name="search"),
    re_path(r"^api/dni/(?P<dni>[^/]*)/?$", views.dni_detail, name="dni-detail"),
    re_path(r"^api/vigilancia/?$", watch.watch_list, name="watch-list"),
    re_path(r"^api/vigilancia/lote/?$", watch.watch_batch, name="watch-batch"),
    re_path(r"^api/vigilancia/(?P<ruc>[^/]*)/?$", watch.watched_ruc, name="watched-ruc"),
    re_path(r"^api/cambios/?$", watch.change_feed, name="change-feed"),
    re_path(r"^api/webhook/?$", watch.webhook, name="webhook"),
    re_path(r"^api/tipo-cambio/?$", exchange.exchange_rate, name="exchange-rate"),
    re_path(r"^api/comprobantes/validar/?$", comprobantes.validate, name="comprobantes-validar"),
    path("health", views.health, name="health"),
    # An orchestrator's probes (deploy/kubernetes): the process answers; it can serve cached lookups.
    path("health/live", views.health_live, name="health-live"),
    path("health/ready", views.health_ready, name="health-ready"),
    # Prometheus (sunat.operators): only from METRICS_ALLOWED_IPS or with METRICS_TOKEN; nginx never serves it.
    path("metrics", operator_views.metrics, name="metrics"),
    # The API's OpenAPI description (sunat.api.openapi), as JSON and as HTML; open without a key.
    re_path(r"^api/schema/?$", views.api_schema, name="api-schema"),
    re_path(r"^api/docs/?$", views.api_docs, name="api-docs"),
    re_path(r"^api/docs/texto/?$", views.api_docs_text, name="api-docs-text"),
]
