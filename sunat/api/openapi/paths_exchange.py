"""GET /api/tipo-cambio (sunat.api.exchange): its operation and schemas."""

from sunat.api.openapi.responses import RATE_LIMIT, error, header_refs, response_ref, too_many_fields
from sunat.exchange.services import EARLIEST, MAX_DAYS
from sunat.exchange.sources import RATE_SCHEMA
from sunat.jsonschema import DATE_TEXT, obj, ref, text


def _date_parameter(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", "format": "date"}}


def exchange_paths() -> dict:
    return {"/api/tipo-cambio": {"get": {
        "operationId": "tipoDeCambio",
        "summary": "Tipo de cambio SUNAT",
        "description": "El tipo de cambio del dólar que publica SUNAT (compra y venta, soles por dólar) para una "
                       "fecha (por omisión, hoy en Lima), o para cada fecha de un rango (desde y hasta, a lo más "
                       f"{MAX_DAYS} días). Una fecha sin publicación (fin de semana, feriado, hoy antes de que "
                       "SUNAT publique) tiene el último publicado antes de ella: publicadoEl dice cuál. Los tipos "
                       "de cambio publicados se guardan y no se vuelven a pedir a SUNAT; el de hoy se vuelve a "
                       "pedir cada TIPO_CAMBIO_REFRESH_MINUTES hasta que se publica. Si SUNAT no responde, se "
                       "responde el último guardado anterior a la fecha.",
        "tags": ["Tipo de cambio"],
        "parameters": [
            _date_parameter("fecha", f"{DATE_TEXT}, desde {EARLIEST.isoformat()} hasta hoy. No va con desde y "
                                     "hasta."),
            _date_parameter("desde", f"{DATE_TEXT}: el primer día del rango (con hasta)."),
            _date_parameter("hasta", f"{DATE_TEXT}: el último día del rango (con desde), hasta hoy."),
        ],
        "responses": {
            "200": {"description": "El tipo de cambio de la fecha, o uno por cada fecha del rango.",
                    "headers": header_refs(*RATE_LIMIT),
                    "content": {"application/json": {"schema": {"oneOf": [ref("TipoDeCambio"),
                                                                          ref("TiposDeCambio")]}}}},
            "400": error("Solicitud inválida; el campo campo nombra el parámetro. Códigos: parametro_invalido "
                         f"(una fecha que no es AAAA-MM-DD o anterior a {EARLIEST.isoformat()}, desde posterior a "
                         f"hasta, un rango de más de {MAX_DAYS} días, desde sin hasta o al revés, fecha con desde "
                         "y hasta), fecha_futura (una fecha posterior a hoy en Lima), "
                         f"{too_many_fields()}."),
            "401": response_ref("NoAutorizado"),
            "405": response_ref("MetodoNoPermitido"),
            "429": response_ref("CuotaExcedida"),
            "503": error("SUNAT no respondió y no hay un tipo de cambio guardado anterior a la fecha. Códigos: "
                         "sunat_no_disponible (SUNAT no respondió), servicio_no_disponible (la base de datos no "
                         "respondió).", "Retry-After"),
        },
    }}}


def exchange_schemas() -> dict:
    return {
        "TipoDeCambio": RATE_SCHEMA,
        "TiposDeCambio": obj({
            "desde": text(f"{DATE_TEXT}: el primer día del rango.", format="date"),
            "hasta": text(f"{DATE_TEXT}: el último día del rango.", format="date"),
            "tiposDeCambio": {"type": "array", "items": ref("TipoDeCambio"), "maxItems": MAX_DAYS,
                              "description": "Un tipo de cambio por cada fecha del rango, en orden."},
        }, "El tipo de cambio de cada fecha de un rango."),
    }
