"""Answers SUNAT gave that the database could not store (it was out), kept in this process and
stored when it answers again, so that an outage loses none of them.

The newest answer per RUC and page is kept, at most UNSAVED_ANSWERS_MAX (the oldest goes first
past it, with a warning); a thread of this process tries to store them every RETRY_SECONDS until
none is left, oldest first, and stops at the first failure. An answer older than the one stored
meanwhile is not written over it (sunat.lookups.pages), and a ficha older than a register imported
meanwhile is dropped (the import would have corrected its estado and condición; the register
answers for it). A process killed hard loses what it kept; its answers stay cached until their TTL.
"""

import logging
import os
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.db.models import Q

from sunat.lookups.pages import FICHA, SECTION_PAGES, Page
from sunat.models import PadronVersion

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0

_lock = threading.Lock()
_kept: OrderedDict = OrderedDict()  # (RUC, page name) -> (answer, fetched at, source of its events)
_writer_running = False


def keep(ruc: str, page: Page, data: dict, fetched_at, source: str) -> None:
    """Keep an answer the database refused, to be stored when it answers again."""
    global _writer_running
    dropped = 0
    with _lock:
        _kept.pop((ruc, page.name), None)
        _kept[(ruc, page.name)] = (data, fetched_at, source)
        while len(_kept) > settings.UNSAVED_ANSWERS_MAX:
            _kept.popitem(last=False)
            dropped += 1
        start = not _writer_running
        _writer_running = True
    if dropped:
        logger.warning("%d unsaved answers dropped: more than UNSAVED_ANSWERS_MAX kept", dropped)
    if start:
        threading.Thread(target=_write_until_empty, name="unsaved-answers", daemon=True).start()


def count() -> int:
    return len(_kept)


def forget() -> None:
    """Drop what is kept (tests: what one test kept is not stored into the next one's database)."""
    with _lock:
        _kept.clear()


def store_kept() -> int:
    """Store what is kept, oldest first, until done or the database fails again; how many were written."""
    written = 0
    while True:
        with _lock:
            if not _kept:
                return written
            (ruc, name), item = next(iter(_kept.items()))
        data, fetched_at, source = item
        page = SECTION_PAGES[name] if name else FICHA
        try:
            if not (page.is_ficha and _register_newer_than(fetched_at)):
                page.save(ruc, data, fetched_at, source)
                written += 1
        except DatabaseError:
            logger.warning("the database still refuses the %d unsaved answers", len(_kept), exc_info=True)
            return written
        with _lock:
            if _kept.get((ruc, name)) is item:  # not replaced by a newer answer meanwhile
                del _kept[(ruc, name)]


def _register_newer_than(fetched_at) -> bool:
    return PadronVersion.objects.filter(imported_at__gt=fetched_at).filter(
        Q(file_date__gt=fetched_at) | Q(file_date__isnull=True)).exists()


def _write_until_empty() -> None:
    global _writer_running
    while True:
        time.sleep(RETRY_SECONDS)
        try:
            close_old_connections()
            written = store_kept()
            close_old_connections()
        except Exception:  # whatever happened, the next round tries again
            logger.warning("storing the unsaved answers failed", exc_info=True)
            written = 0
        if written:
            logger.info("%d answers kept while the database was out are stored now", written)
        with _lock:
            if not _kept:
                _writer_running = False
                return


def _reset_after_fork() -> None:
    global _lock, _kept, _writer_running
    _lock, _kept, _writer_running = threading.Lock(), OrderedDict(), False  # the parent's to store


os.register_at_fork(after_in_child=_reset_after_fork)
