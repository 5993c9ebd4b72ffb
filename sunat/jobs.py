"""The durable job queue (django-q2, settings.Q_CLUSTER): the work the service does outside requests.

Jobs are rows of the database: enqueued inside the caller's transaction they are part of it
(a rollback drops them; django-q2's ORM broker also leaves the caller's connection alone there).
`manage.py qcluster` runs them; SCHEDULES are kept in django-q2's Schedule table by
`manage.py sync_schedules` (the worker service runs it before starting).
"""

import logging

from django.db import transaction
from django_q.models import Schedule
from django_q.tasks import async_task

logger = logging.getLogger(__name__)

DELIVER = "sunat.watch.delivery.deliver_due"
RECHECK = "sunat.watch.recheck.recheck_due"
# name -> (function, minutes between runs): the finest django-q2 schedules is a minute.
SCHEDULES = {
    "entregar-webhooks": (DELIVER, 1),  # retries, and anything a lost job did not deliver
    "revisar-vigilados": (RECHECK, 1),  # watched RUCs from SUNAT, WATCH_SUNAT_SHARE of its budget
}


def deliver_soon() -> None:
    """Queue a webhook delivery run, in the current transaction (call it inside the one that wrote
    the notices: the job exists once they do)."""
    if transaction.get_autocommit():
        raise RuntimeError("deliver_soon() belongs in the transaction that wrote the notices")
    async_task(DELIVER, task_name="entregar-webhooks")


def sync_schedules() -> list[str]:
    """Make django-q2's Schedule table hold SCHEDULES (by name), nothing more of ours; the names."""
    for name, (function, minutes) in SCHEDULES.items():
        Schedule.objects.update_or_create(name=name, defaults={
            "func": function, "schedule_type": Schedule.MINUTES, "minutes": minutes, "repeats": -1})
    return list(SCHEDULES)
