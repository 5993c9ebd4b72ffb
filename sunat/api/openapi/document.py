"""The whole OpenAPI document: info, tags, security and the parts put together, built once."""

from functools import cache

from sunat.api.openapi.paths_ruc import ruc_paths
from sunat.api.openapi.paths_service import service_paths
from sunat.api.openapi.paths_watch import watch_paths, watch_schemas
from sunat.api.openapi.responses import header_components, parameter_components, response_components
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
    "Autenticación: una clave de API en la cabecera Authorization: Bearer <clave>. Es opcional salvo que el "
    "servicio tenga API_KEYS_REQUIRED activo (entonces toda ruta bajo /api/ y /obtener-ruc/ responde 401 sin "
    "ella; /health, /api/schema y /api/docs siguen abiertas). Una clave enviada siempre se valida y se cuenta "
    "contra sus cuotas por minuto y por día."
)


@cache
def schema() -> dict:
    """The OpenAPI document (built once; callers must not modify it)."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": TITLE, "version": API_VERSION, "description": _DESCRIPTION},
        "tags": [
            {"name": "Consultas", "description": "Consultas por RUC, DNI o en lote."},
            {"name": "Búsqueda", "description": "Búsqueda por nombre en el padrón."},
            {"name": "Vigilancia", "description": "RUC vigilados por una clave de API y sus cambios."},
            {"name": "Servicio", "description": "Estado del servicio y esta documentación."},
        ],
        # Optional key: anonymous ({}) or bearer, unless API_KEYS_REQUIRED.
        "security": [{}, {"claveApi": []}],
        "paths": {**ruc_paths(), **service_paths(), **watch_paths()},
        "components": {
            "schemas": {**ruc_schemas(), **service_schemas(), **watch_schemas()},
            "parameters": parameter_components(),
            "headers": header_components(),
            "responses": response_components(),
            "securitySchemes": {"claveApi": {
                "type": "http", "scheme": "bearer",
                "description": "Clave de API rk_<prefijo>_<secreto>, creada en el admin. Opcional salvo "
                               "API_KEYS_REQUIRED=True.",
            }},
        },
    }
