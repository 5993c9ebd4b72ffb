"""The lookup operations: one RUC, its sections, a batch of RUCs and a DNI."""

from django.conf import settings

from sunat.api.openapi.responses import RATE_LIMIT, error, header_refs, json_content, response_ref, too_many_fields
from sunat.lookups.batch import MAX_RUCS
from sunat.upstream.clients import SECTIONS


def _lookup_operation(operation_id: str, summary: str, description: str, path_parameter: str,
                      answer: str, bad_request: str, not_found: str, query=("fresh", "fuente"),
                      headers=("X-Cache", "X-Fresh-Disponible-En", *RATE_LIMIT)) -> dict:
    return {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "tags": ["Consultas"],
        "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in (path_parameter, *query)],
        "responses": {
            "200": {
                "description": "La respuesta, con X-Cache.",
                "headers": header_refs(*headers),
                "content": json_content(answer),
            },
            "400": error(bad_request),
            "401": response_ref("NoAutorizado"),
            "404": error(not_found),
            "405": response_ref("MetodoNoPermitido"),
            "429": response_ref("CuotaExcedida"),
            "503": response_ref("SunatNoDisponible"),
            "504": response_ref("SunatTimeout"),
        },
    }


_ROUTE_NOT_FOUND = "ruta_no_encontrada (el parámetro contiene «/» y la ruta no existe)"


def _ruc_bad_request() -> str:
    return (
        "Solicitud inválida. Códigos: ruc_invalido (no son 11 dígitos, el prefijo no es 10/15/16/17/20 o el "
        "dígito verificador no es correcto; SUNAT nunca se consulta), parametro_invalido (fresh o fuente con un "
        f"valor no admitido), {too_many_fields()}."
    )


def _ruc_lookup(operation_id: str, summary: str, extra: str = "") -> dict:
    return _lookup_operation(
        operation_id, summary,
        "La ficha RUC de SUNAT, del caché, de la consulta guardada, del padrón o de SUNAT en ese orden "
        "(ver X-Cache y fuente). Una respuesta más antigua que el tiempo de caché se sirve al instante (STALE) "
        "mientras se actualiza en segundo plano." + extra,
        "ruc", "RespuestaRuc", _ruc_bad_request(),
        "No encontrado. Códigos: ruc_no_encontrado (SUNAT no tiene este RUC), ruc_no_encontrado_en_padron "
        f"(fuente=padron y el padrón importado no lo tiene), {_ROUTE_NOT_FOUND}.",
    )


def _section_lookup(section: str) -> dict:
    name, description = SECTIONS[section].answer_schema, SECTIONS[section].description
    return _lookup_operation(
        f"consultar_{section.replace('-', '_')}", f"{SECTIONS[section].title} de un RUC",
        f"{description} Se guarda, cachea y falla igual que la consulta principal; un RUC que no existe "
        "responde 404 también aquí.",
        "ruc", name,
        "Solicitud inválida. Códigos: ruc_invalido (no es un RUC válido; SUNAT nunca se consulta), "
        f"parametro_invalido (fresh con un valor no admitido), {too_many_fields()}.",
        f"No encontrado. Códigos: ruc_no_encontrado (SUNAT no tiene este RUC), {_ROUTE_NOT_FOUND}.",
        query=("fresh",),
    )


