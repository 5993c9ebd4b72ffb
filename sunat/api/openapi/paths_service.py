"""The search operation and the service's own routes: health, this schema and its HTML page."""

from sunat.api.openapi.responses import RATE_LIMIT, error, header_refs, json_content, response_ref, too_many_fields
from sunat.registers.search import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_LENGTH, MIN_QUERY_LENGTH


def service_paths() -> dict:
    paths = {}
    paths["/api/buscar"] = {"get": {
        "operationId": "buscar",
        "summary": "Buscar por nombre o razón social",
        "description": "Busca en el Padrón Reducido importado, los nombres más parecidos primero. En PostgreSQL "
                       "tolera errores de tipeo (similitud de trigramas); en SQLite cada palabra debe aparecer "
                       "en el nombre. Cada búsqueda tiene un tiempo máximo de base de datos, y las páginas llegan "
                       "hasta los primeros resultados (pagina × por_pagina ≤ PADRON_SEARCH_MAX_RESULTS, 1000 por "
                       "omisión).",
        "tags": ["Búsqueda"],
        "parameters": [
            {"name": "q", "in": "query", "required": True,
             "description": f"El texto a buscar, de {MIN_QUERY_LENGTH} a {MAX_QUERY_LENGTH} caracteres "
                            "(sin contar los espacios alrededor), sin caracteres de control.",
             "schema": {"type": "string", "minLength": MIN_QUERY_LENGTH, "maxLength": MAX_QUERY_LENGTH},
             "examples": {"nombre": {"value": "INVERSIONES ÑANDÚ"}}},
            {"name": "pagina", "in": "query", "required": False, "description": "Número de página.",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}},
            {"name": "por_pagina", "in": "query", "required": False, "description": "Resultados por página.",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                        "default": DEFAULT_PER_PAGE}},
        ],
        "responses": {
            "200": {"description": "Una página de resultados.", "headers": header_refs(*RATE_LIMIT),
                    "content": json_content("PaginaBusqueda")},
            "400": error("Solicitud inválida. Códigos: parametro_invalido (q, pagina o por_pagina fuera de rango, "
                         "una página más allá de los primeros resultados, q con caracteres de control o hecho "
                         f"solo de formas societarias y palabras comunes, como S.A.C.), {too_many_fields()}."),
            "401": response_ref("NoAutorizado"),
            "405": response_ref("MetodoNoPermitido"),
            "429": response_ref("CuotaExcedida"),
            "503": error("La base de datos no pudo responder la búsqueda, o no a tiempo (muchas búsquedas en "
                         "curso, o un texto que coincide con demasiados nombres). Código: busqueda_no_disponible.",
                         "Retry-After"),
        },
    }}
    paths["/health"] = {"get": {
        "operationId": "salud",
        "summary": "Estado del servicio",
        "description": "Comprueba la base de datos y el caché (una escritura y lectura reales), dice cómo va la "
                       "consulta a SUNAT (pausada, fallando) y cuándo latió por última vez el worker de la cola de "
                       "tareas. Sin clave de API.",
        "tags": ["Servicio"],
        "security": [],
        "responses": {
            "200": {"description": "La base de datos responde (status ok, o degraded con sus motivos).",
                    "content": json_content("Salud")},
            "405": response_ref("MetodoNoPermitido"),
            "503": {"description": "La base de datos no responde (status error).", "content": json_content("Salud")},
        },
    }}
    paths["/health/live"] = {"get": {
        "operationId": "salud_vivo",
        "summary": "El proceso responde",
        "description": "Para la sonda de vida de un orquestador (Kubernetes: livenessProbe): responde mientras el "
                       "proceso atiende solicitudes, sin consultar la base de datos, el caché ni SUNAT, para que "
                       "una caída de ellos no haga reiniciar un proceso sano. Sin clave de API.",
        "tags": ["Servicio"],
        "security": [],
        "responses": {
            "200": {"description": "El proceso responde.", "content": json_content("SaludSonda")},
            "405": response_ref("MetodoNoPermitido"),
        },
    }}
    paths["/health/ready"] = {"get": {
        "operationId": "salud_listo",
        "summary": "El proceso puede servir consultas",
        "description": "Para la sonda de disponibilidad de un orquestador (Kubernetes: readinessProbe): 200 mientras "
                       "la base de datos responde, aunque SUNAT, Redis o el worker de la cola de tareas no (las "
                       "consultas en caché no los necesitan: sin Redis se sirven de la memoria del proceso y de la "
                       "base de datos). Sin clave de API.",
        "tags": ["Servicio"],
        "security": [],
        "responses": {
            "200": {"description": "Puede servir consultas.", "content": json_content("SaludSonda")},
            "405": response_ref("MetodoNoPermitido"),
            "503": error("La base de datos no responde. Código: base_de_datos_no_disponible.", "Retry-After"),
        },
    }}
    paths["/metrics"] = {"get": {
        "operationId": "metricas",
        "summary": "Métricas para Prometheus",
        "description": "Las métricas del servicio en el formato de texto de Prometheus (README: Metrics and logs). "
                       "Solo desde las direcciones de METRICS_ALLOWED_IPS, o con la cabecera Authorization: Bearer "
                       "<METRICS_TOKEN>; nginx no la sirve: Prometheus consulta el servicio directamente.",
        "tags": ["Servicio"],
        "security": [],
        "responses": {
            "200": {"description": "Las métricas.", "content": {"text/plain": {"schema": {"type": "string"}}}},
            "403": error("Ni la dirección ni el token permiten leerlas. Código: acceso_denegado."),
            "405": response_ref("MetodoNoPermitido"),
        },
    }}
    paths["/api/schema"] = {"get": {
        "operationId": "esquema",
        "summary": "Esta descripción OpenAPI",
        "description": "La descripción OpenAPI de la API, en JSON. Sin clave de API.",
        "tags": ["Servicio"],
        "security": [],
        "responses": {
            "200": {"description": "El documento OpenAPI.",
                    "content": {"application/json": {"schema": {"type": "object"}}}},
            "405": response_ref("MetodoNoPermitido"),
        },
    }}
    paths["/api/docs"] = _docs_page("documentacion", "Esta referencia, interactiva",
                                    "Esta descripción como referencia navegable (Redoc), con ejemplos de código en "
                                    "curl, Python, JavaScript y PHP. Sin clave de API.")
    paths["/api/docs/texto"] = _docs_page("documentacion_texto", "Esta documentación, sin JavaScript",
                                          "La misma descripción, como una página HTML legible sin JavaScript. Sin "
                                          "clave de API.")
    return paths


def _docs_page(operation_id: str, summary: str, description: str) -> dict:
    return {"get": {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "tags": ["Servicio"],
        "security": [],
        "responses": {
            "200": {"description": "La página de documentación.",
                    "content": {"text/html": {"schema": {"type": "string"}}}},
            "405": response_ref("MetodoNoPermitido"),
        },
    }}
