"""What the API says for each way a lookup can fail: one table for single and batch lookups."""

import math
from dataclasses import dataclass

from sunat.exceptions import NotInPadron, RucNotFound, SunatBusy, SunatTimeout, SunatUnavailable
from sunat.upstream import throttle
from sunat.validators import InvalidRuc


@dataclass(frozen=True)
class ApiError:
    status: int
    code: str
    detail: str  # Spanish: integrators show it to their users
    retry_after: int | None = None


LOOKUP_ERRORS = (InvalidRuc, RucNotFound, SunatTimeout, SunatUnavailable)
# GET /api/dni/<dni>: what "no such RUC" becomes when the RUC was made from a DNI.
DNI_WITHOUT_RUC = ApiError(404, "dni_sin_ruc", "SUNAT no tiene un RUC para este DNI.")


def lookup_error(exc: Exception) -> ApiError:
    """The API's error for an exception of LOOKUP_ERRORS raised by sunat.lookups.services."""
    if isinstance(exc, InvalidRuc):
        return ApiError(400, "ruc_invalido", str(exc))
    if isinstance(exc, NotInPadron):
        return ApiError(404, "ruc_no_encontrado_en_padron", "El padrón reducido importado no tiene este RUC.")
    if isinstance(exc, RucNotFound):
        return ApiError(404, "ruc_no_encontrado", "SUNAT no tiene registrado este RUC.")
    if isinstance(exc, SunatTimeout):
        return ApiError(504, "sunat_timeout", "SUNAT no respondió a tiempo. Intente nuevamente.", exc.retry_after)
    if isinstance(exc, SunatBusy):
        return ApiError(503, "sunat_ocupado", "Hay demasiadas consultas a SUNAT en espera. Intente nuevamente en "
                        "unos segundos.", exc.retry_after)
    if isinstance(exc, SunatUnavailable):
        return _paused() or ApiError(503, "sunat_no_disponible", "SUNAT no está disponible en este momento. "
                                     "Intente más tarde.", exc.retry_after)
    raise TypeError(f"not a lookup error: {exc!r}")


def _paused() -> ApiError | None:
    """While the service does not ask SUNAT at all (sunat.upstream.throttle), the 503 says so and for how long:
    whoever retries sooner gets the same answer."""
    blocked = throttle.blocked_for()
    if blocked:
        return ApiError(503, "sunat_no_disponible", f"El firewall de SUNAT rechazó nuestras consultas: el servicio se "
                        f"pausó para no prolongar el bloqueo y no consultará a SUNAT por {blocked} s (pausado "
                        f"{blocked} s). Lo ya consultado sigue respondiendo.", blocked)
    failing = math.ceil(throttle.failing_for())
    if failing:
        return ApiError(503, "sunat_no_disponible", f"SUNAT no respondió a las últimas consultas: el servicio se "
                        f"pausó y no le consultará por {failing} s (pausado {failing} s). Lo ya consultado sigue "
                        "respondiendo.", failing)
    return None
