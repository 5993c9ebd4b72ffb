"""The watch operations (/api/vigilancia, /api/cambios) and their schemas (sunat.api.watch)."""

from sunat.api.openapi.responses import RATE_LIMIT, error, header_refs, json_content, response_ref, too_many_fields
from sunat.api.watch import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE
from sunat.changes.events import WATCHED_FIELDS, WATCHED_SECTIONS
from sunat.jsonschema import nullable, obj, ref, text
from sunat.models.event_kinds import EVENT_KINDS
from sunat.upstream.sections import SECTIONS
from sunat.watch.feed import MAX_PAGE as MAX_FEED_PAGE
from sunat.watch.services import BATCH_LIMIT

_KEY_ONLY = [{"claveApi": []}]  # a watch list is a key's, whatever API_KEYS_REQUIRED says
_NEEDS_KEY = error("Falta la clave de API o no es válida. Códigos: api_key_requerida (la vigilancia siempre la "
                   "necesita), api_key_invalida.", "WWW-Authenticate")
_RUC = {"$ref": "#/components/parameters/ruc"}  # the one definition every operation on a RUC uses
_TIME = "UTC, AAAA-MM-DDTHH:MM:SSZ"


def _operation(operation_id: str, summary: str, description: str, ok: dict, errors: dict, **extra) -> dict:
    return {
        "operationId": operation_id, "summary": summary, "description": description, "tags": ["Vigilancia"],
        "security": _KEY_ONLY, **extra,
        "responses": {**ok, **errors, "401": _NEEDS_KEY, "405": response_ref("MetodoNoPermitido"),
                      "429": response_ref("CuotaExcedida")},
    }


def _ok(description: str, schema: str, status: str = "200") -> dict:
    return {status: {"description": description, "headers": header_refs(*RATE_LIMIT), "content": json_content(schema)}}


_LIMIT = error("La clave ya vigila tantos RUC como su límite (el que le dio quien opera el servicio). "
               "Código: limite_de_vigilancia.")
_BAD_RUC = error(f"Códigos: ruc_invalido (no es un RUC válido), {too_many_fields()}.")
_NOT_WATCHED = error("Esta clave no vigila ese RUC. Código: no_vigilado.")
_NO_WEBHOOK = error("Esta clave no tiene webhook. Código: sin_webhook.")


def _open(body: dict) -> dict:
    """A request body whose other fields are ignored (as the views do), said so."""
    return {**body, "additionalProperties": True, "description": f"{body['description']} Otros campos se ignoran."}


def event_kind() -> dict:
    """An event's "tipo": one of EVENT_KINDS. A single kind is a bare const, as the document has always
    said; several are listed with what each means."""
    if len(EVENT_KINDS) == 1:
        return {"const": next(iter(EVENT_KINDS))}
    return {"enum": list(EVENT_KINDS),
            "description": " ".join(f"{kind.name}: {kind.description}" for kind in EVENT_KINDS.values())}


