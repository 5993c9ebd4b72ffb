"""This service's answer for the emisor's RUC, when it has one cached or stored: never a SUNAT lookup."""

import logging

from django.db import DatabaseError

from sunat.lookups import ruc_cache
from sunat.lookups.pages import FICHA

logger = logging.getLogger(__name__)


def known(ruc: str) -> dict | None:
    cached = ruc_cache.get(ruc)
    if isinstance(cached, dict) and not ruc_cache.is_not_found(cached):
        return cached
    try:
        record = FICHA.find(ruc)
    except DatabaseError:  # the emisor's data is a bonus: a broken database must not stop the answer
        logger.exception("could not read the stored record of %s", ruc)
        return None
    return record.data if record is not None else None
