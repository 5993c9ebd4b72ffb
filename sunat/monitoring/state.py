"""The metrics that are state, not events: read when /metrics is scraped, from the cache (SUNAT's
cooldowns, as this process sees them) and the database (the registers' imports, the job queue,
the webhooks' outbox), so that they hold whichever process did the work."""

import logging

from django.db import DatabaseError
from django.db.models import Count, Min
from django.utils import timezone
from django_q.models import Failure, OrmQ
from prometheus_client.core import GaugeMetricFamily

from sunat import caching
from sunat.models import Notification, PadronVersion
from sunat.padron.registers import REGISTERS
from sunat.upstream import throttle

logger = logging.getLogger(__name__)


class StateCollector:
    """A prometheus-client collector (registered on the scrape's own registry)."""

    def describe(self):
        return []  # registering it must not run its queries

    def collect(self):
        yield GaugeMetricFamily("consulta_ruc_sunat_cooldown_seconds",
                                "Segundos sin consultar SUNAT porque su firewall nos rechazó.",
                                value=throttle.blocked_for())
        yield GaugeMetricFamily("consulta_ruc_sunat_backoff_seconds",
                                "Segundos sin consultar SUNAT porque no respondió (espera creciente).",
                                value=throttle.failing_for())
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
    for name in REGISTERS:
        version = PadronVersion.objects.filter(register=name).order_by("-imported_at").first()
        if version is not None:
            rows.add_metric([name], version.rows)
            seconds.add_metric([name], version.seconds)
            imported.add_metric([name], version.imported_at.timestamp())
    yield from (rows, seconds, imported)


def _queue():
    now = timezone.now()
    waiting = OrmQ.objects.filter(lock__lte=now).aggregate(count=Count("id"), oldest=Min("lock"))
    jobs = GaugeMetricFamily("consulta_ruc_queue_jobs", "Tareas en la cola: esperando, o tomadas por un worker.",
                             labels=["state"])
    jobs.add_metric(["waiting"], waiting["count"])
    jobs.add_metric(["claimed"], OrmQ.objects.filter(lock__gt=now).count())
    yield jobs
    oldest = waiting["oldest"]
    yield GaugeMetricFamily("consulta_ruc_queue_oldest_job_age_seconds",
                            "Antigüedad de la tarea que más espera (0: ninguna).",
                            value=(now - oldest).total_seconds() if oldest else 0)
    yield GaugeMetricFamily("consulta_ruc_queue_failed_jobs", "Tareas fallidas guardadas (el admin las lista).",
                            value=Failure.objects.count())


def _outbox():
    notices = GaugeMetricFamily("consulta_ruc_webhook_notices", "Avisos de webhook por entregar o fallidos.",
                                labels=["state"])
    counts = dict(Notification.objects.filter(delivery__in=[Notification.PENDING, Notification.FAILED])
                  .values_list("delivery").annotate(count=Count("id")).values_list("delivery", "count"))
    for state in (Notification.PENDING, Notification.FAILED):
        notices.add_metric([state], counts.get(state, 0))
    yield notices
