"""GET /health's answer: the database, the cache, SUNAT (this process's work with it, how asking it goes,
and why that is degraded) and the job queue's worker (its last heartbeat). And the two an orchestrator
probes (Kubernetes' liveness and readiness): /health/live and /health/ready."""

from django.core.cache import caches
from django.db import DatabaseError, connection
from django.utils import timezone

from sunat import caching, tasks
from sunat.clock import api_time
from sunat.upstream import scheduler, throttle
from sunat.upstream import status as sunat_status


def report() -> tuple[dict, int]:
    """The body and its status: 200 while the database answers (status "ok", or "degraded" with its reasons),
    503 ("error") when it does not."""
    database_ok = _database_answers()
    cache_ok = caching.probe() and not caching.circuit_open()
    sunat, reasons = sunat_status.report()
    if not cache_ok:
        reasons.insert(0, {"code": "cache_no_disponible", "detail": "El caché no responde: se responde con un caché "
                                                                    "en memoria de cada proceso y la base de datos."})
    worker = _worker_state() if database_ok else None
    if worker is not None and worker["lateSince"] is not None:
        reasons.append(_worker_late(worker))
    cache_info = {"backend": caching.backend_name(), "ok": cache_ok}
    circuit_status = getattr(caches["default"], "circuit_status", None)
    if circuit_status is not None:
        circuit = circuit_status()
        # While Redis is out, lookups run on an in-process memory cache and the database.
        cache_info["circuit"] = {"state": circuit["state"], "since": circuit["since"]}
    body = {
        "status": "error" if not database_ok else "degraded" if reasons else "ok",
        "cache": cache_info,
        "database": {"vendor": connection.vendor, "ok": database_ok},
        "upstream": {**scheduler.get().stats(), "pausedFor": round(throttle.paused_for(), 1)},
        "sunat": sunat,
        "worker": worker and {"expected": worker["expected"],
                              "lastHeartbeat": worker["lastHeartbeat"] and api_time(worker["lastHeartbeat"])},
    }
    if reasons:
        body["reasons"] = reasons
    return body, 200 if database_ok else 503


def live() -> dict:
    """The process answers: nothing it depends on is asked, so that an outage of the database, Redis or
    SUNAT never gets a healthy process restarted."""
    return {"status": "ok"}


def ready() -> bool:
    """The process can serve cached lookups: the database answers. Neither SUNAT (a hit never asks it), the
    job queue's worker nor Redis (while it is out, hits come from each process's memory and the database)
    is asked."""
    return _database_answers()


def _worker_state() -> dict | None:
    try:
        return tasks.worker_state()
    except DatabaseError:  # it answered SELECT 1 a moment ago: say nothing rather than something false
        return None


def _worker_late(worker: dict) -> dict:
    since = worker["lateSince"]
    minutes = int((timezone.now() - since).total_seconds() // 60)
    stopped = ("Las entregas de webhooks, la revisión de los RUC vigilados y las actualizaciones en segundo plano "
               "no avanzan.")
    if worker["lastHeartbeat"] is None:
        detail = (f"Hay tareas programadas, pero el worker de la cola de tareas no ha latido nunca (se esperaba desde "
                  f"{api_time(since)}). {stopped} Inicie el servicio worker: manage.py sync_schedules y luego "
                  "manage.py qcluster.")
    else:
        detail = (f"El worker de la cola de tareas no late desde {api_time(since)} (hace {minutes} min). {stopped} "
                  "Revise el servicio worker (manage.py qcluster).")
    return {"code": "worker_sin_latido", "detail": detail}


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False
