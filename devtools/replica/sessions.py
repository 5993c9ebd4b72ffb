"""ITMRCONSRUCSESSION cookies issued by the form page (WebLogic style ids), and what the
replica remembers per session for the defenses (defenses.py): its script cookie's value,
its JavaScript challenge's seed, and the numRnds issued to it."""

import secrets
import string
import threading
from collections import OrderedDict

COOKIE_NAME = "ITMRCONSRUCSESSION"
_ALPHABET = string.ascii_letters + string.digits
MAX_NUMRNDS = 8  # numRnds a session keeps; older ones stop working, like a page long gone
# One lock for every session's numRnds: the updates are tiny, and 100,000 locks are not.
_NUMRND_LOCK = threading.Lock()


class Session:
    """One session's state. __slots__: the store may hold 100,000 of them."""

    __slots__ = ("id", "script_cookie", "challenge_seed", "challenge_answer", "_numrnds")

    def __init__(self, session_id):
        self.id = session_id
        self.script_cookie = secrets.token_hex(16)
        self.challenge_seed = secrets.randbits(32)
        self.challenge_answer = None  # computed on first need (defenses.challenge_value)
        self._numrnds = ()

    def add_numrnd(self, numrnd):
        """Make ``numrnd`` good for a consPorRuc of this session; False if it is no numRnd."""
        numrnd = normalize_numrnd(numrnd)
        if numrnd is None:
            return False
        with _NUMRND_LOCK:
            kept = tuple(n for n in self._numrnds if n != numrnd)
            self._numrnds = (kept + (numrnd,))[-MAX_NUMRNDS:]
        return True

    def take_numrnd(self, numrnd, *, consume):
        """Whether ``numrnd`` was issued to this session; ``consume`` makes it good only once."""
        numrnd = normalize_numrnd(numrnd)
        with _NUMRND_LOCK:
            if numrnd is None or numrnd not in self._numrnds:
                return False
            if consume:
                self._numrnds = tuple(n for n in self._numrnds if n != numrnd)
            return True


class SessionStore:
    """Remembers the session ids handed out, so jcrS00Alias can insist on one.

    Bounded: the oldest sessions are forgotten first, like expired ones.
    """

    def __init__(self, max_sessions=100_000):
        self._max = max_sessions
        self._sessions = OrderedDict()
        self._lock = threading.Lock()

    def open(self):
        """A new session (the form page's Set-Cookie)."""
        body = "".join(secrets.choice(_ALPHABET) for _ in range(52))
        session = Session(f"{body}!{secrets.randbelow(10**10):010d}")
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > self._max:
                self._sessions.popitem(last=False)
        return session

    def issue(self):
        """A new session's id."""
        return self.open().id

    def get(self, session_id):
        """The Session of ``session_id``, or None if never issued (or forgotten)."""
        with self._lock:
            return self._sessions.get(session_id)

    def is_known(self, session_id):
        return self.get(session_id) is not None


def normalize_numrnd(value):
    """A numRnd or nmagic as the server compares them (digits, no leading zeros), else None."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        return None
    return str(int(value))
