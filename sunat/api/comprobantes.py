"""POST /api/comprobantes/validar: whether a comprobante is valid, per SUNAT's official API (a thin
view over sunat.comprobantes); one comprobante, or {"comprobantes": [...]} (up to 100)."""

from django.conf import settings
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sunat.api.params import InvalidBody, json_body
from sunat.comprobantes import batch, fields, services
from sunat.comprobantes.errors import CPE_ERRORS, cpe_error
from sunat.keys import services as api_keys
from sunat.keys.middleware import quota_exceeded
from sunat.lookups.batch import InvalidBatch
from sunat.responses import json_error, json_response, method_not_allowed

EXAMPLE = ('{"rucEmisor": "20100070970", "tipo": "01", "serie": "F001", "numero": 123, '
           '"fechaEmision": "2026-11-02", "monto": 118.00}')


@csrf_exempt  # the API uses no cookies; a key or nothing authenticates it
def validate(request):
    if request.method != "POST":
        return method_not_allowed(("POST",), "Solo se admite el método POST.")
    try:
        body = json_body(request, EXAMPLE)
    except InvalidBody as exc:
        return json_error(400, "json_invalido", str(exc))
    if not isinstance(body, dict):
        return json_error(400, "parametro_invalido", "El cuerpo debe ser un objeto: un comprobante (rucEmisor, tipo, "
                          'serie, numero, fechaEmision, monto) o {"comprobantes": [...]}.')
    today = timezone.localdate()  # Lima's (TIME_ZONE): SUNAT's date
    if "comprobantes" in body:
        others = [name for name in body if name != "comprobantes"]
        if others:
            return json_error(400, "parametro_invalido", f'Campo desconocido junto a "comprobantes": {others[0]}.',
                              campo=str(others[0]))
        return _many(request, body["comprobantes"], today)
    try:
        question = fields.question(body, today)
    except fields.InvalidField as exc:
        return json_error(400, "parametro_invalido", exc.detail, campo=exc.field)
    try:
        found = services.validate(question)
    except CPE_ERRORS as exc:
        error = cpe_error(exc)
        return json_error(error.status, error.code, error.detail, retry_after=error.retry_after)
    response = json_response(services.present(found, question))
    response["X-Cache"] = found.cache_status
    return response


def _many(request, items, today):
    """Every comprobante's answer or error, in order, within LOTE_TIMEOUT; the quota charged per item."""
    key = getattr(request, "api_key", None)
    charged = []

    def charge(count):
        charged.append(count)
        used = api_keys.charge_batch(key, count) if key is not None else None
        if used is not None:
            request.api_key_usage = used

    try:
        result = batch.validate_many(items, today, timeout=settings.LOTE_TIMEOUT, charge=charge)
    except InvalidBatch as exc:
        return json_error(400, exc.code, exc.detail, campo="comprobantes")
    except CPE_ERRORS as exc:
        error = cpe_error(exc)
        return json_error(error.status, error.code, error.detail, retry_after=error.retry_after)
    except api_keys.QuotaExceeded as exc:
        request.api_key_usage = exc.usage
        return quota_exceeded(exc, key, batch=charged[0], items="comprobantes")
    return json_response(result)
