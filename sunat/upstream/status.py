"""How asking SUNAT goes, for /health, /metrics and the admin: the flow in use, when SUNAT last
answered, the last check of every flow, and why asking SUNAT is degraded, if it is."""

from datetime import UTC, datetime

from django.conf import settings

from sunat.upstream import flow_check, throttle
from sunat.upstream.flows import BROWSER, choice


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
                        f"El firewall de SUNAT nos rechazó: no se le consulta por {blocked} s."})
    failing = throttle.failing_for()
    if failing:
        reasons.append({"code": "sunat_sin_respuesta", "detail":
                        f"SUNAT no respondió: no se le consulta por {failing:.0f} s."})
    return reasons
