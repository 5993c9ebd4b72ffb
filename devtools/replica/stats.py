"""What the replica has been asked, so tests can check retries and pacing."""

import threading
import time
from collections import Counter

LIST_ACCION = "consPorRazonSoc"


class ReplicaStats:
    """Thread-safe request counters.

    Only SUNAT requests are counted, never the /__replica__/ control endpoints.
    Every jcrS00Alias POST counts in ``by_accion``; ``by_ruc``, ``queries`` and
    ``lookups`` are about consPorRuc only (sub-pages such as getRepLeg are not
    lookups of a RUC, and would skew tests of caching and pacing).
    ``timeline`` holds every SUNAT request as (monotonic time, kind), kind one of
    TIMELINE_KINDS, so a test can measure the request rate SUNAT would see.
    A request is counted when it arrives, before the firewall, latency or any simulated
    failure, like the rate limiter of the real firewall would see it.
    Timestamps are ``time.monotonic()``: on Linux it is one system-wide clock,
    so a test process can compare them with its own.
    """

    # form: the form page GET; captcha: a captcha GET; alias: a jcrS00Alias POST;
    # alias_get: a jcrS00Alias GET; file: a bulk file (files.py); other: any other path.
    TIMELINE_KINDS = ("form", "captcha", "alias", "alias_get", "file", "other")

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self._form_page_gets = 0
            self._captcha_gets = 0
            self._alias_posts = 0
            self._list_posts = 0
            self._by_accion = Counter()
            self._by_ruc = Counter()
            self._lookups = []  # (monotonic timestamp, ruc) per consPorRuc POST
            self._timeline = []  # (monotonic timestamp, kind) per SUNAT request

    def count_form_page(self):
        now = time.monotonic()
        with self._lock:
            self._form_page_gets += 1
            self._timeline.append((now, "form"))

    def count_captcha(self):
        now = time.monotonic()
        with self._lock:
            self._captcha_gets += 1
            self._timeline.append((now, "captcha"))

    def count_alias_post(self, accion, ruc):
        now = time.monotonic()
        with self._lock:
            self._alias_posts += 1
            self._by_accion[accion] += 1
            self._timeline.append((now, "alias"))
            if accion == LIST_ACCION:
                self._list_posts += 1
            if accion == "consPorRuc":
                self._by_ruc[ruc] += 1
                self._lookups.append((now, ruc))

    def count_request(self, kind):
        """A request with no counter of its own (see TIMELINE_KINDS): the timeline only."""
        now = time.monotonic()
        with self._lock:
            self._timeline.append((now, kind))

    def as_dict(self):
        with self._lock:
            return {
                "form_page_gets": self._form_page_gets,
                "captcha_gets": self._captcha_gets,
                "alias_posts": self._alias_posts,
                "list_posts": self._list_posts,  # consPorRazonSoc POSTs
                "queries": len(self._lookups),  # consPorRuc POSTs
                "by_accion": dict(self._by_accion),
                "by_ruc": dict(self._by_ruc),
                "lookups": list(self._lookups),
                "timeline": list(self._timeline),
            }
