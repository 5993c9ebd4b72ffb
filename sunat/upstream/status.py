"""How asking SUNAT goes, for /health, /metrics and the admin: the flow in use, when SUNAT last
answered, the last check of every flow, SUNAT's failures in a row, and why asking SUNAT is degraded,
if it is.

The failures in a row are the lookups' (sunat.lookups.services tells answered() and failed()), kept in
the cache: deployment-wide with Redis, per process without it. An error page does not pause the service
the way no answer does (sunat.upstream.throttle), so without them /health would say ok while every new
RUC gets a 503.
"""

import math
import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache

from sunat import caching, exceptions
from sunat.upstream import flow_check, throttle
from sunat.upstream.flows import BROWSER, choice

FAILING_AFTER = 3  # SUNAT requests failed in a row before /health says SUNAT is failing
FAILURES_REMEMBERED = 600  # seconds after the last failure: older ones say nothing of SUNAT now
# What went wrong, said to operators; the first class that matches (subclasses first).
_FAILURE_KINDS = (
    (exceptions.SunatRejected, "el firewall de SUNAT la rechazó"),
    (exceptions.SunatRefused, "SUNAT rechazó la forma de consulta"),
    (exceptions.BrowserFailed, "falló el navegador"),
    (exceptions.SunatUnreachable, "sin conexión con SUNAT"),
    (exceptions.SunatTimeout, "SUNAT no respondió a tiempo"),
)


def _iso(epoch: float | None) -> str | None:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds") if epoch else None


def report() -> tuple[dict, list[dict]]:
    """summary() and degradations(), with the last check read from the database once."""
    check = flow_check.last_check()
    return summary(check), degradations(check)


def summary(check) -> dict:
    """{"client", "flow", "flowSince", "lastAnswer", "nothingWorksSince", "lastCheck"} (ISO times, UTC)."""
    current = choice.in_use() or {}
    refused = choice.nothing_works()
    flow = current.get("flow")
    if settings.SUNAT_CLIENT == "selenium":
        flow = BROWSER
    return {
        "client": settings.SUNAT_CLIENT,
        "flow": None if refused else flow,
        "flowSince": _iso(current.get("since")),
        "lastAnswer": _iso(current.get("answered")),
        "nothingWorksSince": _iso(refused["since"]) if refused else None,
        "lastCheck": {
            "at": check.checked_at.isoformat(timespec="seconds"),
            "flows": {o["flow"]: {"result": o["result"], "detail": o["detail"], "seconds": o["seconds"]}
                      for o in check.outcomes},
        } if check else None,
    }


def degradations(check) -> list[dict]:
    """[{"code", "detail"}] of what keeps new RUCs from being asked now (empty: nothing).

    Nothing works when this process (every process, with Redis) found every flow refused, or when
    the last check (stored: whichever process ran it) accepted none and SUNAT has not answered since.
    """
    reasons = []
    refused = choice.nothing_works()
    answered = (choice.in_use() or {}).get("answered") or 0
    if refused:
        since, detail = _iso(refused["since"]), refused["detail"]
    elif check and check.found_nothing() and check.checked_at.timestamp() > answered:
        since = check.checked_at.isoformat(timespec="seconds")
        detail = "; ".join(f"{o['flow']}: {o['result']}, {o['detail']}" for o in check.outcomes)
    else:
        since = None
    if since:
        reasons.append({"code": "sunat_sin_flujo", "detail": (
            f"SUNAT rechaza todas las formas de consulta desde {since} ({detail}). "
            "Los RUC ya guardados y el padrón importado siguen respondiendo.")})
    blocked = throttle.blocked_for()
    if blocked:
        reasons.append({"code": "sunat_bloqueado", "detail":
                        f"El firewall de SUNAT nos rechazó: el servicio está pausado y no le consulta por {blocked} s."})
    failing = math.ceil(throttle.failing_for())
    if failing:
        reasons.append({"code": "sunat_sin_respuesta", "detail":
                        f"SUNAT no respondió: el servicio está pausado y no le consulta por {failing} s."})
    failures = cache.get(caching.SUNAT_FAILURES)
    if failures and failures["count"] >= FAILING_AFTER:
        reasons.append({"code": "sunat_con_fallas", "detail": (
            f"Las últimas {failures['count']} consultas a SUNAT fallaron, desde {_iso(failures['since'])} "
            f"(la última: {failures['kind']}). Los RUC nuevos responden 503; los ya guardados y el padrón "
            "importado siguen respondiendo.")})
    return reasons


def answered() -> None:
    """SUNAT answered a lookup (its page, or that the RUC does not exist): it is not failing."""
    if cache.get(caching.SUNAT_FAILURES) is not None:
        cache.delete(caching.SUNAT_FAILURES)


def failed(exc: BaseException) -> None:
    """A lookup's request to SUNAT failed. Not counted: what this service refused itself (a full queue, a
    pause already said by degradations(), a deadline spent before anything was sent)."""
    if isinstance(exc, (exceptions.SunatBusy, exceptions.SunatBlocked)) or getattr(exc, "before_sending", False):
        return
    now = time.time()
    state = cache.get(caching.SUNAT_FAILURES) or {"since": now, "count": 0}
    kind = next((text for kind, text in _FAILURE_KINDS if isinstance(exc, kind)), "SUNAT respondió con un error")
    cache.set(caching.SUNAT_FAILURES, {**state, "count": state["count"] + 1, "last": now, "kind": kind},
              timeout=FAILURES_REMEMBERED)
