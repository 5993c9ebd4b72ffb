"""RUCs SUNAT said do not exist, in the database for RUC_NOT_FOUND_TTL: the cache's not-found marker
lives in one process with LocMem, and the next request on another gunicorn worker would ask SUNAT
again (issue 30). Read where the stored record is read (sunat.lookups.services), after the cache."""

import logging

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from sunat.lookups import ruc_cache
from sunat.models import UnknownRuc

logger = logging.getLogger(__name__)


def remember(ruc: str) -> None:
    """SUNAT just said `ruc` does not exist: the cache's marker, and the database's row."""
    ruc_cache.put_not_found(ruc)
    try:
        UnknownRuc.objects.update_or_create(ruc=ruc, defaults={"checked_at": timezone.now()})
    except DatabaseError:  # the cache's marker still answers this process (or all of them, on Redis)
        logger.warning("could not store that %s does not exist", ruc, exc_info=True)


def known_unknown(ruc: str) -> bool:
    """Whether SUNAT said `ruc` does not exist less than RUC_NOT_FOUND_TTL ago (put back in the cache)."""
    try:
        row = UnknownRuc.objects.filter(ruc=ruc).first()
    except DatabaseError:
        logger.exception("could not read whether %s exists", ruc)
        return False
    if row is None:
        return False
    left = row.seconds_left(settings.RUC_NOT_FOUND_TTL)
    if left <= 0:
        return False
    ruc_cache.put_not_found(ruc, timeout=left)
    return True

