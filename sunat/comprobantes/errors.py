"""What the API says for each way a validation can fail (sunat.lookups.errors's shape and codes, the
official API's own pacing lane for "paused")."""

import math

from sunat.exceptions import (
    CpeCredentialsRefused,
    CpeNotConfigured,
    CpeRefused,
    SunatBusy,
    SunatTimeout,
    SunatUnavailable,
)
from sunat.lookups.errors import ApiError, lookup_error
from sunat.upstream import throttle

CPE_ERRORS = (CpeNotConfigured, SunatTimeout, SunatUnavailable)


def cpe_error(exc: Exception) -> ApiError:
    if isinstance(exc, CpeNotConfigured):
        return ApiError(503, "cpe_no_configurado", "La validación de comprobantes no está configurada en este "
                        f"servicio: defina {exc} (las credenciales de la API de SUNAT que se crean en SOL, "
                        "\"Credenciales API\", y el RUC que consulta).")
    if isinstance(exc, CpeCredentialsRefused):
        return ApiError(503, "cpe_credenciales_rechazadas", "SUNAT rechazó las credenciales de su API configuradas "
                        "en este servicio (SUNAT_API_CLIENT_ID, SUNAT_API_CLIENT_SECRET).", exc.retry_after)
    if isinstance(exc, CpeRefused):
        return ApiError(422, "cpe_rechazado", f"SUNAT rechazó la consulta: {exc}")
    if isinstance(exc, (SunatTimeout, SunatBusy)):  # the same scheduler and deadline as a RUC's lookup
        return lookup_error(exc)
    if isinstance(exc, SunatUnavailable):
        failing = math.ceil(throttle.paused_for(throttle.CPE_API))
        if failing:
            return ApiError(503, "sunat_no_disponible", f"La API de SUNAT no respondió a las últimas consultas: el "
                            f"servicio no le consultará por {failing} s. Lo ya consultado sigue respondiendo.", failing)
        return ApiError(503, "sunat_no_disponible", "La API de SUNAT no está disponible en este momento. Intente "
                        "más tarde.", exc.retry_after)
    raise TypeError(f"not a validation error: {exc!r}")
