"""Session state of the stand-in: the WebLogic-style session, the script-set cookie, the JS challenge
and the numRnd values a session may spend.

Design choices (the public reports are silent on these; see the package docstring for sources):
- ITMRCONSRUCSESSION looks like WebLogic's "<52 chars>!<signed int>!<epoch ms>"; any request that
  brings no known session gets a new one (Set-Cookie, Path=/, HttpOnly).
- The script cookie (defense "cookie") is named TS01c4a3f7, F5-style, and its value is "01" plus 60 hex
  characters of an HMAC of the session id: bound to the session, useless in another one.
- The JS challenge (defense "js") gives each session a random 32-bit seed; the answer is
  CHALLENGE_ROUNDS rounds of xorshift-multiply arithmetic (see solve_challenge), set by the page's
  script as cookie STDJSCHK=<hex>. Bound to the session too.
- numRnd (defense "numrnd"): a session keeps only the latest NUMRND_KEPT numbers it obtained (from a
  list page or a captcha GET's nmagic); spending one removes it (single use).
"""

import collections
import hashlib
import hmac
import secrets
import threading
import time

SESSION_COOKIE = "ITMRCONSRUCSESSION"
SCRIPT_COOKIE = "TS01c4a3f7"
CHALLENGE_COOKIE = "STDJSCHK"
CHALLENGE_ROUNDS = 50_000
NUMRND_KEPT = 3
MAX_SESSIONS = 10_000

_SESSION_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def solve_challenge(seed, rounds=CHALLENGE_ROUNDS):
    """What the interstitial's script computes (JS: x ^= x >>> 15; x = Math.imul(x, K) + i, mod 2**32)."""
    x = seed & 0xFFFFFFFF
    for i in range(rounds):
        x ^= x >> 15
        x = (x * 0x2C1B3C6D + i) & 0xFFFFFFFF
    return format(x, "x")


class Session:
    def __init__(self, secret):
        body = "".join(secrets.choice(_SESSION_CHARS) for _ in range(52))
        self.id = f"{body}!{secrets.randbelow(2**32) - 2**31}!{int(time.time() * 1000)}"
        self.script_cookie = "01" + hmac.new(secret, self.id.encode(), hashlib.sha256).hexdigest()[:60]
        self.seed = secrets.randbelow(2**32)
        self._answer = None
        self.numrnds = collections.deque(maxlen=NUMRND_KEPT)

    @property
    def challenge_answer(self):
        if self._answer is None:
            self._answer = solve_challenge(self.seed)
        return self._answer


class SessionStore:
    """Thread-safe sessions by id, with their numRnd values."""

    def __init__(self):
        self._secret = secrets.token_bytes(32)
        self._sessions = collections.OrderedDict()
        self._lock = threading.Lock()

    def find(self, session_id):
        with self._lock:
            return self._sessions.get(session_id) if session_id else None

    def create(self):
        session = Session(self._secret)
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
        return session

    def issue_numrnd(self, session, number=None):
        """Remember a numRnd for this session (a fresh one unless given); the oldest beyond NUMRND_KEPT goes."""
        number = str(number) if number is not None else str(secrets.randbelow(2_000_000_000 - 10**8) + 10**8)
        with self._lock:
            if number in session.numrnds:
                session.numrnds.remove(number)
            session.numrnds.append(number)
        return number

    def spend_numrnd(self, session, number):
        """True, once, for a numRnd this session holds."""
        if session is None or not number:
            return False
        with self._lock:
            if number in session.numrnds:
                session.numrnds.remove(number)
                return True
        return False

    def holds_numrnd(self, session, number):
        with self._lock:
            return session is not None and bool(number) and number in session.numrnds

    def clear(self):
        with self._lock:
            self._sessions.clear()
