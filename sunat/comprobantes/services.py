"""A comprobante's validation: the cache, the stored answer while fresh, then SUNAT's official API
through this process's scheduler (LIVE for one, BATCH for a list's items) and single flight, keyed
per question (every field asked). A stored answer is served (STALE, its consultadoEn says how old)
when SUNAT fails; SUNAT refusing the question itself (success false) is not a failure of SUNAT."""

import logging
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from sunat import caching
from sunat.clock import api_time
from sunat.comprobantes import client, emisor, token
from sunat.comprobantes.declaration import Question
from sunat.exceptions import CpeNotConfigured, CpeRefused, SunatError, SunatUnavailable
from sunat.models import ComprobanteCheck
from sunat.upstream import scheduler, singleflight
from sunat.upstream.scheduler import BATCH, LIVE

logger = logging.getLogger(__name__)

HIT, MISS, STALE = "HIT", "MISS", "STALE"
ANSWER_FIELDS = ("estado", "estadoRuc", "condicionDomicilio", "observaciones")
REQUIRED_SETTINGS = ("SUNAT_API_CLIENT_ID", "SUNAT_API_CLIENT_SECRET", "SUNAT_API_RUC")


@dataclass(frozen=True)
class Validation:
    data: dict  # {"estado", "estadoRuc", "condicionDomicilio", "observaciones", "consultadoEn"}
    cache_status: str


@dataclass(frozen=True)
class Pending:
    """A list item whose SUNAT request is queued: result() once `future` is done."""

    future: Future
    stored: dict | None

    def result(self) -> Validation:
        return _sunat_or_stored(lambda: self.future.result(timeout=0), self.stored)


def missing_settings() -> list[str]:
    return [name for name in REQUIRED_SETTINGS if not getattr(settings, name)]


def require_configured() -> None:
    missing = missing_settings()
    if missing:
        raise CpeNotConfigured(", ".join(missing))


def validate(question: Question) -> Validation:
    """One comprobante, answered now (LIVE)."""
    found = begin(question, priority=LIVE)
    return found.result() if isinstance(found, Pending) else found


def begin(question: Question, priority: int = BATCH) -> Validation | Pending:
    """The answer when the cache or the database has a fresh one; else SUNAT's request, queued (a
    list's items, BATCH) or waited for (LIVE)."""
    require_configured()
    key = caching.cpe_answer(question.key())
    cached = cache.get(key)
    if cached is not None:
        return Validation(cached, HIT)
    stored = _stored(question)
    if stored is not None and stored.checked_at > timezone.now() - _ttl():
        data = _served(stored)
        cache.set(key, data, timeout=_seconds_left(stored))
        return Validation(data, HIT)
    stored_data = _served(stored) if stored is not None else None
    job = f"cpe:{question.key()}"
    if priority == LIVE:
        return _sunat_or_stored(lambda: scheduler.get().run(job, partial(_ask, question), LIVE), stored_data)
    try:
        future = scheduler.get().start(job, partial(_ask, question), BATCH, keep_for=settings.LOTE_PENDING_TTL)
    except SunatError:
        if stored_data is not None:
            return Validation(stored_data, STALE)
        raise
    return Pending(future, stored_data)


def present(validation: Validation, question: Question) -> dict:
    """The API's answer: SUNAT's (cached or stored) and this service's answer for the emisor."""
    return {**validation.data, "emisor": emisor.known(question.ruc)}


def _sunat_or_stored(fetch, stored: dict | None) -> Validation:
    try:
        return Validation(fetch(), MISS)
    except CpeRefused:
        raise
    except SunatError as exc:
        if stored is None:
            raise
        logger.warning("SUNAT's API failed (%s); serving the stored answer", exc.__class__.__name__)
        return Validation(stored, STALE)


def _ask(question: Question) -> dict:
    """Run on an upstream thread: SUNAT's answer, once for every process asking the same question."""
    key = caching.cpe_answer(question.key())
    return singleflight.run_once(f"cpe:{question.key()}", partial(_fetch_and_keep, question), lambda: cache.get(key))


def _fetch_and_keep(question: Question) -> dict:
    current = token.get()
    data = client.validate(question, current)
    if data is None:  # SUNAT refused the token: drop it and renew once
        token.drop(current)
        data = client.validate(question, token.renew(stale=current))
        if data is None:
            raise SunatUnavailable("SUNAT's API refused a new token too")
    now = timezone.now()
    data["consultadoEn"] = api_time(now)
    cache.set(caching.cpe_answer(question.key()), data, timeout=settings.CPE_CACHE_TTL)
    _store(question, data, now)
    return data


def _store(question: Question, data: dict, now) -> None:
    answer = {name: data[name] for name in ANSWER_FIELDS}
    try:
        ComprobanteCheck.objects.update_or_create(question=question.key(), defaults={
            "ruc_emisor": question.ruc, "tipo": question.tipo, "serie": question.serie, "numero": question.numero,
            "fecha_emision": question.fecha, "monto": question.monto, "estado": data["estado"][:20],
            "data": answer, "checked_at": now})
    except DatabaseError:  # the answer is served all the same; only its fallback is lost
        logger.exception("could not store the validation of %s", question.label())


def _stored(question: Question) -> ComprobanteCheck | None:
    try:
        return ComprobanteCheck.objects.filter(question=question.key()).first()
    except DatabaseError:
        logger.exception("could not read the stored validation of %s", question.label())
        return None


def _served(stored: ComprobanteCheck) -> dict:
    # In the API's order (PostgreSQL's jsonb does not keep it).
    return {**{name: stored.data.get(name) for name in ANSWER_FIELDS}, "consultadoEn": api_time(stored.checked_at)}


def _ttl() -> timedelta:
    return timedelta(seconds=settings.CPE_CACHE_TTL)


def _seconds_left(stored: ComprobanteCheck) -> int:
    return max(1, int((stored.checked_at + _ttl() - timezone.now()).total_seconds()))
