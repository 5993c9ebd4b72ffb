"""Answers SUNAT gave that the database could not store (it was out), kept in this process and
stored when it answers again, so that an outage loses none of them.

The newest answer per RUC and page is kept, at most UNSAVED_ANSWERS_MAX (the oldest goes first
past it, with a warning); a thread of this process tries to store them every RETRY_SECONDS until
none is left, oldest first, and stops at the first failure. An answer older than the one stored
meanwhile is not written over it (sunat.lookups.pages), and a ficha older than a register imported
meanwhile is dropped (the import would have corrected its estado and condición; the register
answers for it). A process killed hard loses what it kept; its answers stay cached until their TTL.

A piece of this process's state (sunat.process): a forked child keeps nothing of its parent's (the
parent's to store), gunicorn's worker_exit stores what is kept if it can, tests start with nothing.
"""

import logging
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.db.models import Q

from sunat import process
from sunat.lookups.pages import FICHA, SECTION_PAGES, Page
from sunat.models import PadronVersion

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0



class _Kept:
    """The answers this process keeps, and whether its writing thread runs."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answers: OrderedDict = OrderedDict()  # (RUC, page name) -> (answer, fetched at, source of its events)
        self.writing = False

    def after_fork(self) -> None:
        # A new lock (a parent's thread may have held this one), nothing kept, no thread yet.
        self.__init__()


_kept = _Kept()


def keep(ruc: str, page: Page, data: dict, fetched_at, source: str) -> None:
    """Keep an answer the database refused, to be stored when it answers again."""
    dropped = 0
    with _kept.lock:
        answers = _kept.answers
        answers.pop((ruc, page.name), None)
        answers[(ruc, page.name)] = (data, fetched_at, source)
        while len(answers) > settings.UNSAVED_ANSWERS_MAX:
            answers.popitem(last=False)
            dropped += 1
        start = not _kept.writing
        _kept.writing = True
    if dropped:
        logger.warning("%d unsaved answers dropped: more than UNSAVED_ANSWERS_MAX kept", dropped)
    if start:
        threading.Thread(target=_write_until_empty, name="unsaved-answers", daemon=True).start()


def count() -> int:
    return len(_kept.answers)


def forget() -> None:
    """Drop what is kept (tests: what one test kept is not stored into the next one's database)."""
    with _kept.lock:
        _kept.answers.clear()


def store_kept() -> int:
    """Store what is kept, oldest first, until done or the database fails again; how many were written."""
    written = 0
    while True:
        with _kept.lock:
            if not _kept.answers:
                return written
            (ruc, name), item = next(iter(_kept.answers.items()))
        data, fetched_at, source = item
        page = SECTION_PAGES[name] if name else FICHA
        try:
            if not (page.is_ficha and _register_newer_than(fetched_at)):
                page.save(ruc, data, fetched_at, source)
                written += 1
        except DatabaseError:
            logger.warning("the database still refuses the %d unsaved answers", count(), exc_info=True)
            return written
        with _kept.lock:
            if _kept.answers.get((ruc, name)) is item:  # not replaced by a newer answer meanwhile
                del _kept.answers[(ruc, name)]


def _register_newer_than(fetched_at) -> bool:
    return PadronVersion.objects.filter(imported_at__gt=fetched_at).filter(
        Q(file_date__gt=fetched_at) | Q(file_date__isnull=True)).exists()


def _write_until_empty() -> None:
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
        with _kept.lock:
            if not _kept.answers:
                _kept.writing = False
                return


process.register("unsaved answers", after_fork=_kept.after_fork, stop=store_kept, reset=forget)
