"""Batch RUC lookups (POST /api/ruc/lote): up to MAX_RUCS RUCs answered within one time budget.

Every RUC goes through services.lookup_ruc, so a batch behaves exactly like that many single
lookups (cache, stored record, padrón, pacing, single flight, stale-while-revalidate). Cached
RUCs are answered in the calling thread; the others go to a small pool. Whatever is not done by
the deadline is reported as pending and keeps running, so that a retry finds it in the cache.
"""

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.db import connections

from sunat import cache as ruc_cache
from sunat import services
from sunat.api_errors import LOOKUP_ERRORS, lookup_error
from sunat.validators import InvalidRuc, validate_ruc

logger = logging.getLogger(__name__)

MAX_RUCS = 100
PENDING_RETRY_AFTER = 5  # seconds; what a pending item suggests before asking again

# Few workers: SUNAT is paced anyway, and the pool must not take over the process's threads.
_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sunat-batch")
_running: dict[str, Future] = {}  # RUC -> its queued or running lookup, shared by every batch
_lock = threading.Lock()


class LoteInvalido(Exception):
    """The request body cannot be a batch; the view answers 400 with `code` and `detail`."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


def lookup_many(rucs, timeout: float, charge=None) -> dict:
    """Look up every RUC of `rucs` (the JSON list), taking no more than about `timeout` seconds.

    Returns {"resultados": {ruc: entry, ...} in input order, "resumen": counts per estado}.
    Raises LoteInvalido when `rucs` is not a non-empty list of at most MAX_RUCS distinct items.
    charge(n), when given, is called with the number of distinct items before any lookup (an
    API key's quota: what it raises propagates).
    """
    deadline = time.monotonic() + timeout
    items = _fold(rucs)
    if charge is not None:
        charge(len(items))
    results = dict.fromkeys(items)  # input order; pooled entries are filled in below
    futures = {}
    for key, ruc in items.items():
        if ruc is None:
            results[key] = _error("ruc_invalido", "El RUC debe ser un texto de 11 dígitos.")
        elif _answerable_now(ruc):
            results[key] = _lookup(ruc)
        else:
            futures[key] = _submit(ruc)
    if futures:
        wait(futures.values(), timeout=max(0.0, deadline - time.monotonic()))
    for key, future in futures.items():
        # Not done: it keeps running (see module docstring), and a retry reattaches to it.
        results[key] = future.result() if future.done() else _pending()
    summary = {"total": len(results), "ok": 0, "error": 0, "pendiente": 0}
    for entry in results.values():
        summary[entry["estado"]] += 1
    return {"resultados": results, "resumen": summary}


def _fold(rucs) -> dict:
    """{key: RUC string, or None for an item that is not a string}, duplicates folded."""
    if not isinstance(rucs, list):
        raise LoteInvalido("parametro_invalido", "El campo rucs debe ser una lista de RUC.")
    if not rucs:
        raise LoteInvalido("parametro_invalido", "El campo rucs debe tener al menos un RUC.")
    items = {}
    for item in rucs:
        # Keys are echoed back: cut long junk like the single lookup does (nothing valid is cut).
        key = (item.strip() if isinstance(item, str) else str(item))[:64]
        if not _encodable(key):  # a lone surrogate ("\\ud800") would break the JSON answer
            key = key.encode("utf-8", "backslashreplace").decode("utf-8")
            item = None
        items.setdefault(key, key if isinstance(item, str) else None)
    if len(items) > MAX_RUCS:
        raise LoteInvalido("demasiados_rucs", f"Se admiten hasta {MAX_RUCS} RUC por lote.")
    return items


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _answerable_now(ruc: str) -> bool:
    """Invalid and cached RUCs cost no SUNAT request: they are answered without the pool."""
    try:
        validate_ruc(ruc)
    except InvalidRuc:
        return True
    return ruc_cache.get(ruc) is not None


def _submit(ruc: str) -> Future:
    # One task per RUC however many batches ask: retries of a slow batch wait on the same
    # lookup instead of queueing it again.
    with _lock:
        future = _running.get(ruc)
        if future is None:
            future = _running[ruc] = _executor.submit(_run, ruc)
        return future


def _run(ruc: str) -> dict:
    try:
        return _lookup(ruc)
    finally:
        connections.close_all()  # this thread's connections: no request will ever close them
        with _lock:
            _running.pop(ruc, None)


def _lookup(ruc: str) -> dict:
    """The batch entry for one RUC; never raises, so that one RUC cannot break the batch."""
    try:
        lookup = services.lookup_ruc(ruc)
    except LOOKUP_ERRORS as exc:
        error = lookup_error(exc)
        return _error(error.code, error.detail, error.retry_after)
    except Exception:
        logger.exception("batch lookup of %s failed", ruc)
        return _error("error_interno", "Error interno del servicio.")
    return {"estado": "ok", "cache": lookup.cache_status, "datos": lookup.data}


def _error(code: str, detail: str, retry_after: int | None = None) -> dict:
    entry = {"estado": "error", "error": code, "detail": detail}
    if retry_after is not None:
        entry["reintentarEn"] = retry_after
    return entry


def _pending() -> dict:
    return {"estado": "pendiente", "detail": "La consulta a SUNAT sigue en curso; reintente en unos segundos.",
            "reintentarEn": PENDING_RETRY_AFTER}
