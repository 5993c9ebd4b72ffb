"""POST /api/comprobantes/validar (sunat.api.comprobantes) and its schemas."""

from django.conf import settings

from sunat.api.openapi.responses import (
    CHECK_DIGIT_TEXT,
    RATE_LIMIT,
    RUC_PATTERN,
    error,
    header_refs,
    response_ref,
)
from sunat.comprobantes import codes, fields
from sunat.comprobantes.batch import MAX_ITEMS
from sunat.comprobantes.declaration import ITEM_SCHEMA
from sunat.comprobantes.services import REQUIRED_SETTINGS
from sunat.jsonschema import obj, ref, text

PATH = "/api/comprobantes/validar"
_BEYOND = ("Lo que el esquema no puede decir, y se responde 400 parametro_invalido: el dígito verificador del RUC, "
           "la letra de una serie electrónica según el tipo (01: F o E; 03: B o E; 07 y 08: F, B o E; 04: E o F; "
           "R1 y R7: E), una fechaEmision que no existe, futura (en Lima) o anterior al 2000, un monto con más de 2 "
           "decimales o que no es positivo, y monto ausente con una serie electrónica (que empieza con letra).")


def _comprobante() -> dict:
    tipos = ", ".join(f"{code} {name}" for code, name in codes.TIPOS.items())
    return obj({
        "rucEmisor": text(f"RUC del emisor. {CHECK_DIGIT_TEXT}", pattern=RUC_PATTERN, format="ruc"),
        "tipo": {"enum": list(codes.TIPOS), "description": f"Código de tipo de comprobante de SUNAT: {tipos}."},
        "serie": text("Serie: una letra y 3 letras o dígitos (electrónica, p. ej. F001, B001, E001) o 4 dígitos "
                      "(impresa, p. ej. 0001), en mayúsculas.", pattern=fields.SERIE_PATTERN),
        "numero": {"oneOf": [{"type": "integer", "minimum": 1, "maximum": fields.MAX_NUMERO},
                             {"type": "string", "pattern": fields.NUMERO_PATTERN}],
                   "description": "Número correlativo (entero, o texto de dígitos; los ceros a la izquierda no cuentan)."},
        "fechaEmision": text("Fecha AAAA-MM-DD de emisión: no futura.", format="date", pattern=fields.DATE_PATTERN),
        "monto": {"oneOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": float(fields.MAX_MONTO)},
                            {"type": "string", "pattern": fields.MONTO_PATTERN}, {"type": "null"}],
                  "description": "Importe total, hasta 2 decimales. Obligatorio si la serie es electrónica; con una "
                                 "serie impresa se puede omitir. Es parte de la pregunta: otro monto es otra consulta."},
    }, "Un comprobante a validar.", required=["rucEmisor", "tipo", "serie", "numero", "fechaEmision"])


def comprobantes_schemas() -> dict:
    answer = {"oneOf": [
        obj({"estado": {"const": "ok"}, "cache": {"enum": ["HIT", "MISS", "STALE"]}, "datos": ref("ValidacionComprobante")},
            "La respuesta de un comprobante."),
        obj({"estado": {"const": "error"}, "error": text("El código de error (como en una sola validación)."),
             "detail": text("Qué pasó, en español."), "campo": text("El campo inválido, si lo es un campo."),
             "reintentarEn": {"type": "integer", "minimum": 0, "description": "Segundos sugeridos antes de reintentar."}},
            "Un comprobante que no se pudo validar.", required=["estado", "error", "detail"]),
        obj({"estado": {"const": "pendiente"}, "detail": text("Qué pasa."),
             "reintentarEn": {"type": "integer", "minimum": 0, "description": "Segundos sugeridos antes de reintentar."}},
            "Un comprobante cuya consulta a SUNAT sigue en curso: pídalo de nuevo."),
    ]}
    return {
        "Comprobante": _comprobante(),
        "SolicitudComprobantes": obj({"comprobantes": {
            "type": "array", "minItems": 1, "maxItems": MAX_ITEMS, "items": {},
            "description": "Cada elemento como un Comprobante; uno inválido recibe su propia entrada de error."}},
            f"Hasta {MAX_ITEMS} comprobantes."),
        "ValidacionComprobante": ITEM_SCHEMA,
        "ResultadoComprobantes": obj({
            "resultados": {"type": "array", "items": answer, "description": "Una entrada por comprobante, en orden."},
            "resumen": obj({name: {"type": "integer", "minimum": 0} for name in ("total", "ok", "error", "pendiente")},
                           "Cuántas entradas hay de cada estado."),
        }, "La respuesta de cada comprobante de la lista."),
    }


