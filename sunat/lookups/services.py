"""RUC lookups: cache, then the database record, then SUNAT; and the admin's refresh."""

import logging
import time
from concurrent.futures import Future
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError

from sunat import caching, tasks
from sunat.exceptions import NotInPadron, RucNotFound, SunatError
from sunat.lookups import fetching, ruc_cache, unknown
from sunat.lookups import fresh as forcing
from sunat.lookups.pages import FICHA, SECTION_PAGES, Page
from sunat.models import ChangeEvent, StoredLookup
from sunat.registers import annotations, corrections
from sunat.upstream.parser import ficha
from sunat.upstream.scheduler import BACKGROUND, BATCH, LIVE
from sunat.validators import validate_ruc

logger = logging.getLogger(__name__)

# A queued refresh of a stale answer that waited longer than this (seconds) is dropped.
REFRESH_MAX_WAIT = 600

HIT = "HIT"
MISS = "MISS"
STALE = "STALE"

# Where a lookup may be answered from (?fuente=): any (the padrón when nothing fuller is
# stored), SUNAT's full page only, or the imported padrón only.
ANY_SOURCE = ""
SUNAT = "sunat"
PADRON = "padron"
SOURCES = (ANY_SOURCE, SUNAT, PADRON)


@dataclass(frozen=True)
class Lookup:
    data: dict
    cache_status: str  # HIT, MISS or STALE: the X-Cache header
    # Asked with `fresh`: seconds until SUNAT may be asked again for it (X-Fresh-Disponible-En).
    fresh_in: int | None = None


@dataclass(frozen=True)
class Pending:
    """A lookup whose SUNAT request is queued (a batch item): result() once `future` is done."""

    ruc: str
    future: Future
    stored: dict | None  # served as STALE if SUNAT fails

    def result(self) -> Lookup:
        return _sunat_or_stored(lambda: self.future.result(timeout=0), self.stored, self.ruc)


def lookup_ruc(ruc: str, fresh: bool = False, source: str = ANY_SOURCE) -> Lookup:
    """SUNAT's data for a RUC, as cheaply as it can be had.

    An entry older than RUC_CACHE_TTL is served at once as STALE while one refresh runs in
    the background. `fresh` asks SUNAT now, whatever is held, when sunat.lookups.fresh allows
    it (else what is held, with the seconds until it does). With nothing stored, the imported
    padrón answers (fuente "padron") before SUNAT is asked; `source` SUNAT skips it, PADRON
    asks nothing else. Raises InvalidRuc, RucNotFound (NotInPadron), or SunatError when
    SUNAT fails and nothing is stored.
    """
    ruc = validate_ruc(ruc)
    if source == PADRON:
        answer = _from_register(ruc, FICHA)
        if answer is None:
            raise NotInPadron(ruc)
        return Lookup(answer, HIT)
    return _lookup(ruc, fresh=fresh, padron=source == ANY_SOURCE)


def begin_lookup(ruc: str) -> Lookup | Pending:
    """lookup_ruc for a batch item: what needs SUNAT is queued at BATCH priority, not waited for."""
    return _lookup(validate_ruc(ruc), padron=True, priority=BATCH)


def lookup_section(ruc: str, name: str, fresh: bool = False) -> Lookup:
    """A RUC's section (SECTION_PAGES), cached like the main lookup. A section the RUC's ficha does
    not offer (SUNAT shows no button for it) is answered empty at once, from the ficha. With
    nothing stored, an imported register that has the section (the establishments') answers
    it; `fresh` asks SUNAT."""
    main = lookup_ruc(ruc)  # a RUC that does not exist has no sections either
    page = SECTION_PAGES[name]
    if not offers(main.data, name):
        return Lookup(_not_offered(main.data, page), main.cache_status)
    return _lookup(main.data["ruc"], page, razon_social=main.data.get("razonSocial") or "", fresh=fresh, padron=True)


def begin_section(ficha: dict, name: str, cache_status: str = HIT) -> Lookup | Pending:
    """lookup_section for /completo, from the RUC's ficha looked up already: what needs SUNAT is
    queued at BATCH priority, not waited for."""
    page = SECTION_PAGES[name]
    if not offers(ficha, name):
        return Lookup(_not_offered(ficha, page), cache_status)
    return _lookup(ficha["ruc"], page, razon_social=ficha.get("razonSocial") or "", priority=BATCH)


def offers(ficha: dict, name: str) -> bool:
    """Whether a RUC's answer offers section `name`; True when it cannot tell (the padrón's answer,
    or a ficha stored before answers listed their secciones)."""
    offered = ficha.get("secciones")
    return offered is None or name in offered


def _not_offered(ficha: dict, page: Page) -> dict:
    return {"ruc": ficha["ruc"], page.section.key: page.section.empty(),
            "fuente": ficha["fuente"], "actualizadoEn": ficha["actualizadoEn"]}


def begin_recheck(ruc: str, keep_for: float) -> Future:
    """Ask SUNAT for a watched RUC's ficha at BACKGROUND priority (the scheduled re-check); what
    it changes is an event of source "revision"."""
    return fetching.start_fetch(validate_ruc(ruc), FICHA, "", BACKGROUND, keep_for, source=ChangeEvent.RECHECK)


def refresh(ruc: str) -> dict:
    """Fetch a RUC from SUNAT whatever the cache holds (admin action). Errors propagate."""
    return fetching.fetch_once(validate_ruc(ruc), FICHA, "")


def _from_register(ruc: str, page: Page) -> dict | None:
    try:
        return page.from_register(ruc)
    except DatabaseError:
        logger.exception("could not read the imported register's rows of %s", ruc)
        return None