def ruc_paths() -> dict:
    paths = {
        "/api/ruc/{ruc}": {"get": _ruc_lookup(
            "consultar_ruc", "Consultar un RUC",
            " GET /api/ruc/lote responde 405 metodo_no_permitido: esa ruta solo admite POST.")},
        "/obtener-ruc/{ruc}": {"get": _ruc_lookup(
            "obtener_ruc", "Consultar un RUC (ruta heredada)",
            " Ruta de los clientes existentes: igual a GET /api/ruc/{ruc}.")},
    }
    for section in SECTIONS:
        paths[f"/api/ruc/{{ruc}}/{section}"] = {"get": _section_lookup(section)}
    paths["/api/ruc/{ruc}/completo"] = {"get": _lookup_operation(
        "consultar_completo", "Todo de un RUC",
        "La ficha RUC de SUNAT (como fuente=sunat) y cada sección que ofrece (o las que nombra secciones), en "
        f"una respuesta, dentro de un plazo ({settings.COMPLETO_TIMEOUT:g} s). Cada sección viene del caché, de la consulta "
        "guardada o de SUNAT, con el mismo ritmo que las demás consultas; una sección que la ficha no ofrece "
        "(SUNAT no muestra su botón) se responde vacía sin consultar a SUNAT. Lo que no termina a tiempo "
        "vuelve como «pendiente» y sigue consultándose: pedirlo de nuevo lo encuentra en caché. El error de "
        "una sección no afecta a las demás; un error de la ficha es el de la respuesta. X-Cache es el de la "
        "ficha, y fresh (con su X-Fresh-Disponible-En) se aplica a la ficha. Con clave de API cuenta una solicitud.",
        "ruc", "RespuestaCompleta",
        "Solicitud inválida. Códigos: ruc_invalido (no es un RUC válido; SUNAT nunca se consulta), "
        f"parametro_invalido (fresh o secciones con un valor no admitido), {too_many_fields()}.",
        f"No encontrado. Códigos: ruc_no_encontrado (SUNAT no tiene este RUC), {_ROUTE_NOT_FOUND}.",
        query=("fresh", "secciones"), headers=("X-Cache", "X-Fresh-Disponible-En", *RATE_LIMIT),
    )}
    paths["/api/ruc/lote"] = {"post": {
        "operationId": "consultar_lote",
        "summary": "Consultar varios RUC",
        "description": f"Hasta {MAX_RUCS} RUC en una solicitud; cada uno se responde por separado, con su RUC como "
                       "clave. Los RUC en caché se responden al instante; los demás se consultan dentro de "
                       f"un plazo ({settings.LOTE_TIMEOUT:g} s), y lo que no termina a tiempo vuelve como «pendiente» y sigue consultándose. "
                       "Con clave de API, el lote cuenta una solicitud por RUC distinto.",
        "tags": ["Consultas"],
        "requestBody": {"required": True, "content": json_content("SolicitudLote")},
        "responses": {
            "200": {"description": "El resultado de cada RUC.", "headers": header_refs(*RATE_LIMIT),
                    "content": json_content("RespuestaLote")},
            "400": error("Solicitud inválida. Códigos: json_invalido (el cuerpo no es JSON), parametro_invalido "
                         "(el cuerpo no es un objeto con una lista rucs no vacía de textos), demasiados_rucs (más de "
                         f"{MAX_RUCS} elementos), solicitud_invalida (cuerpo de más de "
                         f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes)."),
            "401": response_ref("NoAutorizado"),
            "405": response_ref("MetodoNoPermitido"),
            "429": error("La cuota de la clave no alcanza para el lote (o ya se agotó); detail dice cuál, por "
                         "minuto o diaria, y cuánto queda. Código: cuota_excedida.", "Retry-After", *RATE_LIMIT),
        },
    }}
    paths["/api/dni/{dni}"] = {"get": _lookup_operation(
        "consultar_dni", "Consultar el RUC de un DNI",
        "El RUC de una persona es 10 + DNI + dígito verificador: se consulta igual que GET /api/ruc/{ruc} "
        "(caché, padrón, SUNAT; la misma respuesta, cabeceras y parámetros).",
        "dni", "RespuestaRuc",
        "Solicitud inválida. Códigos: dni_invalido (no son 8 dígitos), parametro_invalido (fresh o fuente con un "
        f"valor no admitido), {too_many_fields()}.",
        "No encontrado. Códigos: dni_sin_ruc (SUNAT no tiene un RUC para este DNI), ruc_no_encontrado_en_padron "
        f"(fuente=padron y el padrón no lo tiene), {_ROUTE_NOT_FOUND}.",
    )}
    return paths