def comprobantes_paths() -> dict:
    settings_named = ", ".join(REQUIRED_SETTINGS)
    return {PATH: {"post": {
        "operationId": "validar_comprobante",
        "summary": "Validar comprobantes",
        "description": (
            "Si SUNAT tiene el comprobante y en qué estado (ACEPTADO, ANULADO, AUTORIZADO, NO AUTORIZADO o NO "
            "EXISTE), con el estado y la condición del domicilio del emisor, según la API oficial de SUNAT "
            "(Consulta Integrada de Comprobante de Pago). La respuesta se guarda y se sirve del caché durante "
            f"{settings.CPE_CACHE_TTL} s (un ACEPTADO puede anularse después); si SUNAT falla se sirve la "
            "guardada (X-Cache STALE, consultadoEn dice su edad). emisor es lo que este servicio ya tiene del RUC "
            f"del emisor (nunca se consulta a SUNAT por él). Con {{\"comprobantes\": [...]}}, hasta {MAX_ITEMS} "
            "a la vez, cada uno con su entrada, como POST /api/ruc/lote: lo que no termina dentro del plazo "
            f"({settings.LOTE_TIMEOUT:g} s) vuelve «pendiente» y sigue consultándose; con clave de API cuenta una "
            f"solicitud por comprobante. {_BEYOND}"),
        "tags": ["Comprobantes"],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "oneOf": [ref("Comprobante"), ref("SolicitudComprobantes")]}}}},
        "responses": {
            "200": {"description": "La validación (un comprobante, con X-Cache) o el resultado de cada uno (lista).",
                    "headers": {**header_refs(*RATE_LIMIT), "X-Cache": {
                        "description": "Solo con un comprobante: HIT (caché o guardada), MISS (SUNAT ahora) o STALE "
                                       "(guardada, porque SUNAT falló).",
                        "required": False, "schema": {"type": "string", "enum": ["HIT", "MISS", "STALE"]}}},
                    "content": {"application/json": {"schema": {
                        "oneOf": [ref("ValidacionComprobante"), ref("ResultadoComprobantes")]}}}},
            "400": error("Solicitud inválida; campo nombra el campo. Códigos: json_invalido (el cuerpo no es JSON), "
                         "parametro_invalido (un campo falta o no es válido, o un campo desconocido), "
                         f"demasiados_comprobantes (más de {MAX_ITEMS}), solicitud_invalida (cuerpo de más de "
                         f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes)."),
            "401": response_ref("NoAutorizado"),
            "405": response_ref("MetodoNoPermitido"),
            "422": error("SUNAT rechazó la consulta; detail trae su mensaje. Código: cpe_rechazado."),
            "429": error("La cuota de la clave no alcanza para la lista (o ya se agotó); detail dice cuál y cuánto "
                         "queda. Código: cuota_excedida.", "Retry-After", *RATE_LIMIT),
            "503": error("No se pudo validar y no hay respuesta guardada. Códigos: cpe_no_configurado (el servicio no "
                         f"tiene credenciales de la API de SUNAT: quien lo opera debe definir {settings_named}), "
                         "cpe_credenciales_rechazadas (SUNAT rechazó esas credenciales), sunat_no_disponible (la API "
                         "de SUNAT no responde o respondió algo que no es una validación; Retry-After), sunat_ocupado "
                         "(demasiadas consultas a SUNAT en espera; Retry-After)."),
            "504": response_ref("SunatTimeout"),
        },
    }}}
