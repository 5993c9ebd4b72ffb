"""The service's state, read when it is asked for (GET /metrics, the admin's overview): SUNAT's
cooldowns and the Redis circuit as this process sees them, and from the database the registers'
last imports, the task queue and the webhooks' outbox, so that they hold whichever process did the work."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError
from django.db.models import Count, Min, Q
from django.utils import timezone
from django_q.models import Failure, OrmQ
from prometheus_client.core import GaugeMetricFamily

from sunat import caching
from sunat.models import Notification, PadronVersion
from sunat.models.checks import ACCEPTED
from sunat.registers.files import REGISTERS
from sunat.upstream import status as sunat_status
from sunat.upstream import throttle
from sunat.upstream.flows import choice

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Queue:
    waiting: int
    claimed: int
    oldest_waiting: datetime | None
    failed: int

    def oldest_age(self) -> float:
        return (timezone.now() - self.oldest_waiting).total_seconds() if self.oldest_waiting else 0.0


def last_imports() -> dict[str, PadronVersion]:
    """Each register's version in use (its last import), by register name; absent if never imported."""
    versions = {}
    for name in REGISTERS:
        version = PadronVersion.objects.filter(register=name).order_by("-imported_at").first()
        if version is not None:
            versions[name] = version
    return versions


def queue() -> Queue:
    now = timezone.now()
    waiting = OrmQ.objects.filter(lock__lte=now).aggregate(count=Count("id"), oldest=Min("lock"))
    return Queue(waiting=waiting["count"], claimed=OrmQ.objects.filter(lock__gt=now).count(),
                 oldest_waiting=waiting["oldest"], failed=Failure.objects.count())


def waiting_tasks(limit: int) -> list[tuple[str, datetime]]:
    """The tasks that have waited longest: (their name, since when)."""
    rows = OrmQ.objects.filter(lock__lte=timezone.now()).order_by("lock")[:limit]
    return [(row.name() or row.func(), row.lock) for row in rows]


RETRYING = "reintentando"  # outbox()'s pending notices whose last attempt failed


def outbox() -> dict[str, int]:
    """Webhook notices still to deliver ("pendiente"), those of them whose last attempt failed
    ("reintentando": a receiver down, an answer not 2xx) and those given up on ("fallido"). A revoked
    key's pending notices are left out: nothing sends them, nor deletes them. One query."""
    rows = (Notification.objects
            .filter(Q(delivery=Notification.FAILED) | Q(delivery=Notification.PENDING, key__revoked_at__isnull=True))
            .values("delivery").annotate(count=Count("id"), retrying=Count("id", filter=~Q(last_error=""))))
    counts = {Notification.PENDING: 0, RETRYING: 0, Notification.FAILED: 0}
    for row in rows:
        counts[row["delivery"]] = row["count"]
        if row["delivery"] == Notification.PENDING:
            counts[RETRYING] = row["retrying"]
    return counts


class StateCollector:
    """The state as Prometheus gauges (a collector on the scrape's own registry)."""

    def describe(self):
        return []  # registering it must not run its queries

    def collect(self):
        yield GaugeMetricFamily("consulta_ruc_sunat_cooldown_seconds",
                                "Segundos sin consultar SUNAT porque su firewall nos rechazó.",
                                value=throttle.blocked_for())
        yield GaugeMetricFamily("consulta_ruc_sunat_backoff_seconds",
                                "Segundos sin consultar SUNAT porque no respondió (espera creciente).",
                                value=throttle.failing_for())
        yield from _sunat_flows()
        yield GaugeMetricFamily("consulta_ruc_redis_circuit_open",
                                "1 si el proceso que responde dejó de usar Redis (circuito abierto).",
                                value=int(caching.circuit_open()))
        try:
            yield from _registers()
            yield from _queue()
            yield from _outbox()
        except DatabaseError:
            logger.warning("metrics: the database did not answer", exc_info=True)


def _registers():
    rows = GaugeMetricFamily("consulta_ruc_register_rows", "Filas de la última importación de cada registro.",
                             labels=["register"])
    seconds = GaugeMetricFamily("consulta_ruc_register_import_duration_seconds", "Duración de la última importación.",
                                labels=["register"])
    imported = GaugeMetricFamily("consulta_ruc_register_last_import_timestamp_seconds",
                                 "Cuándo terminó la última importación (hora Unix).", labels=["register"])
    current = GaugeMetricFamily("consulta_ruc_register_current_timestamp_seconds",
                                "Cuándo se supo por última vez que el registro es el vigente de SUNAT: su importación, "
                                "o una sincronización posterior que halló el archivo sin cambios (hora Unix).",
                                labels=["register"])
    # Every register, so that an alert sees one never imported (it has no timestamp above).
    ever = GaugeMetricFamily("consulta_ruc_register_imported",
                             "1 si el registro se importó alguna vez, 0 si nunca.", labels=["register"])
    versions = last_imports()
    for name in REGISTERS:
        ever.add_metric([name], int(name in versions))
    for name, version in versions.items():
        rows.add_metric([name], version.rows)
        seconds.add_metric([name], version.seconds)
        imported.add_metric([name], version.imported_at.timestamp())
        current.add_metric([name], version.current_at.timestamp())
    yield from (rows, seconds, imported, current, ever)


def _queue():
    state = queue()
    tasks = GaugeMetricFamily("consulta_ruc_queue_jobs", "Tareas en la cola: esperando, o tomadas por un worker.",
                              labels=["state"])
    tasks.add_metric(["waiting"], state.waiting)
    tasks.add_metric(["claimed"], state.claimed)
    yield tasks
    yield GaugeMetricFamily("consulta_ruc_queue_oldest_job_age_seconds",
                            "Antigüedad de la tarea que más espera (0: ninguna).", value=state.oldest_age())
    yield GaugeMetricFamily("consulta_ruc_queue_failed_jobs", "Tareas fallidas guardadas (el admin las lista).",
                            value=state.failed)


def _outbox():
    counts = outbox()
    notices = GaugeMetricFamily("consulta_ruc_webhook_notices", "Avisos de webhook por entregar o fallidos.",
                                labels=["state"])
    for state in (Notification.PENDING, Notification.FAILED):
        notices.add_metric([state], counts[state])
    yield notices
    yield GaugeMetricFamily("consulta_ruc_webhook_notices_retrying",
                            "Avisos por entregar cuyo último intento falló (se reintentan).", value=counts[RETRYING])


def _sunat_flows():
    summary, _ = sunat_status.report()
    in_use = GaugeMetricFamily("consulta_ruc_sunat_flow_in_use",
                               "1 para la forma de consulta a SUNAT en uso (sunat.upstream.flows).", labels=["flow"])
    if summary["flow"]:
        in_use.add_metric([summary["flow"]], 1)
    yield in_use
    yield GaugeMetricFamily("consulta_ruc_sunat_no_flow", "1 mientras SUNAT rechaza todas las formas de consulta.",
                            value=int(summary["nothingWorksSince"] is not None))
    accepted = GaugeMetricFamily("consulta_ruc_sunat_flow_check_accepted",
                                 "La última prueba de cada forma (sunat_check): 1 aceptada, 0 no.", labels=["flow"])
    for flow, outcome in (summary["lastCheck"] or {"flows": {}})["flows"].items():
        accepted.add_metric([flow], int(outcome["result"] == ACCEPTED))
    yield accepted
    answered = (choice.in_use() or {}).get("answered")
    if answered:
        yield GaugeMetricFamily("consulta_ruc_sunat_last_answer_timestamp_seconds",
                                "Cuándo respondió SUNAT por última vez (hora Unix).", value=answered)
