"""HTTP side of the replica: routing, the firewall, simulated failures, control API.

stdlib only (no Django), so it runs in a pytest thread, as ``python -m
sunat.replica`` or as a subprocess next to gunicorn/nginx.
"""

import json
import select
import socket
import socketserver
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import actions, templates
from .catalog import PAGES_DIR, Catalog
from .config import ReplicaConfig
from .sessions import COOKIE_NAME, SessionStore
from .stats import ReplicaStats

BASE_PATH = "/cl-ti-itmrconsruc/"
FORM_PATH = BASE_PATH + "FrameCriterioBusquedaWeb.jsp"
ALIAS_PATH = BASE_PATH + "jcrS00Alias"
CONTROL_PREFIX = "/__replica__/"

# The header is the truth; the pages' own <meta charset="utf-8"> is not.
HTML_CONTENT_TYPE = "text/html; charset=ISO-8859-1"
JSON_CONTENT_TYPE = "application/json"


def encode_page(text):
    return text.encode("iso-8859-1", errors="xmlcharrefreplace")


class ReplicaRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real server
    # Headers and body go out in separate writes; with Nagle on, every answer would wait
    # for the client's delayed ACK (~40 ms) and the benchmarks would measure that instead.
    disable_nagle_algorithm = True
    server_version = "SUNAT-replica/1.0"
    timeout = 120  # idle keep-alive connections are dropped after this

    @property
    def replica(self):
        return self.server.replica

    def version_string(self):
        return self.server_version  # no Python version in the Server header

    # -- connection bookkeeping (so stop() can close hanging connections) --

    def setup(self):
        super().setup()
        self.server.track(self.connection)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format, *args):
        if self.replica.log_requests:
            super().log_message(format, *args)

    # -- routing ----------------------------------------------------------

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == FORM_PATH:
            self.form_page()
        elif path == ALIAS_PATH:
            self.alias_get()
        elif path.startswith(CONTROL_PREFIX):
            self.control("GET", path)
        else:
            self.send_html(404, templates.not_found_page())

    def do_POST(self):
        path = urlsplit(self.path).path
        if path == ALIAS_PATH:
            self.alias_post()
        elif path.startswith(CONTROL_PREFIX):
            self.control("POST", path)
        else:
            self.read_body()  # drain it so the connection stays usable
            self.send_html(404, templates.not_found_page())

    # -- SUNAT pages --------------------------------------------------------

    def form_page(self):
        self.replica.stats_recorder.count_form_page()
        if self.firewall_rejects():
            return self.send_html(200, templates.rejected_page())
        session_id = self.replica.sessions.issue()
        cookie = f"{COOKIE_NAME}={session_id}; Path=/cl-ti-itmrconsruc; HttpOnly"
        self.send_html(200, templates.form_page(), headers=[("Set-Cookie", cookie)])

    def alias_get(self):
        if self.firewall_rejects():
            return self.send_html(200, templates.rejected_page())
        self.send_html(200, templates.error_page())

    def alias_post(self):
        form = self.read_form()
        self.replica.stats_recorder.count_alias_post(form.get("accion", ""), form.get("nroRuc", ""))
        if self.firewall_rejects():
            return self.send_html(200, templates.rejected_page())

        config = self.replica.config
        if config.latency and self.replica.stopping.wait(config.latency):
            self.close_connection = True  # shutting down: leave without answering
            return
        mode = config.take_mode()
        if mode != "ok":
            return self.misbehave(mode)

        config = config.snapshot()  # one consistent view for the rest
        reply = actions.answer_alias(
            form,
            has_session=self.replica.sessions.is_known(self.cookies().get(COOKIE_NAME, "")),
            catalog=self.replica.catalog,
            config=config,
        )
        self.send_html(
            reply.status,
            reply.body,
            keep_open_seconds=config.keep_open_seconds if config.keep_open else None,
        )

    def firewall_rejects(self):
        """The F5 rule: a Chrome User-Agent must come with Chrome's client hints."""
        if not self.replica.config.check_user_agent:
            return False
        user_agent = self.headers.get("User-Agent", "")
        return "Chrome/" in user_agent and self.headers.get("Sec-CH-UA") is None

    # -- simulated trouble ------------------------------------------------

    def misbehave(self, mode):
        if mode == "reject":
            self.send_html(200, templates.rejected_page())
        elif mode == "error":
            self.send_html(200, templates.error_page())
        elif mode == "http401":
            self.send_bytes(401, b"", HTML_CONTENT_TYPE)
        elif mode == "http503":
            self.send_html(503, templates.http_status_page(503, "Service Unavailable"))
        elif mode == "reset":
            self.reset_connection()
        elif mode == "hang":
            self.close_connection = True
            self.wait_while_client_connected()
        else:  # ReplicaConfig validates modes; this is a bug
            raise ValueError(f"unknown mode {mode!r}")

    def reset_connection(self):
        """Close with SO_LINGER (1, 0): the kernel sends a TCP RST, no answer."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # rfile holds a reference to the socket; close it too or close() is deferred.
        self.rfile.close()
        self.connection.close()

    def wait_while_client_connected(self, timeout=None):
        """Block until the client hangs up, the server stops or ``timeout`` ends."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.replica.stopping.is_set():
            wait = 0.1
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
                if wait <= 0:
                    return
            try:
                readable, _, _ = select.select([self.connection], [], [], wait)
                if readable and not self.connection.recv(4096):
                    return  # EOF: the client gave up
            except (OSError, ValueError):
                return  # the socket was closed under us (server stopping)

    # -- control API (never counted as SUNAT traffic) -----------------------

    def control(self, method, path):
        body = self.read_body() if method == "POST" else b""
        name = path[len(CONTROL_PREFIX):].strip("/")
        replica = self.replica
        if (method, name) == ("GET", "stats"):
            return self.send_json(200, replica.stats())
        if (method, name) == ("GET", "config"):
            return self.send_json(200, replica.config.to_dict())
        if (method, name) == ("POST", "reset"):
            replica.reset_stats()
            return self.send_json(200, replica.stats())
        if (method, name) == ("POST", "config"):
            try:
                changes = json.loads(body or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("expected a JSON object")
                replica.config.update(**changes)
            except ValueError as error:  # json errors are ValueErrors too
                return self.send_json(400, {"error": str(error)})
            return self.send_json(200, replica.config.to_dict())
        self.send_json(404, {"error": f"no control endpoint {method} {path}"})

    # -- request helpers -------------------------------------------------

    def read_body(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def read_form(self):
        """The form-urlencoded body, first value per field (like request.POST.get)."""
        text = self.read_body().decode("iso-8859-1")
        form = {}
        for name, value in parse_qsl(text, keep_blank_values=True, encoding="iso-8859-1"):
            form.setdefault(name, value)
        return form

    def cookies(self):
        jar = {}
        for header in self.headers.get_all("Cookie") or []:
            for part in header.split(";"):
                name, sep, value = part.strip().partition("=")
                if sep:
                    jar.setdefault(name, value)
        return jar

    # -- response helpers --------------------------------------------------

    def send_html(self, status, text, headers=(), keep_open_seconds=None):
        body = encode_page(text)
        if keep_open_seconds is None:
            return self.send_bytes(status, body, HTML_CONTENT_TYPE, headers)
        # The SUNAT quirk: no Content-Length, and the connection stays open
        # after </html>; a client has to stop reading at </html> by itself.
        self.send_response(status)
        self.send_header("Content-Type", HTML_CONTENT_TYPE)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True
        self.wait_while_client_connected(timeout=keep_open_seconds)

    def send_json(self, status, data):
        body = json.dumps(data).encode("utf-8")
        self.send_bytes(status, body, JSON_CONTENT_TYPE)

    def send_bytes(self, status, body, content_type, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class ReplicaHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its open connections, to close them on stop."""

    daemon_threads = True

    def __init__(self, address, replica):
        self.replica = replica
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, ReplicaRequestHandler)

    def server_bind(self):
        # HTTPServer.server_bind calls socket.getfqdn(), a DNS lookup that can
        # stall for seconds on a machine without network. Not needed here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def track(self, connection):
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection):
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self):
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):
        # Clients that give up (timeouts, resets) and stop() are routine here.
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)) or self.replica.stopping.is_set():
            return
        super().handle_error(request, client_address)


class ReplicaServer:
    """A local SUNAT "Consulta RUC" for tests, benchmarks and demos.

        with ReplicaServer() as sunat:
            requests.get(sunat.url + "FrameCriterioBusquedaWeb.jsp")
            sunat.config.mode = "reject"
            sunat.stats()["alias_posts"]
    """

    def __init__(self, host="127.0.0.1", port=0, config=None, *, pages_dir=PAGES_DIR,
                 log_requests=False):
        self.host = host
        self.port = port
        self.config = config if config is not None else ReplicaConfig()
        self.catalog = Catalog(pages_dir)
        self.sessions = SessionStore()
        self.stats_recorder = ReplicaStats()
        self.log_requests = log_requests
        self.stopping = threading.Event()
        self._httpd = None
        self._thread = None

    def start(self):
        if self._httpd is not None:
            raise RuntimeError("replica already started")
        self.stopping.clear()
        self._httpd = ReplicaHTTPServer((self.host, self.port), self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},  # stop() returns within ~0.1 s
            name=f"sunat-replica-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        """Stop promptly, even with hanging or kept-open requests."""
        if self._httpd is None:
            return
        self.stopping.set()  # wakes latency, hang and keep_open waits
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self):
        return self.start() if self._httpd is None else self

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def origin(self):
        """http://host:port, for the /__replica__/ control endpoints."""
        if self._httpd is None:
            raise RuntimeError("replica not started")
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self):
        """Base URL, like https://e-consultaruc.sunat.gob.pe/cl-ti-itmrconsruc/."""
        return self.origin + BASE_PATH

    def stats(self):
        """{"form_page_gets": n, "alias_posts": n (every jcrS00Alias POST),
        "queries": n (consPorRuc POSTs), "by_accion": {accion: n} (sub-pages too),
        "by_ruc": {ruc: n} (consPorRuc only), "lookups": [(monotonic time, ruc), ...]}"""
        return self.stats_recorder.as_dict()

    def reset_stats(self):
        self.stats_recorder.reset()
