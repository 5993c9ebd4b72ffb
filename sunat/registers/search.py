"""Search the imported padrón by name: checked parameters, bounded cost, ranked hits.

A search on millions of rows can cost seconds of database time (a text that matches most
of the register, a deep page), and a flood of them slows every other search. So: texts made
only of legal forms and common words are refused, no page reaches past the first
PADRON_SEARCH_MAX_RESULTS hits, each query runs under PADRON_SEARCH_TIMEOUT (PostgreSQL's
statement_timeout), and a process runs at most PADRON_SEARCH_CONCURRENCY at once (its slots: a
piece of this process's state, sunat.process, made anew when the setting changes).
"""

import re
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Length

from sunat import process
from sunat.models import PadronEntry
from sunat.registers.queries import as_answer, current_version_date

MIN_QUERY_LENGTH = 3  # trigrams: a shorter text matches nearly everything
MAX_QUERY_LENGTH = 200
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 100
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# pg_trgm's word similarity a name must reach (its default is 0.6). At 0.6 "INVERSIONES ANDINA"
# matched every INVERSIONES of the register, 28 times more rows to rank than at 0.7 (bench-padron);
# 0.7 still finds a name with one letter wrong (CONSTRUCTRA: 0.75).
_WORD_SIMILARITY = "0.7"
# Words that tell no taxpayer from another: a text made only of these (and punctuation)
# matches a large share of the register. Compared without dots: "S.A.C." is "SAC".
_COMMON_WORDS = frozenset("""
    SAC SA SRL EIRL SAA SCRL SCR SAS SOCIEDAD ANONIMA ANÓNIMA CERRADA ABIERTA EMPRESA INDIVIDUAL
    RESPONSABILIDAD LIMITADA COMERCIAL DE DEL LA LAS LOS EL Y E EN CIA COMPAÑIA COMPAÑÍA
""".split())


class InvalidSearch(Exception):
    """A search the service will not run; the message is the API's Spanish detail."""


class SearchUnavailable(Exception):
    """The database could not answer in time (busy, or the search too broad)."""


@dataclass(frozen=True)
class SearchPage:
    results: list[dict]
    page: int
    per_page: int
    has_more: bool


_running = process.lazy("search slots", lambda: threading.BoundedSemaphore(settings.PADRON_SEARCH_CONCURRENCY),
                        settings=["PADRON_SEARCH_CONCURRENCY"])


def checked_query(text: str) -> str:
    """The text to search for, spaces folded and upper-cased; InvalidSearch when it cannot be searched."""
    text = " ".join(text.split())
    if len(text) < MIN_QUERY_LENGTH:
        raise InvalidSearch(f"El parámetro q debe tener al menos {MIN_QUERY_LENGTH} caracteres.")
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidSearch(f"El parámetro q admite hasta {MAX_QUERY_LENGTH} caracteres.")
    if _CONTROL_CHARACTERS.search(text):
        # No name has them, and PostgreSQL refuses a NUL in text outright.
        raise InvalidSearch("El parámetro q no admite caracteres de control.")
    text = text.upper()
    words = [word for word in (re.sub(r"\W", "", word) for word in text.split()) if word]
    if words and all(word in _COMMON_WORDS for word in words):
        raise InvalidSearch("El parámetro q es demasiado general (solo formas societarias o palabras comunes): "
                            "incluya parte del nombre.")
    return text


def checked_page(page: int, per_page: int) -> None:
    """InvalidSearch for a page past the first PADRON_SEARCH_MAX_RESULTS hits."""
    limit = settings.PADRON_SEARCH_MAX_RESULTS
    if page * per_page > limit:
        raise InvalidSearch(f"Solo se recorren los primeros {limit} resultados (pagina × por_pagina ≤ {limit}): "
                            "precise la búsqueda.")


def search(text: str, page: int = 1, per_page: int = DEFAULT_PER_PAGE) -> SearchPage:
    """Taxpayers whose name matches `text`, best first: a trigram index on PostgreSQL, words on SQLite.
    InvalidSearch for a text or page refused; SearchUnavailable when the database cannot answer in time."""
    text = checked_query(text)
    checked_page(page, per_page)
    offset = (page - 1) * per_page
    slots = _slots()  # released to the semaphore it was taken from, even if the setting changes meanwhile
    if not slots.acquire(timeout=settings.PADRON_SEARCH_TIMEOUT):
        raise SearchUnavailable("too many searches running in this process")
    try:
        entries = _run(text, offset, per_page + 1)
    finally:
        slots.release()
    updated = current_version_date()
    return SearchPage(
        results=[as_answer(entry, updated) for entry in entries[:per_page]],
        page=page, per_page=per_page, has_more=len(entries) > per_page,
    )


def _slots() -> threading.BoundedSemaphore:
    """The process's search slots."""
    return _running.get()


def _run(text: str, offset: int, limit: int) -> list[PadronEntry]:
    if connection.vendor != "postgresql":
        return _search_words(text, offset, limit)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # SET LOCAL: both end with this transaction, the pooled connection keeps neither.
                cursor.execute("SELECT set_config('statement_timeout', %s, true), "
                               "set_config('pg_trgm.word_similarity_threshold', %s, true)",
                               [f"{int(settings.PADRON_SEARCH_TIMEOUT * 1000)}ms", _WORD_SIMILARITY])
            return _search_trigram(text, offset, limit)
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == "57014":  # query_canceled: our timeout
            raise SearchUnavailable("the search ran past PADRON_SEARCH_TIMEOUT") from exc
        raise


def _search_trigram(text: str, offset: int, limit: int) -> list[PadronEntry]:
    # `<%`: the text is similar to some run of words in the name (pg_trgm's word similarity),
    # which the GIN index answers. Exact names first, then the closest, then the shortest.
    return list(PadronEntry.objects.raw(
        f"SELECT * FROM {PadronEntry._meta.db_table} WHERE %s <%% razon_social "
        "ORDER BY razon_social = %s DESC, word_similarity(%s, razon_social) DESC, "
        "similarity(%s, razon_social) DESC, ruc LIMIT %s OFFSET %s",
        [text, text, text, text, limit, offset],
    ))


def _search_words(text: str, offset: int, limit: int) -> list[PadronEntry]:
    entries = PadronEntry.objects.all()
    for word in text.split():
        entries = entries.filter(razon_social__contains=word)
    ranked = entries.annotate(
        rank=Case(
            When(razon_social=text, then=Value(0)),
            When(razon_social__startswith=text, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        length=Length("razon_social"),
    )
    return list(ranked.order_by("rank", "length", "ruc")[offset:offset + limit])
