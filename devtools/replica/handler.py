"""The replica's request handler: routing, SUNAT's pages and simulated trouble; the firewall's
rule is in firewall.py, the captcha in captcha.py, the defenses in defenses.py, the bulk files
(files.py) when the replica has a files_dir."""

import functools
import gzip
import json
import select
import socket
import struct
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from . import actions, firewall, templates
from .captcha import CaptchaMixin
from .control import CONTROL_PREFIX, ControlAPIMixin
from .defenses import Visit
from .files import FilesMixin
from .sessions import COOKIE_NAME

BASE_PATH = "/cl-ti-itmrconsruc/"
FORM_PATH = BASE_PATH + "FrameCriterioBusquedaWeb.jsp"
ALIAS_PATH = BASE_PATH + "jcrS00Alias"
CAPTCHA_PATH = BASE_PATH + "captcha"

# The header is the truth; the pages' own <meta charset="utf-8"> is not.
HTML_CONTENT_TYPE = "text/html; charset=ISO-8859-1"
JSON_CONTENT_TYPE = "application/json"


# The hostile modes' material.
BOGUS_CONTENT_TYPE = "text/html; charset=x-bogus-charset"
HUGE_PAGE_BYTES = 8 * 1024 * 1024
OTHER_RUC, ANOTHER_RUC = "20100070970", "20550263948"  # whose answer "other_ruc" gives instead


@functools.lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """64 MB of spaces, gzipped to about 64 KB."""
    return gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)


def encode_page(text):
    return text.encode("iso-8859-1", errors="xmlcharrefreplace")


class ReplicaRequestHandler(ControlAPIMixin, CaptchaMixin, FilesMixin, BaseHTTPRequestHandler):
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
        elif path == CAPTCHA_PATH:
            self.captcha()
        elif path == ALIAS_PATH:
            self.count("alias_get")
            self.alias_get()
        elif path.startswith(CONTROL_PREFIX):
            self.control("GET", path)
        elif self.serves_file(path):
            self.count("file")
            self.send_file(path)
        else:
            self.count("other")
            self.send_html(404, templates.not_found_page())

    def do_HEAD(self):
        path = urlsplit(self.path).path
        if path.startswith(CONTROL_PREFIX):
            self.send_bytes(404, b"", HTML_CONTENT_TYPE)
        elif self.serves_file(path):
            self.count("file")
            self.send_file(path, head=True)
        else:
            self.count("other")
            self.send_bytes(404, b"", HTML_CONTENT_TYPE)

    def do_POST(self):
        path = urlsplit(self.path).path
        if path == ALIAS_PATH:
            self.alias_post()
        elif path.startswith(CONTROL_PREFIX):
            self.control("POST", path)
        else:
            self.count("other")
            self.read_body()  # drain it so the connection stays usable
            self.send_html(404, templates.not_found_page())

    def count(self, kind):
        """A SUNAT request without a counter of its own: on the stats' timeline only."""
        self.replica.stats_recorder.count_request(kind)

    # -- SUNAT pages --------------------------------------------------------

    def form_page(self):
        self.replica.stats_recorder.count_form_page()
        if self.firewall_rejects():
            return self.send_html(200, templates.rejected_page())
        session = self.replica.sessions.open()
        cookie = f"{COOKIE_NAME}={session.id}; Path=/cl-ti-itmrconsruc; HttpOnly"
        self.send_html(200, templates.form_page(session), headers=[("Set-Cookie", cookie)])

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
        if mode == "other_ruc":
            form = {**form, "nroRuc": OTHER_RUC if form.get("nroRuc") != OTHER_RUC else ANOTHER_RUC}
        elif mode not in ("ok", "bogus_charset"):
            return self.misbehave(mode)

        config = config.snapshot()  # one consistent view for the rest
        cookies = self.cookies()
        visit = Visit(session=self.replica.sessions.get(cookies.get(COOKIE_NAME, "")), cookies=cookies)
        reply = actions.answer_alias(
            form,
            has_session=visit.session is not None,
            catalog=self.replica.catalog,
            config=config,
            visit=visit,
        )
        self.send_html(
            reply.status,
            reply.body,
            keep_open_seconds=config.keep_open_seconds if config.keep_open else None,
            content_type=BOGUS_CONTENT_TYPE if mode == "bogus_charset" else HTML_CONTENT_TYPE,
        )

    def firewall_rejects(self):
        """The F5 rule (firewall.py): Chrome's User-Agent with Chrome's own client hints."""
        return firewall.rejects(self.headers, self.replica.config)

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
        elif mode == "gzip_bomb":
            self.send_bytes(200, gzip_bomb(), HTML_CONTENT_TYPE, headers=[("Content-Encoding", "gzip")])
        elif mode == "huge":
            self.send_bytes(200, b"<html><body><p>" + b"x" * HUGE_PAGE_BYTES, HTML_CONTENT_TYPE)
        elif mode == "redirect":
            location = self.replica.config.redirect_to or "http://127.0.0.1:9/elsewhere"
            self.send_bytes(302, b"", HTML_CONTENT_TYPE, headers=[("Location", location)])
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

    def send_html(self, status, text, headers=(), keep_open_seconds=None, content_type=HTML_CONTENT_TYPE):
        body = encode_page(text)
        if keep_open_seconds is None:
            return self.send_bytes(status, body, content_type, headers)
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
