"""What the replica has been asked, so tests can check retries and pacing."""

import threading
import time
from collections import Counter


class ReplicaStats:
    """Thread-safe request counters.

    Only SUNAT requests are counted, never the /__replica__/ control endpoints.
    Every jcrS00Alias POST counts in ``by_accion``; ``by_ruc``, ``queries`` and
    ``lookups`` are about consPorRuc only (sub-pages such as getRepLeg are not
    lookups of a RUC, and would skew tests of caching and pacing).
    A request is counted when it arrives, before latency or any simulated
    failure, like the rate limiter of the real firewall would see it.
    Timestamps are ``time.monotonic()``: on Linux it is one system-wide clock,
    so a test process can compare them with its own.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self._form_page_gets = 0
            self._alias_posts = 0
            self._by_accion = Counter()
            self._by_ruc = Counter()
            self._lookups = []  # (monotonic timestamp, ruc) per consPorRuc POST

    def count_form_page(self):
        with self._lock:
            self._form_page_gets += 1

    def count_alias_post(self, accion, ruc):
        now = time.monotonic()
        with self._lock:
            self._alias_posts += 1
            self._by_accion[accion] += 1
            if accion == "consPorRuc":
                self._by_ruc[ruc] += 1
                self._lookups.append((now, ruc))

    def as_dict(self):
        with self._lock:
            return {
                "form_page_gets": self._form_page_gets,
                "alias_posts": self._alias_posts,
                "queries": len(self._lookups),  # consPorRuc POSTs
                "by_accion": dict(self._by_accion),
                "by_ruc": dict(self._by_ruc),
                "lookups": list(self._lookups),
            }
