"""The stand-in's HTTP server: a ThreadingHTTPServer on 127.0.0.1 in a background thread, and the
state tests set (credentials, token lifetime, the registry of comprobantes, modes)."""

import threading
from collections import Counter

from devtools.background import BackgroundServer, StandinHandler

from . import answers

ACEPTADO, ANULADO, AUTORIZADO, NO_AUTORIZADO = "1", "2", "3", "4"
MODES = frozenset({"ok", "down", "error", "slow"})
HOSTILE = frozenset({None, "garbage", "html", "huge", "redirect", "other", "shape"})


class _Handler(StandinHandler):
    server_version = "nginx"

    def serve(self, method, body):
        standin = self.server.standin
        path = self.path.partition("?")[0]
        standin.count(path)
        reply = answers.answer(standin, method, path, self.headers, body)
        if reply is answers.DROP:
            self.close_connection = True
            return
        self.reply(reply.status, reply.content_type, reply.headers, reply.body)


class CpeStandin(BackgroundServer):
    """SUNAT's token endpoint and validarcomprobante on one free loopback port.

    - token_url, api_url: the two bases (SUNAT_API_TOKEN_URL, SUNAT_API_URL) once started.
    - client_id, client_secret: the credentials it accepts; expires_in: a new token's lifetime (s).
    - tokens: token -> its expiry (time.monotonic()); revoke() forgets them all (a 401 next).
    - comprobantes: filled by add(); emisores: RUC -> (estadoRuc, condDomiRuc), set by add().
    - padded: estadoCp written zero-padded ("0001") instead of "1".
    - mode: "ok", "down" (connection dropped), "error" (HTTP 500), "slow" (`delay` seconds first).
    - hostile: None, or what validarcomprobante answers instead: "garbage" (cut JSON), "html", "huge"
      (8 MB), "redirect", "other" (another comprobante named in the answer), "shape" (wrong types).
    - requests: a Counter of requests per path; token_requests and validations count each kind.
    """

    handler = _Handler
    thread_name = "cpe-standin"

    def __init__(self, client_id="test-85e5b0ae", client_secret="test-Hty/M6Qs+Kw==", expires_in=3600,
                 host="127.0.0.1"):
        self.client_id = client_id
        self.client_secret = client_secret
        self.expires_in = expires_in
        self.host = host
        self.port = None
        self.tokens = {}
        self.comprobantes = {}
        self.emisores = {}
        self.padded = False
        self.mode = "ok"
        self.delay = 2.0
        self.hostile = None
        self.requests = Counter()
        self._lock = threading.Lock()
        self._server = self._thread = None

    @property
    def token_url(self):
        return f"{self._base()}/v1/clientesextranet"

    @property
    def api_url(self):
        return f"{self._base()}/v1/contribuyente/contribuyentes"

    @property
    def token_requests(self):
        return sum(n for path, n in self.requests.items() if answers.TOKEN_PATH.match(path))

    @property
    def validations(self):
        return sum(n for path, n in self.requests.items() if answers.VALIDATE_PATH.match(path))

    def add(self, ruc, code, serie, numero, fecha, monto=None, estado=ACEPTADO, observaciones=(),
            estado_ruc="00", cond_domi="00"):
        """Register a comprobante (fecha YYYY-MM-DD) and its emisor's estado and condición."""
        self.comprobantes[(ruc, code, serie, int(numero))] = {
            "fecha": fecha, "monto": monto, "estado": estado, "observaciones": list(observaciones)}
        self.emisores[ruc] = (estado_ruc, cond_domi)

    def code(self, estado):
        return estado.zfill(4) if self.padded else estado

    def revoke(self):
        self.tokens.clear()

    def count(self, path):
        with self._lock:
            self.requests[path] += 1

    def _base(self):
        if self._server is None:
            raise RuntimeError("the stand-in is not running")
        return f"http://{self.host}:{self.port}"

