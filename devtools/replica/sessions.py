"""ITMRCONSRUCSESSION cookies issued by the form page (WebLogic style ids)."""

import secrets
import string
import threading
from collections import OrderedDict

COOKIE_NAME = "ITMRCONSRUCSESSION"
_ALPHABET = string.ascii_letters + string.digits


class SessionStore:
    """Remembers the session ids handed out, so jcrS00Alias can insist on one.

    Bounded: the oldest ids are forgotten first, like expired sessions.
    """

    def __init__(self, max_sessions=100_000):
        self._max = max_sessions
        self._ids = OrderedDict()
        self._lock = threading.Lock()

    def issue(self):
        body = "".join(secrets.choice(_ALPHABET) for _ in range(52))
        session_id = f"{body}!{secrets.randbelow(10**10):010d}"
        with self._lock:
            self._ids[session_id] = None
            while len(self._ids) > self._max:
                self._ids.popitem(last=False)
        return session_id

    def is_known(self, session_id):
        with self._lock:
            return session_id in self._ids
