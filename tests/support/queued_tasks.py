"""The job queue's waiting jobs, run in the test's own process as `manage.py qcluster` would run
them (tests of the worker process itself start one: test_job_worker)."""

from django.utils.module_loading import import_string
from django_q.models import OrmQ


def queued(func: str) -> list[dict]:
    """The waiting jobs that call `func` (a dotted path), oldest first: django-q2's task packages."""
    return [row.task for row in OrmQ.objects.order_by("id") if row.task["func"] == func]


def run_queued(func: str) -> list:
    """Take the waiting jobs that call `func` off the queue and run them here, oldest first: their results."""
    results = []
    for row in OrmQ.objects.order_by("id"):
        task = row.task
        if task["func"] == func:
            row.delete()
            results.append(import_string(func)(*task["args"], **task["kwargs"]))
    return results
