"""A list of comprobantes (POST /api/comprobantes/validar with {"comprobantes": [...]}), like POST
/api/ruc/lote (sunat.lookups.batch): one entry per item in input order, within LOTE_TIMEOUT; each
item's SUNAT request queued at BATCH priority; what is not done by then is "pendiente" and stays
queued for LOTE_PENDING_TTL, so that a retry finds it answered."""

import logging
import time

from sunat.comprobantes import fields, services
from sunat.comprobantes.errors import CPE_ERRORS, cpe_error
from sunat.lookups.batch import InvalidBatch, error_entry, pending_entry, summary_of, wait_until
from sunat.upstream import asker

logger = logging.getLogger(__name__)

MAX_ITEMS = 100


def validate_many(items, today, timeout: float, charge=None) -> dict:
    """{"resultados": [entry, ...] in input order, "resumen": counts per estado}. InvalidBatch when
    `items` is not a list of 1 to MAX_ITEMS; charge(n) (an API key's quota, per item) before any
    SUNAT work; CpeNotConfigured without credentials."""
    if not isinstance(items, list) or not items:
        raise InvalidBatch("parametro_invalido", "El campo comprobantes debe ser una lista de 1 a "
                                                 f"{MAX_ITEMS} comprobantes.")
    if len(items) > MAX_ITEMS:
        raise InvalidBatch("demasiados_comprobantes", f"Se admiten hasta {MAX_ITEMS} comprobantes por consulta.")
    deadline = min(time.monotonic() + timeout, asker.current().deadline)
    services.require_configured()
    if charge is not None:
        charge(len(items))
    results, pending = [None] * len(items), {}
    for index, item in enumerate(items):
        try:
            question = fields.question(item, today)
        except fields.InvalidField as exc:
            results[index] = {**error_entry("parametro_invalido", exc.detail), "campo": exc.field}
            continue
        found = _entry(lambda q=question: services.begin(q), question)
        if isinstance(found, tuple):
            pending[index] = found
        else:
            results[index] = found
    wait_until(deadline, [item.future for item, _ in pending.values()])
    for index, (item, question) in pending.items():
        results[index] = _entry(item.result, question) if item.future.done() else pending_entry()
    return {"resultados": results, "resumen": summary_of(results)}


def _entry(validate, question):
    """The entry of validate()'s outcome, or (Pending, question); never raises: one item cannot break the rest."""
    try:
        found = validate()
    except CPE_ERRORS as exc:
        error = cpe_error(exc)
        return error_entry(error.code, error.detail, error.retry_after)
    except Exception:
        logger.exception("validation of %s failed", question.label())
        return error_entry("error_interno", "Error interno del servicio.")
    if isinstance(found, services.Pending):
        return found, question
    return {"estado": "ok", "cache": found.cache_status, "datos": services.present(found, question)}

