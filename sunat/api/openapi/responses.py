"""The reusable components (parameters, headers, responses) and the helpers that refer to them."""

from django.conf import settings

from sunat.jsonschema import ref
from sunat.upstream.clients import SECTIONS


def parameter_components() -> dict:
    return {
        "ruc": {
            "name": "ruc", "in": "path", "required": True,
            "description": "RUC de 11 dígitos ASCII que empieza con 10, 15, 16, 17 o 20 y tiene el dígito "
                           "verificador correcto; si no, 400 ruc_invalido sin consultar a SUNAT.",
            "schema": {"type": "string", "pattern": "^[0-9]{11}$"},
            "examples": {"empresa": {"value": "20573215045"}, "persona": {"value": "10123456781"},
                         "inexistente": {"value": "20000000001"}},
        },
        "dni": {
            "name": "dni", "in": "path", "required": True,
            "description": "DNI de 8 dígitos ASCII; se consulta el RUC 10 + DNI + dígito verificador.",
            "schema": {"type": "string", "pattern": "^[0-9]{8}$"},
            "examples": {"persona": {"value": "12345678"}},
        },
        "fresh": {
            "name": "fresh", "in": "query", "required": False,
            "description": "1 o true: esperar la respuesta de SUNAT en vez de servir una respuesta vencida (STALE). "
                           "0, false o vacío: el comportamiento normal. Cualquier otro valor: 400 "
                           "parametro_invalido. No distingue mayúsculas.",
            "schema": {"type": "string", "enum": ["1", "0", "true", "false"]},
        },
        "fuente": {
            "name": "fuente", "in": "query", "required": False,
            "description": "sunat: solo la ficha completa de SUNAT. padron: solo el Padrón Reducido importado "
                           "(404 ruc_no_encontrado_en_padron si no lo tiene; nunca consulta a SUNAT). Sin el "
                           "parámetro: el padrón responde cuando no hay una respuesta de SUNAT guardada. Otro "
                           "valor: 400 parametro_invalido. No distingue mayúsculas.",
            "schema": {"type": "string", "enum": ["sunat", "padron"]},
        },
        "secciones": {
            "name": "secciones", "in": "query", "required": False,
            "description": "Las secciones a incluir, separadas por comas (sin el parámetro: todas): "
                           f"{', '.join(SECTIONS)}. Una que no existe, o ninguna: 400 parametro_invalido.",
            "schema": {"type": "string"},
            "examples": {"para facturar": {"value": "establecimientos,deuda-coactiva"}},
        },
    }


def header_components() -> dict:
    def header(description, schema, required=False):
        return {"description": description, "required": required, "schema": schema}

    return {
        "X-Cache": header("HIT: del caché o de una consulta guardada; MISS: consultado a SUNAT ahora; STALE: una "
                          "respuesta vencida, servida mientras se actualiza en segundo plano o porque SUNAT falló.",
                          {"type": "string", "enum": ["HIT", "MISS", "STALE"]}, required=True),
        "Retry-After": header("Segundos sugeridos antes de reintentar.", {"type": "integer", "minimum": 0},
                              required=True),
        "X-RateLimit-Remaining-Minute": header("Solicitudes que le quedan a la clave en este minuto (solo con "
                                               "clave de API).", {"type": "integer", "minimum": 0}),
        "X-RateLimit-Remaining-Day": header("Solicitudes que le quedan a la clave hoy, día de Lima (solo con "
                                            "clave de API).", {"type": "integer", "minimum": 0}),
        "WWW-Authenticate": header('Bearer realm="api"', {"type": "string"}, required=True),
        "Allow": header("Los métodos que admite la ruta.", {"type": "string"}, required=True),
    }


def header_refs(*names: str) -> dict:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


RATE_LIMIT = ("X-RateLimit-Remaining-Minute", "X-RateLimit-Remaining-Day")


def json_content(schema_name: str) -> dict:
    return {"application/json": {"schema": ref(schema_name)}}


def error(description: str, *headers: str) -> dict:
    response = {"description": description, "content": json_content("Error")}
    if headers:
        response["headers"] = header_refs(*headers)
    return response


def response_components() -> dict:
    """Reusable responses: those whose codes are the same wherever they occur."""
    return {
        "NoAutorizado": error(
            "Falta la clave de API o no es válida. Códigos: api_key_requerida (no se envió la cabecera "
            "Authorization y API_KEYS_REQUIRED está activo), api_key_invalida (la clave no existe, está mal "
            "formada o fue revocada).", "WWW-Authenticate"),
        "MetodoNoPermitido": error(
            "Método no admitido por la ruta. Código: metodo_no_permitido; la cabecera Allow dice qué métodos "
            "admite.", "Allow"),
        "CuotaExcedida": error(
            "La clave de API agotó su cuota por minuto o por día. Código: cuota_excedida; Retry-After dice "
            "cuántos segundos faltan para el siguiente minuto o para la medianoche de Lima.", "Retry-After"),
        "SunatNoDisponible": error(
            "SUNAT no está disponible y no hay respuesta guardada. Códigos: sunat_no_disponible (firewall, "
            "página de error o sin conexión), sunat_ocupado (el servicio ya tiene en espera tantas consultas a "
            "SUNAT como admite, o este cliente su parte de ellas: se responde al instante).", "Retry-After"),
        "SunatTimeout": error(
            "SUNAT no respondió dentro del plazo de la consulta (SUNAT_DEADLINE, que cubre esperas, intentos y "
            "reintentos) y no hay respuesta guardada. Código: sunat_timeout.", "Retry-After"),
    }


def response_ref(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def too_many_fields() -> str:
    # Django's own limit (DATA_UPLOAD_MAX_NUMBER_FIELDS), answered by sunat.api.views.bad_request.
    return f"solicitud_invalida (más de {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} parámetros en la URL)"