def _lookup(ruc: str, page: Page = FICHA, razon_social: str = "", fresh: bool = False,
            padron: bool = False, priority: int = LIVE) -> Lookup | Pending:
    annotations.check()
    cached = ruc_cache.get(ruc, page.name)
    if cached is not None:
        not_found = ruc_cache.is_not_found(cached)
        if not not_found and page.is_ficha and not ficha.is_current(cached):  # cached by an older version
            cached = _in_api_order(cached, page)
        held = None if not_found else cached
        wait = forcing.wait(ruc, page.name, forcing.fetched_at(held)) if fresh else None
        if wait == 0:
            return _forced(ruc, page, razon_social, held)
        if not_found:
            raise RucNotFound(ruc)
        return Lookup(cached, HIT, wait)

    generation = corrections.generation()
    record = _stored_record(ruc, page)
    stored = _in_api_order(record.data, page) if record is not None else None
    from_register = None
    if padron and record is None and page.from_register is not None:
        from_register = _from_register(ruc, page)
    fetched = record.fetched_at.timestamp() if record is not None else None
    holds = record is not None or from_register is not None
    wait = forcing.wait(ruc, page.name, fetched) if fresh and holds else None
    if wait == 0:
        return _forced(ruc, page, razon_social, stored)
    if record is not None and record.seconds_left(page.ttl) > 0:
        # Another process (or an earlier cache) fetched it; share it through the cache, unless a
        # new padrón was seen meanwhile: its eviction may have passed what was read before it.
        if corrections.generation() == generation:
            ruc_cache.put(ruc, stored, timeout=record.seconds_left(page.ttl), section=page.name)
        return Lookup(stored, HIT, wait)
    if record is not None:
        _refresh_in_background(ruc, page, razon_social)
        return Lookup(stored, STALE, wait)
    if from_register is not None:
        return Lookup(from_register, HIT, wait)
    if page.is_ficha and not fresh and unknown.known_unknown(ruc):  # another process's not-found
        raise RucNotFound(ruc)
    if priority == LIVE:  # nothing held: asked with fresh or not, SUNAT it is
        return _forced(ruc, page, razon_social, None) if fresh else _sunat_or_stored(
            lambda: fetching.fetch_once(ruc, page, razon_social), None, ruc)
    return Pending(ruc, fetching.start_fetch(ruc, page, razon_social, priority, settings.LOTE_PENDING_TTL), stored)


def _forced(ruc: str, page: Page, razon_social: str, held: dict | None) -> Lookup:
    """Ask SUNAT now for an answer held (?fresh=1, sunat.lookups.fresh allowing it): MISS, or what is held
    as STALE when SUNAT fails."""
    result = _sunat_or_stored(lambda: fetching.fetch_once(ruc, page, razon_social), held, ruc)
    return replace(result, fresh_in=forcing.FRESH_INTERVAL)


def _sunat_or_stored(fetch, stored: dict | None, ruc: str) -> Lookup:
    """SUNAT's answer (MISS), or, when SUNAT fails or is busy, what is stored (STALE)."""
    try:
        return Lookup(fetch(), MISS)
    except SunatError as exc:
        if stored is None:
            raise
        logger.warning("SUNAT failed for %s (%s); serving the record from %s", ruc, exc, stored.get("actualizadoEn"))
        return Lookup(stored, STALE)


def _refresh_in_background(ruc: str, page: Page, razon_social: str) -> None:
    """Queue one refresh of a stale answer on the task queue (refresh_stale, in the worker): this
    process's SUNAT threads stay with live lookups and batches."""
    key = fetching.key(ruc, page)
    # While a refresh is queued or runs, or after one failed (or was refused), the stale entry is
    # served for RUC_REFRESH_RETRY without asking again.
    if not cache.add(caching.refresh_marker(key), True, timeout=settings.RUC_REFRESH_RETRY):
        return
    try:
        tasks.refresh_soon(ruc, page.name or "", razon_social)
    except DatabaseError:
        logger.warning("could not queue the refresh of %s", key, exc_info=True)


def refresh_stale(ruc: str, page_name: str, razon_social: str, queued_at: float) -> str:
    """The task queue's refresh of a stale answer: ask SUNAT for it at BACKGROUND priority, in this
    worker's SUNAT threads, without waiting for the answer (the worker takes its next task). Skipped
    when it is fresh again (another refresh got there first) or the task waited longer than
    REFRESH_MAX_WAIT (a worker that was down: the next lookup queues it again). What happened."""
    page = SECTION_PAGES[page_name] if page_name else FICHA
    key = fetching.key(ruc, page)
    if time.time() - queued_at > REFRESH_MAX_WAIT:
        return "caducada"
    record = _stored_record(ruc, page)
    if record is not None and record.seconds_left(page.ttl) > 0:
        return "innecesaria"
    future = fetching.start_fetch(ruc, page, razon_social, BACKGROUND, keep_for=settings.RUC_REFRESH_RETRY)
    future.add_done_callback(lambda done: done.exception() and logger.warning(
        "background refresh of %s failed: %r", key, done.exception()))
    return "pedida"


def _in_api_order(data: dict, page: Page) -> dict:
    """The stored answer with its keys in the API's order (PostgreSQL's jsonb does not keep it)."""
    if page.is_ficha and not ficha.is_current(data):  # stored by an older version
        data = ficha.upgrade(data)
    return {key: data[key] for key in page.keys if key in data}


def _stored_record(ruc: str, page: Page) -> StoredLookup | None:
    try:
        return page.find(ruc)
    except DatabaseError:
        # The database is a fallback here; a broken one must not stop a lookup.
        logger.exception("could not read the stored record of %s", ruc)
        return None