def watch_paths() -> dict:
    return {
        "/api/vigilancia/{ruc}": {
            "put": _operation("vigilar_ruc", "Vigilar un RUC", "Añade el RUC a la lista de la clave: sus cambios "
                              "llegan a GET /api/cambios (y al webhook de la clave).",
                              {**_ok("Ya estaba vigilado.", "Vigilado"), **_ok("Vigilado desde ahora.", "Vigilado", "201")},
                              {"400": _BAD_RUC, "409": _LIMIT}, parameters=[_RUC]),
            "delete": _operation("dejar_de_vigilar_ruc", "Dejar de vigilar un RUC", "Quita el RUC de la lista de la clave.",
                                 _ok("Ya no se vigila.", "NoVigilado"), {"400": _BAD_RUC, "404": _NOT_WATCHED},
                                 parameters=[_RUC]),
            "get": _operation("consultar_vigilancia", "¿Se vigila este RUC?", "Si la clave vigila el RUC, desde cuándo.",
                              _ok("Vigilado.", "Vigilado"), {"400": _BAD_RUC, "404": _NOT_WATCHED}, parameters=[_RUC]),
        },
        "/api/vigilancia": {"get": _operation(
            "listar_vigilados", "RUC vigilados", "Los RUC que vigila la clave, en orden de RUC, por páginas.",
            _ok("Una página.", "ListaVigilados"),
            {"400": error(f"Códigos: parametro_invalido (pagina o por_pagina fuera de rango), {too_many_fields()}.")},
            parameters=[
                {"name": "pagina", "in": "query", "required": False, "description": "Número de página.",
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}},
                {"name": "por_pagina", "in": "query", "required": False, "description": "RUC por página.",
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE}},
            ])},
        "/api/vigilancia/lote": {"post": _operation(
            "vigilar_lote", "Vigilar varios RUC", f"Hasta {BATCH_LIMIT} RUC a la vez. Si los nuevos pasarían el "
            "límite de la clave, no se añade ninguno (409).",
            _ok("Qué RUC quedaron vigilados.", "ResultadoLoteVigilancia"),
            {"400": error("Códigos: json_invalido, parametro_invalido (no es {\"rucs\": [...]}), "
                          f"lote_demasiado_grande (más de {BATCH_LIMIT}), {too_many_fields()}."), "409": _LIMIT},
            requestBody={"required": True, "content": {"application/json": {"schema": _open(obj(
                {"rucs": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": BATCH_LIMIT}},
                "Los RUC a vigilar."))}}})},
        "/api/webhook": {
            "put": _operation(
                "configurar_webhook", "Configurar el webhook", "Dónde enviar (POST, JSON firmado) los cambios de los RUC "
                "que la clave vigila. La URL debe ser https y su host resolver solo a direcciones públicas (salvo en "
                "una red cerrada que el servicio admita). El secreto de la firma va en la respuesta solo al crearlo o con "
                "rotarSecreto; guárdelo. Configurarlo de nuevo reactiva un webhook desactivado por un 410.",
                {**_ok("Actualizado.", "Webhook"), **_ok("Creado: la respuesta trae el secreto.", "Webhook", "201")},
                {"400": error("Códigos: json_invalido, parametro_invalido, webhook_invalido (la URL no es https, no "
                              f"resuelve, o resuelve a una dirección no pública; eventos desconocidos), "
                              f"{too_many_fields()}.")},
                requestBody={"required": True, "content": {"application/json": {"schema": _open(obj({
                    "url": text("URL https del receptor.", format="uri", maxLength=2000),
                    "eventos": {"type": "array", "items": {"enum": list(EVENT_KINDS)}, "minItems": 1,
                                "description": "Los tipos de evento que quiere (todos si falta)."},
                    "rotarSecreto": {"type": "boolean", "description": "Un secreto nuevo (el anterior deja de valer)."},
                }, "El webhook.", required=["url"]))}}}),
            "get": _operation("consultar_webhook", "El webhook", "El webhook de la clave, sin su secreto.",
                              _ok("El webhook.", "Webhook"),
                              {"400": error(f"Código: {too_many_fields()}."), "404": _NO_WEBHOOK}),
            "delete": _operation("borrar_webhook", "Borrar el webhook", "Los cambios siguen en GET /api/cambios.",
                                 _ok("Borrado.", "WebhookBorrado"),
                                 {"400": error(f"Código: {too_many_fields()}."), "404": _NO_WEBHOOK}),
        },
        "/api/cambios": {"get": _operation(
            "listar_cambios", "Cambios de los RUC vigilados", "Los cambios detectados en los RUC que la clave "
            "vigilaba, del más antiguo al más nuevo, después del cursor desde. Guarde siguiente y pida desde ahí: "
            "no se pierde ninguno aunque no tenga un webhook.",
            _ok("Los cambios siguientes.", "PaginaCambios"),
            {"400": error("Códigos: parametro_invalido (desde no es un cursor, o limite fuera de rango), "
                          f"{too_many_fields()}.")},
            parameters=[
                {"name": "desde", "in": "query", "required": False, "description": "El cursor siguiente de la "
                 "respuesta anterior; 0 (o nada) para empezar por el primero.",
                 "schema": {"type": "string", "pattern": "^[0-9]{1,18}$", "default": "0"}},
                {"name": "limite", "in": "query", "required": False, "description": "Cambios por página.",
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_FEED_PAGE, "default": DEFAULT_PER_PAGE}},
            ])},
    }


