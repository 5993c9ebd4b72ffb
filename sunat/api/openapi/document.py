"""The whole OpenAPI document: info, tags, security and the parts put together, built once."""

from functools import cache

from sunat.api.openapi.paths_comprobantes import comprobantes_paths, comprobantes_schemas
from sunat.api.openapi.paths_exchange import exchange_paths, exchange_schemas
from sunat.api.openapi.paths_ruc import ruc_paths
from sunat.api.openapi.paths_service import service_paths
from sunat.api.openapi.paths_watch import watch_paths, watch_schemas
from sunat.api.openapi.responses import header_components, parameter_components, response_components
from sunat.api.openapi.samples import BODIES, code_samples
from sunat.api.openapi.schemas_ruc import ruc_schemas
from sunat.api.openapi.schemas_service import service_schemas

OPENAPI_VERSION = "3.1.0"
TITLE = "Consulta RUC"
API_VERSION = "1.0.0"
_DESCRIPTION = (
    "Consulta de contribuyentes de SUNAT (Perú) por RUC o DNI, con caché, respuestas guardadas y el Padrón "
    "Reducido importado, y búsqueda por nombre.\n\n"
    "Todas las respuestas son JSON en UTF-8. Los errores tienen la forma "
    '{"error": código, "detail": "mensaje en español"} y, cuando corresponde, el "ruc" o "dni" consultado.\n\n'
    "Autenticación: una clave de API en la cabecera `Authorization: Bearer rk_...`, que da quien opera el "
    "servicio. Según cómo lo configure, es obligatoria (sin ella, toda ruta bajo /api/ y /obtener-ruc/ responde "
    "401) u opcional; /health, /api/schema y /api/docs siempre están abiertas. Una clave enviada siempre se "
    "valida y se cuenta contra sus cuotas por minuto y por día."
)


@cache
def schema() -> dict:
    """The OpenAPI document (built once; callers must not modify it)."""
    paths = {**ruc_paths(), **exchange_paths(), **comprobantes_paths(), **service_paths(), **watch_paths()}
    for path, item in paths.items():
        for method, operation in item.items():
            operation["x-codeSamples"] = code_samples(method, path, operation)
            if "requestBody" in operation:  # the body the samples send, as the request's example
                operation["requestBody"]["content"]["application/json"]["example"] = BODIES[(method, path)]
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": TITLE, "version": API_VERSION, "description": _DESCRIPTION},
        "tags": [
            {"name": "Consultas", "description": "Consultas por RUC, DNI o en lote."},
            {"name": "Búsqueda", "description": "Búsqueda por nombre en el padrón."},
            {"name": "Tipo de cambio", "description": "El tipo de cambio del dólar que publica SUNAT."},
            {"name": "Comprobantes", "description": "Validez de comprobantes según la API oficial de SUNAT."},
            {"name": "Vigilancia", "description": "RUC vigilados por una clave de API y sus cambios."},
            {"name": "Servicio", "description": "Estado del servicio y esta documentación."},
        ],
        # Optional key: anonymous ({}) or bearer, unless API_KEYS_REQUIRED.
        "security": [{}, {"claveApi": []}],
        "paths": paths,
        "components": {
            "schemas": {**ruc_schemas(), **exchange_schemas(), **comprobantes_schemas(), **service_schemas(),
                        **watch_schemas()},
            "parameters": parameter_components(),
            "headers": header_components(),
            "responses": response_components(),
            "securitySchemes": {"claveApi": {
                "type": "http", "scheme": "bearer",
                "description": "Clave de API `rk_..._...`, que da quien opera el servicio; obligatoria u "
                               "opcional según cómo lo configure.",
            }},
        },
    }
