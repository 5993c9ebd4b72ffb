"""The stand-in's HTTP server: a ThreadingHTTPServer on 127.0.0.1 in a background thread, and the
state tests set (credentials, token lifetime, the registry of comprobantes, modes)."""

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import answers

ACEPTADO, ANULADO, AUTORIZADO, NO_AUTORIZADO = "1", "2", "3", "4"
MODES = frozenset({"ok", "down", "error", "slow"})
HOSTILE = frozenset({None, "garbage", "html", "huge", "redirect", "other", "shape"})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
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
            length = min(int(self.headers.get("Content-Length") or 0), 1024 * 1024)
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length > 0 else b""
        path = self.path.partition("?")[0]
        standin.count(path)
        reply = answers.answer(standin, method, path, self.headers, body)
        if reply is answers.DROP:
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)


class CpeStandin:
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

    def start(self):
        if self._server is not None:
            return self
        self._server = ThreadingHTTPServer((self.host, 0), _Handler)
        self._server.daemon_threads = True
        self._server.standin = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="cpe-standin", daemon=True)
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
