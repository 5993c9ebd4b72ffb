"""The admin's overview: how the service did in the last hour and day, and how it is now."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from sunat import caching, tasks
from sunat.models import ServiceHour
from sunat.monitoring.tally import HOUR_FIELDS
from sunat.operators import state
from sunat.registers.files import REGISTERS
from sunat.upstream import status as sunat_status
from sunat.upstream import throttle


@dataclass(frozen=True)
class Period:
    """Sums over whole hours (ServiceHour): the current one and those before it."""

    label: str
    hits: int
    misses: int
    stale: int
    sunat_ok: int
    sunat_failed: int

    @property
    def hit_ratio(self) -> float | None:
        answered = self.hits + self.misses + self.stale
        return self.hits / answered if answered else None


def period(label: str, hours: int) -> Period:
    since = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    sums = ServiceHour.objects.filter(hour__gte=since).aggregate(**{field: Sum(field) for field in HOUR_FIELDS})
    return Period(label, **{field: sums[field] or 0 for field in HOUR_FIELDS})


def summary() -> dict:
    """Everything the overview page shows."""
    sunat, reasons = sunat_status.report()
    imports = state.last_imports()
    return {
        "periods": [period("Esta hora", 1), period("Últimas 24 horas", 24)],
        "cooldown": throttle.blocked_for(),
        "backoff": round(throttle.failing_for(), 1),
        "cache_backend": caching.backend_name(),
        "circuit_open": caching.circuit_open(),
        "sunat": sunat,
        "sunat_reasons": reasons,
        "imports": [(register, imports.get(name)) for name, register in REGISTERS.items()],
        "queue": state.queue(),
        "worker": tasks.worker_state(),
        "waiting_tasks": state.waiting_tasks(5),
        "outbox": state.outbox(),
        "tally_seconds": settings.TALLY_FLUSH_SECONDS,
    }
