"""GET /api/tipo-cambio: SUNAT's exchange rate of a date (?fecha=, default today in Lima) or of every
date of a range (?desde=&hasta=): a thin view over sunat.exchange.services."""

import logging
import math
from datetime import date

from django.db import DatabaseError
from django.utils import timezone

from sunat.exceptions import SunatError
from sunat.exchange import services
from sunat.responses import json_error, json_response, require_get
from sunat.upstream import throttle

logger = logging.getLogger(__name__)

_FIELDS = ("fecha", "desde", "hasta")


class _BadParameter(ValueError):
    def __init__(self, field: str, detail: str):
        super().__init__(detail)
        self.field = field


@require_get
def exchange_rate(request):
    try:
        given = {name: _date(request.GET, name) for name in _FIELDS if name in request.GET}
        if "fecha" in given and ("desde" in given or "hasta" in given):
            raise _BadParameter("fecha", "Use fecha, o desde y hasta, no ambos.")
        if ("desde" in given) != ("hasta" in given):
            missing = "hasta" if "desde" in given else "desde"
            raise _BadParameter(missing, f"Falta el parámetro {missing}: un rango necesita desde y hasta.")
        if "desde" in given:
            rates = services.rates_between(given["desde"], given["hasta"])
            return json_response({"desde": given["desde"].isoformat(), "hasta": given["hasta"].isoformat(),
                                  "tiposDeCambio": rates})
        return json_response(services.rate_for(given.get("fecha") or timezone.localdate()))
    except _BadParameter as exc:
        return json_error(400, "parametro_invalido", str(exc), campo=exc.field)
    except services.InvalidRange as exc:
        return json_error(400, "parametro_invalido", exc.detail, campo=exc.field)
    except services.FutureDate as exc:
        return json_error(400, "fecha_futura", f"{exc.args[0].isoformat()} es una fecha futura: SUNAT aún no publica "
                          f"su tipo de cambio (hoy en Lima es {timezone.localdate().isoformat()}).",
                          campo="hasta" if "hasta" in request.GET else "fecha")
    except SunatError as exc:
        retry_after = max(1, math.ceil(throttle.paused_for(throttle.EXCHANGE)), exc.retry_after or 0)
        return json_error(503, "sunat_no_disponible", "SUNAT no está disponible en este momento y no hay un tipo de "
                          "cambio guardado para esa fecha. Intente más tarde.", retry_after=retry_after)
    except DatabaseError:
        logger.exception("exchange rate: the database failed")
        return json_error(503, "servicio_no_disponible", "El servicio no está disponible en este momento. Intente "
                          "más tarde.", retry_after=30)


def _date(query, name: str) -> date:
    value = query.get(name, "")
    try:
        if len(value) != 10:
            raise ValueError
        day = date.fromisoformat(value)
    except ValueError:
        raise _BadParameter(name, f"El parámetro {name} debe ser una fecha AAAA-MM-DD.") from None
    if day < services.EARLIEST:
        raise _BadParameter(name, f"El parámetro {name} no puede ser anterior a {services.EARLIEST.isoformat()}.")
    return day
