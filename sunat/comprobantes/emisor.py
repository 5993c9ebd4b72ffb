"""This service's answer for the emisor's RUC, when it has one: cached, stored, or the imported padrón's,
with the imported registers' fields as GET /api/ruc gives it. Never a SUNAT lookup."""

import logging

from django.db import DatabaseError

from sunat.lookups import ruc_cache
from sunat.lookups.pages import FICHA
from sunat.registers import annotations

logger = logging.getLogger(__name__)


def known(ruc: str) -> dict | None:
    annotations.check()  # a newer padrón's corrections evict older answers before one is read
    answer = ruc_cache.get(ruc)
    if ruc_cache.is_not_found(answer):
        return None
    if answer is None:
        try:
            record = FICHA.find(ruc)
            answer = record.data if record is not None else FICHA.from_register(ruc)
        except DatabaseError:  # the emisor's data is a bonus: a broken database must not stop the answer
            logger.exception("could not read the stored record of %s", ruc)
            return None
    return annotations.annotate(answer) if isinstance(answer, dict) else None
