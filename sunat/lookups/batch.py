"""Batch RUC lookups (POST /api/ruc/lote): up to MAX_RUCS RUCs answered within one time budget.

Every RUC goes the way of a single lookup (cache, stored record, padrón, stale-while-revalidate)
in the calling thread; what needs SUNAT is queued in the scheduler at BATCH priority, after live
lookups, with single flight and pacing (sunat.upstream.scheduler). Whatever is not done by the
deadline is reported as pending and stays queued for LOTE_PENDING_TTL, so that a retry finds it
in the cache or waits on the same job; nobody asking for it by then drops it.
"""

import contextlib
import logging
import time
from functools import partial

from sunat.exceptions import SunatBusy
from sunat.lookups import services
from sunat.lookups.errors import LOOKUP_ERRORS, lookup_error
from sunat.registers import annotations
from sunat.upstream import asker, scheduler

logger = logging.getLogger(__name__)

MAX_RUCS = 100
PENDING_RETRY_AFTER = 5  # seconds; what a pending item suggests before asking again



class InvalidBatch(Exception):
    """The request body cannot be a batch; the view answers 400 with `code` and `detail`."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


def lookup_many(rucs, timeout: float, charge=None) -> dict:
    """Look up every RUC of `rucs` (the JSON list), taking no more than about `timeout` seconds.

    Returns {"resultados": {ruc: entry, ...} in input order, "resumen": counts per estado}.
    Raises InvalidBatch when `rucs` is not a non-empty list of at most MAX_RUCS distinct items.
    charge(n), when given, is called with the number of distinct items before any lookup (an
    API key's quota: what it raises propagates).
    """
    deadline = min(time.monotonic() + timeout, asker.current().deadline)
    items = _fold(rucs)
    if charge is not None:
        charge(len(items))
    results = dict.fromkeys(items)  # input order; pending entries are filled in below
    pending = {}
    for key, ruc in items.items():
        if ruc is None:
            results[key] = error_entry("ruc_invalido", "El RUC debe ser un texto de 11 dígitos.")
            continue
        answer = entry(partial(services.begin_lookup, ruc))
        if isinstance(answer, services.Pending):
            pending[key] = answer
        else:
            results[key] = answer
    wait_until(deadline, [item.future for item in pending.values()])
    for key, item in pending.items():
        # Not done: it stays queued (see module docstring), and a retry reattaches to it.
        results[key] = entry(item.result) if item.future.done() else pending_entry()
    for item in results.values():
        if item["estado"] == "ok":  # what SUNAT's registers say of each RUC, as on a single lookup
            item["datos"] = annotations.annotate(item["datos"])
    return {"resultados": results, "resumen": summary_of(results.values())}


def wait_until(deadline: float, futures) -> None:
    """Wait for the futures until `deadline` (time.monotonic()) at most."""
    waiting = [future for future in futures if not future.done()]
    if waiting:
        # SunatBusy: no thread may wait here now, and what is not done yet is reported pending.
        with contextlib.suppress(SunatBusy):
            scheduler.get().wait(waiting, timeout=deadline - time.monotonic())


def summary_of(entries) -> dict:
    summary = {"total": 0, "ok": 0, "error": 0, "pendiente": 0}
    for item in entries:
        summary["total"] += 1
        summary[item["estado"]] += 1
    return summary


def _fold(rucs) -> dict:
    """{key: RUC string, or None for an item that is not a string}, duplicates folded."""
    if not isinstance(rucs, list):
        raise InvalidBatch("parametro_invalido", "El campo rucs debe ser una lista de RUC.")
    if not rucs:
        raise InvalidBatch("parametro_invalido", "El campo rucs debe tener al menos un RUC.")
    items = {}
    for item in rucs:
        # Keys are echoed back: cut long junk like the single lookup does (nothing valid is cut).
        key = (item.strip() if isinstance(item, str) else str(item))[:64]
        if not _encodable(key):  # a lone surrogate ("\\ud800") would break the JSON answer
            key = key.encode("utf-8", "backslashreplace").decode("utf-8")
            item = None
        items.setdefault(key, key if isinstance(item, str) else None)
    if len(items) > MAX_RUCS:
        raise InvalidBatch("demasiados_rucs", f"Se admiten hasta {MAX_RUCS} RUC por lote.")
    return items


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def entry(lookup) -> dict | services.Pending:
    """The batch entry of lookup()'s outcome (or its Pending); never raises, so that one RUC (or
    one section of /completo) cannot break the rest."""
    try:
        result = lookup()
    except LOOKUP_ERRORS as exc:
        error = lookup_error(exc)
        return error_entry(error.code, error.detail, error.retry_after)
    except Exception:
        logger.exception("batch lookup failed")
        return error_entry("error_interno", "Error interno del servicio.")
    if isinstance(result, services.Pending):
        return result
    return {"estado": "ok", "cache": result.cache_status, "datos": result.data}


def error_entry(code: str, detail: str, retry_after: int | None = None) -> dict:
    entry = {"estado": "error", "error": code, "detail": detail}
    if retry_after is not None:
        entry["reintentarEn"] = retry_after
    return entry


def pending_entry() -> dict:
    return {"estado": "pendiente", "detail": "La consulta a SUNAT sigue en curso; reintente en unos segundos.",
            "reintentarEn": PENDING_RETRY_AFTER}
