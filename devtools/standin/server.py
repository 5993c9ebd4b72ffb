"""The stand-in's HTTP server: a ThreadingHTTPServer on 127.0.0.1 in a background thread."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import flow
from . import ruc as rucs
from .sessions import SessionStore


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, always with Content-Length
    server_version = "Oracle-Application-Server-11g"
    sys_version = ""
    timeout = 30

    def log_message(self, format, *args):
        pass

    def version_string(self):
        return self.server_version

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def _serve(self, method):
        standin = self.server.standin
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length > 0 else b""
        reply = flow.answer(standin, method, self.path, self.headers, body)
        if reply is flow.DROP:
            self.close_connection = True
            standin.record(method, self.path, 0)
            return
        self.send_response(reply.status)
        if reply.body or reply.status != 302:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)
        standin.record(method, self.path, reply.status)


class Standin:
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

    def start(self):
        if self._server is not None:
            return self
        self._server = ThreadingHTTPServer((self.host, self._bind_port), _Handler)
        self._server.daemon_threads = True
        self._server.standin = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="sunat-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

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
