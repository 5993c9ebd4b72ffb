"""The API's OpenAPI 3.1 description, as a plain dict: GET /api/schema serves it as JSON and
GET /api/docs renders it as HTML.

Descriptions are in Spanish (integrators read them); the limits come from the code that
enforces them, so the description cannot drift from it.
"""

from functools import cache

from django.conf import settings

from sunat.batch import MAX_RUCS, PENDING_RETRY_AFTER
from sunat.clients import SECTIONS
from sunat.padron.queries import MIN_QUERY_LENGTH
from sunat.parser import FIELDS

OPENAPI_VERSION = "3.1.0"
TITLE = "Consulta RUC"
API_VERSION = "1.0.0"

_REF = "#/components/schemas/"


def _ref(name: str) -> dict:
    return {"$ref": f"{_REF}{name}"}


def _nullable(kind: str, description: str, **extra) -> dict:
    return {"type": [kind, "null"], "description": description, **extra}


def _text(description: str, **extra) -> dict:
    return {"type": "string", "description": description, **extra}


def _count(description: str) -> dict:
    return {"type": "integer", "minimum": 0, "description": description}


def _obj(properties: dict, description: str, required=None) -> dict:
    """A closed object: every property listed, all required unless said otherwise."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


# --- Schemas ---------------------------------------------------------------------------------

_DATE = "Fecha AAAA-MM-DD"

# One entry per key of sunat.parser.FIELDS, in the same order (checked below).
_SUNAT_FIELDS = {
    "ruc": _text("RUC de 11 dígitos.", pattern="^[0-9]{11}$"),
    "razonSocial": _nullable("string", "Nombre o razón social."),
    "nombreComercial": _nullable("string", "Nombre comercial; null si SUNAT muestra «-»."),
    "tipoContribuyente": _nullable("string", "Tipo de contribuyente (p. ej. SOCIEDAD ANONIMA CERRADA)."),
    "tipoDocumento": _nullable("string", "Documento de identidad (personas naturales)."),
    "estado": _nullable("string", "Estado del contribuyente (ACTIVO, BAJA DE OFICIO...)."),
    "condicion": _nullable("string", "Condición del domicilio fiscal (HABIDO, NO HABIDO...)."),
    "fechaInscripcion": _nullable("string", f"{_DATE} de inscripción.", format="date"),
    "fechaInicioActividades": _nullable("string", f"{_DATE} de inicio de actividades.", format="date"),
    "fechaBaja": _nullable("string", f"{_DATE} de baja; null si no está de baja.", format="date"),
    "direccion": _nullable("string", "Domicilio fiscal tal como lo muestra SUNAT; null si SUNAT lo reserva."),
    "departamento": _nullable("string", "Departamento, tomado del final de la dirección."),
    "provincia": _nullable("string", "Provincia, tomada del final de la dirección."),
    "distrito": _nullable("string", "Distrito, tomado del final de la dirección."),
    "ubigeo": _nullable("string", "Código INEI de 6 dígitos del distrito; null sin dirección.",
                        pattern="^[0-9]{6}$"),
    "sistemaEmision": _nullable("string", "Sistema de emisión de comprobantes."),
    "actividadComercioExterior": _nullable("string", "Actividad de comercio exterior."),
    "sistemaContabilidad": _nullable("string", "Sistema de contabilidad."),
    "actividadesEconomicas": {"type": "array", "description": "Actividades económicas, la principal primero.",
                              "items": _ref("ActividadEconomica")},
    "comprobantesPago": {"type": "array", "description": "Comprobantes de pago autorizados (impresión).",
                         "items": {"type": "string"}},
    "sistemaEmisionElectronica": {"type": "array", "description": "Sistemas de emisión electrónica, uno por línea.",
                                  "items": {"type": "string"}},
    "emisorElectronicoDesde": _nullable("string", f"{_DATE} desde la que emite electrónicamente.", format="date"),
    "comprobantesElectronicos": {"type": "array", "description": "Comprobantes electrónicos y desde cuándo.",
                                 "items": _ref("ComprobanteElectronico")},
    "afiliadoPleDesde": _nullable("string", f"{_DATE} de afiliación al PLE.", format="date"),
    "padrones": {"type": "array", "description": "Padrones en los que figura (agentes de retención, etc.).",
                 "items": {"type": "string"}},
}
if tuple(_SUNAT_FIELDS) != FIELDS:  # pragma: no cover - caught by the tests as well
    raise RuntimeError("sunat.openapi: the SUNAT answer's properties must be sunat.parser.FIELDS, in order")

_UPDATED_SUNAT = _text("Cuándo se consultó a SUNAT (UTC, AAAA-MM-DDTHH:MM:SSZ).", format="date-time")

_DOMICILIO_KEYS = ("tipoVia", "nombreVia", "codigoZona", "tipoZona", "numero", "interior", "lote",
                   "departamento", "manzana", "kilometro")


def _section_item_schemas() -> dict:
    return {
        "Representante": _obj({
            "tipoDocumento": _nullable("string", "Tipo de documento (DNI, CE...)."),
            "numeroDocumento": _nullable("string", "Número de documento."),
            "nombre": _nullable("string", "Apellidos y nombres."),
            "cargo": _nullable("string", "Cargo."),
            "fechaDesde": _nullable("string", f"{_DATE} desde la que ocupa el cargo.", format="date"),
        }, "Un representante legal."),
        "PeriodoTrabajadores": _obj({
            "periodo": _nullable("string", "Periodo AAAA-MM.", pattern="^[0-9]{4}-[0-9]{2}$"),
            "trabajadores": _nullable("integer", "Trabajadores; null si SUNAT no lo indica.", minimum=0),
            "pensionistas": _nullable("integer", "Pensionistas; null si SUNAT no lo indica.", minimum=0),
            "prestadores": _nullable("integer", "Prestadores de servicios; null si SUNAT no lo indica.", minimum=0),
        }, "Cantidad de trabajadores, pensionistas y prestadores de un periodo."),
    }


_SECTION_DESCRIPTIONS = {
    "representantes": ("RespuestaRepresentantes", "Representante",
                       "Representantes legales según SUNAT; lista vacía si SUNAT no tiene información."),
    "trabajadores": ("RespuestaTrabajadores", "PeriodoTrabajadores",
                     "Trabajadores por periodo, el más reciente primero; lista vacía si SUNAT no tiene "
                     "información."),
}


def _schemas() -> dict:
    schemas = {
        "RespuestaSunat": _obj(
            {**_SUNAT_FIELDS,
             "fuente": {"const": "sunat", "description": "De dónde viene la respuesta: la ficha RUC de SUNAT."},
             "actualizadoEn": _UPDATED_SUNAT},
            "La ficha RUC de SUNAT. Los valores son null donde SUNAT muestra «-» o «NINGUNO»; "
            "las listas están vacías cuando no hay nada.",
        ),
        "RespuestaPadron": _obj({
            "ruc": _text("RUC de 11 dígitos.", pattern="^[0-9]{11}$"),
            "razonSocial": _nullable("string", "Nombre o razón social."),
            "estado": _nullable("string", "Estado del contribuyente."),
            "condicion": _nullable("string", "Condición de domicilio."),
            "direccion": _nullable("string", "Dirección armada con las partes del domicilio, como la escribe SUNAT."),
            "ubigeo": _nullable("string", "Código INEI del distrito, tal como figura en el padrón."),
            "departamento": _nullable("string", "Departamento, según el ubigeo."),
            "provincia": _nullable("string", "Provincia, según el ubigeo."),
            "distrito": _nullable("string", "Distrito, según el ubigeo."),
            "domicilio": _ref("Domicilio"),
            "fuente": {"const": "padron",
                       "description": "De dónde viene la respuesta: el Padrón Reducido importado."},
            "actualizadoEn": _nullable("string", "Fecha del archivo del padrón (UTC, AAAA-MM-DDTHH:MM:SSZ).",
                                       format="date-time"),
        }, "Lo que tiene el Padrón Reducido de SUNAT importado (menos campos que la ficha RUC)."),
        "Domicilio": _obj({key: {"type": ["string", "null"]} for key in _DOMICILIO_KEYS},
                          "Las partes del domicilio fiscal según el padrón; null las vacías."),
        "RespuestaRuc": {
            "description": "Respuesta de una consulta: la ficha de SUNAT (fuente «sunat») o el padrón "
                           "(fuente «padron»).",
            "oneOf": [_ref("RespuestaSunat"), _ref("RespuestaPadron")],
        },
        "ActividadEconomica": _obj({
            "tipo": _nullable("string", "Principal, Secundaria 1, ..."),
            "ciiu": _nullable("string", "Código CIIU."),
            "descripcion": _nullable("string", "Descripción de la actividad."),
        }, "Una actividad económica."),
        "ComprobanteElectronico": _obj({
            "tipo": _nullable("string", "Tipo de comprobante (FACTURA, BOLETA...)."),
            "desde": _nullable("string", f"{_DATE} desde la que lo emite.", format="date"),
        }, "Un comprobante electrónico."),
        **_section_item_schemas(),
    }
    for section in SECTIONS:
        name, item, description = _SECTION_DESCRIPTIONS[section]
        schemas[name] = _obj({
            "ruc": _text("RUC de 11 dígitos.", pattern="^[0-9]{11}$"),
            section: {"type": "array", "items": _ref(item), "description": description},
            "fuente": {"const": "sunat", "description": "Siempre SUNAT."},
            "actualizadoEn": _UPDATED_SUNAT,
        }, description)
    schemas.update({
        "SolicitudLote": {
            "type": "object",
            "description": f"Hasta {MAX_RUCS} RUC distintos (los repetidos se cuentan una vez).",
            "properties": {"rucs": {"type": "array", "minItems": 1, "maxItems": MAX_RUCS,
                                    "items": {"type": "string"},
                                    "description": "Los RUC a consultar. Un elemento que no es texto se responde "
                                                   "como ruc_invalido."}},
            "required": ["rucs"],
            "examples": [{"rucs": ["20573215045", "20100070970"]}],
        },
        "RespuestaLote": _obj({
            "resultados": {
                "type": "object",
                "description": "Un resultado por RUC distinto, con el RUC enviado (sin espacios alrededor, "
                               "hasta 64 caracteres) como clave, en el orden enviado.",
                "additionalProperties": _ref("ResultadoLote"),
            },
            "resumen": _obj({name: {"type": "integer", "minimum": 0} for name in ("total", "ok", "error", "pendiente")},
                            "Cuántos resultados hay de cada estado."),
        }, "El resultado de cada RUC del lote y un resumen."),
        "ResultadoLote": {
            "description": "El resultado de un RUC del lote: ok, error o pendiente.",
            "oneOf": [_ref("ResultadoLoteOk"), _ref("ResultadoLoteError"), _ref("ResultadoLotePendiente")],
        },
        "ResultadoLoteOk": _obj({
            "estado": {"const": "ok"},
            "cache": {"enum": ["HIT", "MISS", "STALE"], "description": "Como la cabecera X-Cache de la consulta."},
            "datos": _ref("RespuestaRuc"),
        }, "Consulta resuelta: datos es lo mismo que responde GET /api/ruc/{ruc}."),
        "ResultadoLoteError": _obj({
            "estado": {"const": "error"},
            "error": _text("Código: ruc_invalido, ruc_no_encontrado, sunat_no_disponible, sunat_ocupado, "
                           "sunat_timeout o error_interno."),
            "detail": _text("Mensaje en español."),
            "reintentarEn": {"type": "integer", "minimum": 0,
                             "description": "Segundos sugeridos antes de reintentar (cuando SUNAT falló)."},
        }, "Consulta fallida, con los códigos de la consulta individual.", required=["estado", "error", "detail"]),
        "ResultadoLotePendiente": _obj({
            "estado": {"const": "pendiente"},
            "detail": _text("Mensaje en español."),
            "reintentarEn": {"type": "integer", "minimum": 0,
                             "description": "Segundos sugeridos antes de volver a pedir el lote "
                                            f"({PENDING_RETRY_AFTER})."},
        }, "La consulta a SUNAT sigue en curso al vencer el plazo del lote; pídalo de nuevo y vendrá del caché."),
        "PaginaBusqueda": _obj({
            "q": _text("El texto buscado, sin espacios alrededor."),
            "pagina": {"type": "integer", "minimum": 1},
            "porPagina": {"type": "integer", "minimum": 1},
            "hayMas": {"type": "boolean", "description": "Si existe una página siguiente."},
            "resultados": {"type": "array", "items": _ref("RespuestaPadron"),
                           "description": "Contribuyentes del padrón, los más parecidos primero."},
        }, "Una página de resultados de la búsqueda por nombre."),
        "Salud": _obj({
            "status": {"enum": ["ok", "degraded", "error"],
                       "description": "ok; degraded si el caché no responde; error si la base de datos no responde."},
            "cache": _obj({
                "backend": _text("redis o locmem."),
                "ok": {"type": "boolean"},
                "circuit": _obj({
                    "state": {"enum": ["open", "closed"],
                              "description": "open: Redis fuera de uso, se responde con un caché en memoria."},
                    "since": _nullable("string", "Desde cuándo está en ese estado."),
                }, "Solo con Redis: el estado del cortacircuitos."),
            }, "El caché.", required=["backend", "ok"]),
            "database": _obj({"vendor": _text("sqlite o postgresql."), "ok": {"type": "boolean"}},
                             "La base de datos."),
            "upstream": _obj({
                "waiting": _count("Solicitudes de este proceso que esperan a SUNAT."),
                "running": _count("Consultas a SUNAT en curso en este proceso."),
                "queued": _obj({"live": _count("Consultas en vivo."), "batch": _count("RUC de lotes."),
                                "background": _count("Actualizaciones en segundo plano.")},
                               "Consultas en cola en este proceso, por prioridad."),
                "backlog": _count("RUC de lotes y actualizaciones pendientes en este proceso."),
                "pausedFor": {"type": "number", "minimum": 0,
                              "description": "Segundos que faltan sin consultar a SUNAT (su firewall nos rechazó, "
                                             "o no respondió); 0 si se le consulta."},
            }, "El trabajo con SUNAT del proceso que respondió."),
        }, "El estado del servicio."),
        "Error": _obj({
            "error": _text("Código del error (ver cada respuesta). error_interno (500) es un error del servicio."),
            "detail": _text("Mensaje en español, para mostrar al usuario."),
            "ruc": _text("El RUC consultado (hasta 64 caracteres).", maxLength=64),
            "dni": _text("El DNI consultado (hasta 64 caracteres).", maxLength=64),
        }, "Todos los errores tienen esta forma.", required=["error", "detail"]),
    })
    return schemas


# --- Parameters, headers, responses ------------------------------------------------------------

def _parameters() -> dict:
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
    }


def _headers() -> dict:
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


def _header_refs(*names: str) -> dict:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


_RATE_LIMIT = ("X-RateLimit-Remaining-Minute", "X-RateLimit-Remaining-Day")


def _json(schema_name: str) -> dict:
    return {"application/json": {"schema": _ref(schema_name)}}


def _error(description: str, *headers: str) -> dict:
    response = {"description": description, "content": _json("Error")}
    if headers:
        response["headers"] = _header_refs(*headers)
    return response


def _responses() -> dict:
    """Reusable responses: those whose codes are the same wherever they occur."""
    return {
        "NoAutorizado": _error(
            "Falta la clave de API o no es válida. Códigos: api_key_requerida (no se envió la cabecera "
            "Authorization y API_KEYS_REQUIRED está activo), api_key_invalida (la clave no existe, está mal "
            "formada o fue revocada).", "WWW-Authenticate"),
        "MetodoNoPermitido": _error(
            "Método no admitido por la ruta. Código: metodo_no_permitido; la cabecera Allow dice qué métodos "
            "admite.", "Allow"),
        "CuotaExcedida": _error(
            "La clave de API agotó su cuota por minuto o por día. Código: cuota_excedida; Retry-After dice "
            "cuántos segundos faltan para el siguiente minuto o para la medianoche de Lima.", "Retry-After"),
        "SunatNoDisponible": _error(
            "SUNAT no está disponible y no hay respuesta guardada. Códigos: sunat_no_disponible (firewall, "
            "página de error o sin conexión), sunat_ocupado (el servicio ya tiene en espera tantas consultas a "
            "SUNAT como admite, o este cliente su parte de ellas: se responde al instante).", "Retry-After"),
        "SunatTimeout": _error(
            "SUNAT no respondió dentro del plazo de la consulta (SUNAT_DEADLINE, que cubre esperas, intentos y "
            "reintentos) y no hay respuesta guardada. Código: sunat_timeout.", "Retry-After"),
    }


def _response_ref(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def _lookup_operation(operation_id: str, summary: str, description: str, path_parameter: str,
                      answer: str, bad_request: str, not_found: str, query=("fresh", "fuente")) -> dict:
    return {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "tags": ["Consultas"],
        "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in (path_parameter, *query)],
        "responses": {
            "200": {
                "description": "La respuesta, con X-Cache.",
                "headers": _header_refs("X-Cache", *_RATE_LIMIT),
                "content": _json(answer),
            },
            "400": _error(bad_request),
            "401": _response_ref("NoAutorizado"),
            "404": _error(not_found),
            "405": _response_ref("MetodoNoPermitido"),
            "429": _response_ref("CuotaExcedida"),
            "503": _response_ref("SunatNoDisponible"),
            "504": _response_ref("SunatTimeout"),
        },
    }


_ROUTE_NOT_FOUND = "ruta_no_encontrada (el parámetro contiene «/» y la ruta no existe)"


def _too_many_fields() -> str:
    # Django's own limit (DATA_UPLOAD_MAX_NUMBER_FIELDS), answered by sunat.views.bad_request.
    return f"solicitud_invalida (más de {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} parámetros en la URL)"


def _ruc_bad_request() -> str:
    return (
        "Solicitud inválida. Códigos: ruc_invalido (no son 11 dígitos, el prefijo no es 10/15/16/17/20 o el "
        "dígito verificador no es correcto; SUNAT nunca se consulta), parametro_invalido (fresh o fuente con un "
        f"valor no admitido), {_too_many_fields()}."
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
    name, _, description = _SECTION_DESCRIPTIONS[section]
    return _lookup_operation(
        f"consultar_{section}", f"{section.capitalize()} de un RUC",
        f"{description} Se guarda, cachea y falla igual que la consulta principal; un RUC que no existe "
        "responde 404 también aquí.",
        "ruc", name,
        "Solicitud inválida. Códigos: ruc_invalido (no es un RUC válido; SUNAT nunca se consulta), "
        f"parametro_invalido (fresh con un valor no admitido), {_too_many_fields()}.",
        f"No encontrado. Códigos: ruc_no_encontrado (SUNAT no tiene este RUC), {_ROUTE_NOT_FOUND}.",
        query=("fresh",),
    )


def _paths() -> dict:
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
    paths["/api/ruc/lote"] = {"post": {
        "operationId": "consultar_lote",
        "summary": "Consultar varios RUC",
        "description": f"Hasta {MAX_RUCS} RUC en una solicitud; cada uno se responde por separado, con su RUC como "
                       "clave. Los RUC en caché se responden al instante; los demás se consultan dentro del plazo "
                       "LOTE_TIMEOUT, y lo que no termina a tiempo vuelve como «pendiente» y sigue consultándose. "
                       "Con clave de API, el lote cuenta una solicitud por RUC distinto.",
        "tags": ["Consultas"],
        "requestBody": {"required": True, "content": _json("SolicitudLote")},
        "responses": {
            "200": {"description": "El resultado de cada RUC.", "headers": _header_refs(*_RATE_LIMIT),
                    "content": _json("RespuestaLote")},
            "400": _error("Solicitud inválida. Códigos: json_invalido (el cuerpo no es JSON), parametro_invalido "
                          "(el cuerpo no es un objeto con una lista rucs no vacía), demasiados_rucs (más de "
                          f"{MAX_RUCS} RUC distintos), solicitud_invalida (cuerpo de más de "
                          f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes)."),
            "401": _response_ref("NoAutorizado"),
            "405": _response_ref("MetodoNoPermitido"),
            "429": _error("La cuota de la clave no alcanza para el lote (o ya se agotó). Código: cuota_excedida.",
                          "Retry-After"),
        },
    }}
    paths["/api/dni/{dni}"] = {"get": _lookup_operation(
        "consultar_dni", "Consultar el RUC de un DNI",
        "El RUC de una persona es 10 + DNI + dígito verificador: se consulta igual que GET /api/ruc/{ruc} "
        "(caché, padrón, SUNAT; la misma respuesta, cabeceras y parámetros).",
        "dni", "RespuestaRuc",
        "Solicitud inválida. Códigos: dni_invalido (no son 8 dígitos), parametro_invalido (fresh o fuente con un "
        f"valor no admitido), {_too_many_fields()}.",
        "No encontrado. Códigos: dni_sin_ruc (SUNAT no tiene un RUC para este DNI), ruc_no_encontrado_en_padron "
        f"(fuente=padron y el padrón no lo tiene), {_ROUTE_NOT_FOUND}.",
    )}
    paths["/api/buscar"] = {"get": {
        "operationId": "buscar",
        "summary": "Buscar por nombre o razón social",
        "description": "Busca en el Padrón Reducido importado, los nombres más parecidos primero. En PostgreSQL "
                       "tolera errores de tipeo (similitud de trigramas); en SQLite cada palabra debe aparecer "
                       "en el nombre.",
        "tags": ["Búsqueda"],
        "parameters": [
            {"name": "q", "in": "query", "required": True,
             "description": f"El texto a buscar, de {MIN_QUERY_LENGTH} a {_views().MAX_QUERY_LENGTH} caracteres "
                            "(sin contar los espacios alrededor), sin caracteres de control.",
             "schema": {"type": "string", "minLength": MIN_QUERY_LENGTH, "maxLength": _views().MAX_QUERY_LENGTH},
             "examples": {"nombre": {"value": "INVERSIONES ÑANDÚ"}}},
            {"name": "pagina", "in": "query", "required": False, "description": "Número de página.",
             "schema": {"type": "integer", "minimum": 1, "maximum": _views().MAX_PAGE, "default": 1}},
            {"name": "por_pagina", "in": "query", "required": False, "description": "Resultados por página.",
             "schema": {"type": "integer", "minimum": 1, "maximum": _views().MAX_PER_PAGE,
                        "default": _views().DEFAULT_PER_PAGE}},
        ],
        "responses": {
            "200": {"description": "Una página de resultados.", "headers": _header_refs(*_RATE_LIMIT),
                    "content": _json("PaginaBusqueda")},
            "400": _error("Solicitud inválida. Códigos: parametro_invalido (q, pagina o por_pagina fuera de rango, o q "
                          "con caracteres de control), "
                          f"{_too_many_fields()}."),
            "401": _response_ref("NoAutorizado"),
            "405": _response_ref("MetodoNoPermitido"),
            "429": _response_ref("CuotaExcedida"),
            "503": _error("La base de datos no pudo responder la búsqueda. Código: busqueda_no_disponible.",
                          "Retry-After"),
        },
    }}
    paths["/health"] = {"get": {
        "operationId": "salud",
        "summary": "Estado del servicio",
        "description": "Comprueba la base de datos y el caché (una escritura y lectura reales). Sin clave de API.",
        "tags": ["Servicio"],
        "security": [],
        "responses": {
            "200": {"description": "La base de datos responde (status ok, o degraded si el caché no).",
                    "content": _json("Salud")},
            "405": _response_ref("MetodoNoPermitido"),
            "503": {"description": "La base de datos no responde (status error).", "content": _json("Salud")},
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
            "405": _response_ref("MetodoNoPermitido"),
        },
    }}
    paths["/api/docs"] = {"get": {
        "operationId": "documentacion",
        "summary": "Esta documentación en HTML",
        "description": "La misma descripción, como una página HTML legible sin JavaScript. Sin clave de API.",
        "tags": ["Servicio"],
        "security": [],
        "responses": {
            "200": {"description": "La página de documentación.",
                    "content": {"text/html": {"schema": {"type": "string"}}}},
            "405": _response_ref("MetodoNoPermitido"),
        },
    }}
    return paths


def _views():
    # Imported late: sunat.views imports this module.
    from sunat import views

    return views


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
            {"name": "Servicio", "description": "Estado del servicio y esta documentación."},
        ],
        # Optional key: anonymous ({}) or bearer, unless API_KEYS_REQUIRED.
        "security": [{}, {"claveApi": []}],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "parameters": _parameters(),
            "headers": _headers(),
            "responses": _responses(),
            "securitySchemes": {"claveApi": {
                "type": "http", "scheme": "bearer",
                "description": "Clave de API rk_<prefijo>_<secreto>, creada en el admin. Opcional salvo "
                               "API_KEYS_REQUIRED=True.",
            }},
        },
    }


# --- The HTML page -------------------------------------------------------------------------------

_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


def _name_of(ref_or_schema: dict) -> str:
    """A schema's component name, or a short description of an inline schema."""
    if "$ref" in ref_or_schema:
        return ref_or_schema["$ref"].rsplit("/", 1)[-1]
    kind = ref_or_schema.get("type")
    if kind == "array" and "items" in ref_or_schema:
        return f"lista de {_name_of(ref_or_schema['items'])}"
    if isinstance(kind, list):
        return " o ".join(kind)
    return kind or "cualquiera"


