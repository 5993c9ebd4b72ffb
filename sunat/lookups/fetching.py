"""Asking SUNAT for a RUC's page and keeping its answer: one request per RUC and page in the whole
deployment (single flight), run by this process's scheduler, stored in the database (kept to store
later while it is out) and in the cache. sunat.lookups.services decides when to ask."""

import logging
import time
from concurrent.futures import Future

from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from sunat import caching
from sunat.clock import api_time
from sunat.exceptions import RucNotFound, SunatBusy, SunatError
from sunat.lookups import ruc_cache, unknown, unsaved
from sunat.lookups.pages import Page
from sunat.models import ChangeEvent
from sunat.upstream import scheduler, singleflight
from sunat.upstream import status as sunat_status
from sunat.upstream.scheduler import LIVE

logger = logging.getLogger(__name__)


def key(ruc: str, page: Page) -> str:
    return ruc_cache.ruc_key(ruc, page.name)


def _flight(ruc: str, page: Page, razon_social: str, source: str = ChangeEvent.SUNAT):
    """The upstream job of a lookup: one request per RUC (and page) in the whole deployment.
    `source`: what a change it finds is an event of (a lookup's refresh, or a re-check). Made when
    the lookup is queued: an answer another instance gave while it waited in this process's queue
    answers it (sunat.upstream.singleflight)."""
    asked_at = time.time()

    def stored_result():
        value = ruc_cache.get(ruc, page.name)
        if ruc_cache.is_not_found(value):
            raise RucNotFound(ruc)
        return value

    return lambda: singleflight.run_once(key(ruc, page), lambda: fetch(ruc, page, razon_social, source),
                                         read_result=stored_result, since=asked_at)


def fetch_once(ruc: str, page: Page, razon_social: str) -> dict:
    """Ask SUNAT through this process's scheduler, waiting in this thread until the request's deadline."""
    return scheduler.get().run(key(ruc, page), _flight(ruc, page, razon_social), LIVE)


def start_fetch(ruc: str, page: Page, razon_social: str, priority: int, keep_for: float,
                source: str = ChangeEvent.SUNAT) -> Future:
    """Queue the SUNAT request without waiting; a full backlog gives a future that failed already."""
    try:
        return scheduler.get().start(key(ruc, page), _flight(ruc, page, razon_social, source), priority,
                                     keep_for=keep_for)
    except SunatBusy as exc:
        future = Future()
        future.set_exception(exc)
        return future


def fetch(ruc: str, page: Page, razon_social: str, source: str = ChangeEvent.SUNAT) -> dict:
    """Ask SUNAT now, then store the answer in the database and the cache."""
    fetched_at = timezone.now()
    # /health counts the ficha's failures in a row (every new RUC failing): a section's error page
    # is about that page, and its ficha answered.
    counted = page.is_ficha
    try:
        data = page.fetch(ruc, razon_social)
    except RucNotFound:
        if counted:
            sunat_status.answered()
        unknown.remember(ruc)
        raise
    except SunatError as exc:
        if counted:
            sunat_status.failed(exc)
        raise
    if counted:
        sunat_status.answered()
    data["fuente"] = "sunat"
    data["actualizadoEn"] = api_time(fetched_at)
    store(ruc, page, data, fetched_at, source)
    ruc_cache.put(ruc, data, section=page.name)
    cache.delete(caching.refresh_marker(key(ruc, page)))  # a refresh may be asked again at once
    return data


def store(ruc: str, page: Page, data: dict, fetched_at, source: str) -> None:
    try:
        page.save(ruc, data, fetched_at, source)
    except DatabaseError:
        logger.warning("could not store the lookup of %s; kept to store later", ruc, exc_info=True)
        unsaved.keep(ruc, page, data, fetched_at, source)
