"""Durable tasks (django-q2, settings.Q_CLUSTER): the work the service does outside requests.

"Task" is django-q2's word and ours for this work; a "job" is the upstream scheduler's, in memory
(sunat.upstream.scheduler). Tasks are rows of the database: queued inside the caller's transaction
they are part of it (a rollback drops them; django-q2's ORM broker also leaves the caller's
connection alone there). `manage.py qcluster` runs them. A task is its function's dotted path, as
django-q2 stores it: this module, which the lower floors queue through, imports none of them. The
tasks that run on a clock are sunat.schedules'.
"""

import time
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule, Success
from django_q.tasks import async_task

DELIVER = "sunat.watch.delivery.deliver_due"


def deliver_soon() -> None:
    """Queue a webhook delivery run, in the current transaction (call it inside the one that wrote
    the notices: the task exists once they do)."""
    if transaction.get_autocommit():
        raise RuntimeError("deliver_soon() belongs in the transaction that wrote the notices")
    async_task(DELIVER, task_name="entregar-webhooks")


REFRESH = "sunat.lookups.services.refresh_stale"


def refresh_soon(ruc: str, page_name: str, razon_social: str) -> None:
    """Queue the refresh of a stale answer (a RUC's ficha, or its section `page_name`)."""
    async_task(REFRESH, ruc, page_name, razon_social, time.time(), task_name=f"refrescar-{ruc}")


# The worker's heartbeat: sunat.schedules runs it every minute and has django-q2 keep its Success row
# (Q_CLUSTER keeps no other), whose `stopped` is the beat. /health and the admin read it.
HEARTBEAT = "sunat.tasks.heartbeat"
HEARTBEATS_KEPT = timedelta(minutes=10)
WORKER_LATE_AFTER = 300  # seconds without a beat, while schedules exist, before /health says so


def heartbeat() -> str:
    """Run by the worker every minute: its own Success row is the beat; the older ones go."""
    Success.objects.filter(func=HEARTBEAT, stopped__lt=timezone.now() - HEARTBEATS_KEPT).delete()
    return "latido"


def last_heartbeat() -> datetime | None:
    """When the job queue's worker last ran the heartbeat task; None if it never did (or no schedule runs it)."""
    return Success.objects.filter(func=HEARTBEAT).order_by("-stopped").values_list("stopped", flat=True).first()


def worker_state() -> dict:
    """{"expected": whether any schedule exists (manage.py sync_schedules ran: a worker is meant to run them),
    "lastHeartbeat": last_heartbeat(), "lateSince": when the beat that did not come was due, or None}.

    Late: schedules exist and no beat for WORKER_LATE_AFTER seconds. Before the first beat, from when the
    heartbeat's schedule was first due; with no heartbeat schedule at all (sync_schedules not run since
    this version), from now: the worker cannot beat."""
    expected = Schedule.objects.exists()
    last = last_heartbeat()
    late_since = None
    if expected:
        due = last or Schedule.objects.filter(func=HEARTBEAT).values_list("next_run", flat=True).first()
        now = timezone.now()
        if due is None or (now - due).total_seconds() > WORKER_LATE_AFTER:
            late_since = due or now
    return {"expected": expected, "lastHeartbeat": last, "lateSince": late_since}
