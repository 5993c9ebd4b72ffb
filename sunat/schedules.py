"""The tasks that run on a clock: SCHEDULES, the worker's heartbeat, the check of SUNAT's flows and the
daily sync of SUNAT's files, kept in django-q2's Schedule table by `manage.py sync_schedules` (the worker service runs it
before starting). Apart from sunat.tasks: the sync's time of day is the padrón's to tell."""

from django.conf import settings
from django.utils import timezone
from django_q.models import Schedule

from sunat.registers.daily import next_run, parse_time
from sunat.tasks import DELIVER, HEARTBEAT

RECHECK = "sunat.watch.recheck.recheck_due"
PURGE = "sunat.watch.retention.purge_old"
EXCHANGE = "sunat.exchange.jobs.refresh"
# name -> (function, minutes between runs): the finest django-q2 schedules is a minute.
SCHEDULES = {
    "entregar-webhooks": (DELIVER, 1),  # retries, and anything a lost task did not deliver
    "revisar-vigilados": (RECHECK, 1),  # watched RUCs from SUNAT, WATCH_SUNAT_SHARE of its budget
    "borrar-cambios-antiguos": (PURGE, 60),  # changes older than CHANGES_RETENTION_DAYS
    "tipo-de-cambio": (EXCHANGE, 30),  # today's exchange rate until published, and unsettled months
}


SYNC = "sunat.registers.sync.scheduled_sync"
SYNC_NAME = "sincronizar-archivos-sunat"
SYNC_TIMEOUT = 3600  # seconds: the daily sync takes minutes (docs/performance.md); QUEUE_RETRY is above it


HEARTBEAT_NAME = "latido-del-worker"  # every minute, its result saved: sunat.tasks.heartbeat


CHECK = "sunat.upstream.flow_check.scheduled_check"
CHECK_NAME = "probar-sunat"
CHECK_TIMEOUT = 300  # seconds: at background priority without Redis, a paced request every ~10 s


def sync_schedules() -> list[str]:
    """Make django-q2's Schedule table hold SCHEDULES (by name), the heartbeat, the check of SUNAT's flows every
    SUNAT_CANARY_MINUTES (none if 0) and the daily sync of SUNAT's files at SUNAT_SYNC_TIME in Lima;
    the names. ValueError (in Spanish) for a wrong SUNAT_SYNC_TIME."""
    for name, (function, minutes) in SCHEDULES.items():
        Schedule.objects.update_or_create(name=name, defaults={
            "func": function, "schedule_type": Schedule.MINUTES, "minutes": minutes, "repeats": -1})
    names = list(SCHEDULES)
    Schedule.objects.update_or_create(name=HEARTBEAT_NAME, defaults={
        "func": HEARTBEAT, "schedule_type": Schedule.MINUTES, "minutes": 1, "repeats": -1,
        "kwargs": "q_options={'save': True}"})
    names.append(HEARTBEAT_NAME)
    if settings.SUNAT_CANARY_MINUTES > 0:
        Schedule.objects.update_or_create(name=CHECK_NAME, defaults={
            "func": CHECK, "schedule_type": Schedule.MINUTES, "minutes": settings.SUNAT_CANARY_MINUTES,
            "repeats": -1, "kwargs": f"q_options={{'timeout': {CHECK_TIMEOUT}}}"})
        names.append(CHECK_NAME)
    else:
        Schedule.objects.filter(name=CHECK_NAME).delete()
    Schedule.objects.update_or_create(name=SYNC_NAME, defaults={
        "func": SYNC, "schedule_type": Schedule.DAILY, "repeats": -1,
        "next_run": next_run(timezone.now(), parse_time(settings.SUNAT_SYNC_TIME)),
        "kwargs": f"q_options={{'timeout': {SYNC_TIMEOUT}}}"})  # django-q2 keeps them as call syntax
    return [*names, SYNC_NAME]