def watch_schemas() -> dict:
    watched = {
        "ruc": text("RUC de 11 dígitos.", pattern="^[0-9]{11}$"),
        "vigiladoDesde": text(f"Desde cuándo lo vigila esta clave ({_TIME}).", format="date-time"),
        "revisadoEn": nullable("string", f"La última revisión programada en SUNAT ({_TIME}); null si aún no hubo.",
                               format="date-time"),
    }
    return {
        "Vigilado": obj({**watched, "vigilado": {"const": True}}, "Un RUC que la clave vigila."),
        "NoVigilado": obj({"ruc": watched["ruc"], "vigilado": {"const": False}}, "Un RUC que la clave dejó de vigilar."),
        "ListaVigilados": obj({
            "total": {"type": "integer", "minimum": 0, "description": "Cuántos RUC vigila la clave."},
            "pagina": {"type": "integer", "minimum": 1}, "porPagina": {"type": "integer", "minimum": 1},
            "hayMas": {"type": "boolean"},
            "resultados": {"type": "array", "items": obj(watched, "Un RUC vigilado.")},
        }, "Una página de los RUC vigilados."),
        "ResultadoLoteVigilancia": obj({
            "nuevos": {"type": "array", "items": {"type": "string"}, "description": "Vigilados desde ahora."},
            "yaVigilados": {"type": "array", "items": {"type": "string"}, "description": "Ya lo estaban."},
            "invalidos": {"type": "object", "additionalProperties": {"type": "string"},
                          "description": "Los que no son RUC válidos, con el motivo."},
        }, "Qué pasó con cada RUC del lote."),
        "Cambio": obj({
            "id": text("Identificador del cambio (evt_...): el mismo en el webhook y aquí."),
            "tipo": event_kind(),
            "ruc": watched["ruc"],
            "cambios": {"type": "array", "minItems": 1, "items": obj({
                "campo": {"enum": [*WATCHED_FIELDS, *(SECTIONS[name].key for name in WATCHED_SECTIONS)]},
                "antes": {}, "despues": {}},
                "Un campo que cambió, con su valor antes y después (como en la respuesta de la consulta); de "
                "deudaCoactiva, omisiones y actasProbatorias (cuando se consultan), las entradas nuevas.")},
            "fuente": {"enum": ["sunat", "padron", "revision"], "description": "De dónde vino la respuesta nueva: "
                       "una consulta a SUNAT, el Padrón Reducido importado, o la revisión programada."},
            "detectadoEn": text(f"Cuándo se detectó ({_TIME}).", format="date-time"),
            "cursor": text("Pida desde este cursor para seguir después de este cambio."),
        }, "Un cambio de un RUC vigilado."),
        "Webhook": obj({
            "url": text("URL del receptor."),
            "eventos": {"type": "array", "items": {"enum": list(EVENT_KINDS)}},
            "activo": {"type": "boolean", "description": "false desde que el receptor respondió 410."},
            "desactivadoPor": nullable("string", "Por qué se desactivó."),
            "secreto": text("El secreto de X-Firma (HMAC-SHA256): solo al crearlo o rotarlo."),
        }, "El webhook de la clave.", required=["url", "eventos", "activo", "desactivadoPor"]),
        "WebhookBorrado": obj({"url": {"type": "null"}}, "La clave ya no tiene webhook."),
        "PaginaCambios": obj({
            "cambios": {"type": "array", "items": ref("Cambio")},
            "siguiente": text("El cursor desde el que pedir la página siguiente."),
            "hayMas": {"type": "boolean"},
        }, "Los cambios después del cursor."),
    }
