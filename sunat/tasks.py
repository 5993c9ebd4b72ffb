"""Durable tasks (django-q2, settings.Q_CLUSTER): the work the service does outside requests.

"Task" is django-q2's word and ours for this work; a "job" is the upstream scheduler's, in memory
(sunat.upstream.scheduler). Tasks are rows of the database: queued inside the caller's transaction
they are part of it (a rollback drops them; django-q2's ORM broker also leaves the caller's
connection alone there). `manage.py qcluster` runs them. A task is its function's dotted path, as
django-q2 stores it: this module, which the lower floors queue through, imports none of them. The
tasks that run on a clock are sunat.schedules'.
"""

import time

from django.db import transaction
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
