"""How long changes are kept: the events, their notices and the padrón's change history older than
CHANGES_RETENTION_DAYS are deleted (a task of sunat.schedules, every hour), a batch at a time so that no
transaction holds many rows. A notice still being delivered is kept, and its event with it; the
import records (PadronVersion) stay. 0 keeps everything.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sunat.models import ChangeEvent, Notification, RegisterChange

logger = logging.getLogger(__name__)

BATCH = 5000


def purge_old() -> dict:
    """Delete what is older than the retention; how many of each were deleted."""
    if settings.CHANGES_RETENTION_DAYS <= 0:
        return {}
    cutoff = timezone.now() - timedelta(days=settings.CHANGES_RETENTION_DAYS)
    old_events = (ChangeEvent.objects.filter(detected_at__lt=cutoff)
                  .exclude(notifications__delivery=Notification.PENDING).order_by("detected_at"))
    deleted = {"avisos": 0, "cambios": 0, "cambios_padron": 0}
    while ids := list(old_events.values_list("id", flat=True)[:BATCH]):
        with transaction.atomic():
            deleted["avisos"] += Notification.objects.filter(event_id__in=ids).delete()[0]
            deleted["cambios"] += ChangeEvent.objects.filter(id__in=ids).delete()[0]
    old_register = RegisterChange.objects.filter(version__imported_at__lt=cutoff)
    while ids := list(old_register.values_list("id", flat=True)[:BATCH]):
        deleted["cambios_padron"] += RegisterChange.objects.filter(id__in=ids).delete()[0]
    if any(deleted.values()):
        logger.info("deleted what is older than %s days: %s", settings.CHANGES_RETENTION_DAYS, deleted)
    return deleted
