"""The stand-in's HTTP server: a ThreadingHTTPServer on 127.0.0.1 in a background thread."""

import threading
import time

from devtools.background import BackgroundServer, StandinHandler

from . import flow
from . import ruc as rucs
from .sessions import SessionStore


class _Handler(StandinHandler):
    server_version = "Oracle-Application-Server-11g"
    max_body = 10 * 1024 * 1024

    def serve(self, method, body):
        standin = self.server.standin
        reply = flow.answer(standin, method, self.path, self.headers, body)
        if reply is flow.DROP:
            self.close_connection = True
            standin.record(method, self.path, 0)
            return
        # A redirect without a body carries no Content-Type, as SUNAT's.
        self.reply(reply.status, reply.content_type if reply.body or reply.status != 302 else None, reply.headers,
                   reply.body)
        standin.record(method, self.path, reply.status)


class Standin(BackgroundServer):
    """A local SUNAT "Consulta RUC" with switchable anti-scraping defenses.

    Standin(defenses=(), host="127.0.0.1", port=0, firewall=True, captcha_status=200)

    - url: "http://127.0.0.1:PORT/cl-ti-itmrconsruc/" once started.
    - defenses: a set of names from DEFENSES ("numrnd", "cookie", "js", "browser_ua"), settable any time.
    - requests: (time.monotonic(), method, request target with query, status) per request, status 0 when the
      connection was dropped.
    - firewall: the always-on "Request Rejected" check for Chrome User-Agents without matching Sec-CH-UA.
    - captcha_status: what the captcha GET answers (200 with a GIF; 401 or 404 as reported). The
      nmagic is kept as a numRnd whatever the status.
    - unknown_rucs: valid RUCs that do not exist (default {"20000000001"}).
    - names: RUC -> name, filled by list pages; other valid RUCs get a made-up, repeatable name.
    - sessions: the SessionStore (session ids, script cookies, challenge seeds, numRnd values).
    """

    handler = _Handler
    thread_name = "sunat-standin"

    DEFENSES = flow.DEFENSES

    def __init__(self, defenses=(), host="127.0.0.1", port=0, firewall=True, captcha_status=200):
        self.defenses = defenses
        self.host = host
        self.port = self._bind_port = port
        self.firewall = firewall
        self.captcha_status = captcha_status
        self.unknown_rucs = {"20000000001"}
        self.names = {}
        self.sessions = SessionStore()
        self.requests = []
        self._requests_lock = threading.Lock()
        self._server = None
        self._thread = None

    @property
    def defenses(self):
        return self._defenses

    @defenses.setter
    def defenses(self, names):
        names = {names} if isinstance(names, str) else set(names or ())
        unknown = names - self.DEFENSES
        if unknown:
            raise ValueError(f"unknown defenses {sorted(unknown)}; known: {sorted(self.DEFENSES)}")
        self._defenses = names

    @property
    def url(self):
        if self._server is None:
            raise RuntimeError("the stand-in is not running")
        return f"http://{self.host}:{self.port}{flow.BASE_PATH}"

    def record(self, method, target, status):
        with self._requests_lock:
            self.requests.append((time.monotonic(), method, target, status))

    def exists(self, number):
        return rucs.is_valid(number) and number not in self.unknown_rucs

    def name_for(self, number, default=None):
        """The name this RUC goes by; the first name a list page gave it sticks."""
        if number not in self.names:
            self.names.setdefault(number, default or rucs.name_for(number))
        return self.names[number]