def _resolve(document: dict, item: dict) -> dict:
    while "$ref" in item:
        section, name = item["$ref"].split("/")[-2:]
        item = document["components"][section][name]
    return item


def _type_of(schema: dict) -> str:
    if "$ref" in schema:
        return _name_of(schema)
    if "const" in schema:
        return f"«{schema['const']}»"
    if "enum" in schema:
        return " | ".join(str(value) for value in schema["enum"])
    if "oneOf" in schema:
        return " o ".join(_name_of(option) for option in schema["oneOf"])
    if schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"objeto de {_name_of(schema['additionalProperties'])}"
    text = _name_of(schema)
    if schema.get("format"):
        text += f" ({schema['format']})"
    if schema.get("pattern"):
        text += f", patrón {schema['pattern']}"
    return text


def docs_context() -> dict:
    """What templates/sunat/api_docs.html shows: the schema() document, references resolved to names."""
    document = schema()
    operations = []
    for path, item in document["paths"].items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = []
            for parameter in operation.get("parameters", []):
                parameter = _resolve(document, parameter)
                parameters.append({
                    "name": parameter["name"], "location": parameter["in"], "required": parameter["required"],
                    "type": _type_of(parameter["schema"]), "description": parameter.get("description", ""),
                })
            responses = []
            for status, response in operation["responses"].items():
                response = _resolve(document, response)
                content = response.get("content", {})
                responses.append({
                    "status": status,
                    "description": response["description"],
                    "media": ", ".join(f"{media} ({_name_of(body['schema'])})" for media, body in content.items()),
                    "headers": ", ".join(response.get("headers", {})),
                })
            body = operation.get("requestBody")
            operations.append({
                "method": method.upper(), "path": path, "anchor": operation["operationId"],
                "summary": operation["summary"], "description": operation["description"],
                "open": operation.get("security") == [],
                "parameters": parameters, "responses": responses,
                "body": ", ".join(f"{media} ({_name_of(value['schema'])})"
                                  for media, value in body["content"].items()) if body else "",
            })
    schemas = []
    for name, component in document["components"]["schemas"].items():
        required = set(component.get("required", []))
        schemas.append({
            "name": name, "description": component.get("description", ""),
            "variants": [_name_of(option) for option in component.get("oneOf", [])],
            "properties": [
                {"name": prop, "type": _type_of(value), "required": prop in required,
                 "description": value.get("description", "")}
                for prop, value in component.get("properties", {}).items()
            ],
        })
    return {
        "title": document["info"]["title"], "version": document["info"]["version"],
        "openapi": document["openapi"], "description": document["info"]["description"],
        "operations": operations, "schemas": schemas,
    }
