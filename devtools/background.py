"""A stand-in's HTTP server in a thread of the test's (or the demo's) own process: a ThreadingHTTPServer on
a loopback port (a free one unless `_bind_port` says which), its handler reaching the stand-in as
`self.server.standin`. The stand-ins of SUNAT (devtools.standin, devtools.tipocambio, devtools.cpe) are
made of it."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class BackgroundServer:
    handler: type[BaseHTTPRequestHandler]
    thread_name = "standin"
    host = "127.0.0.1"
    port: int | None = None
    _bind_port = 0
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def start(self):
        if self._server is None:
            self._server = ThreadingHTTPServer((self.host, self._bind_port), self.handler)
            self._server.daemon_threads = True
            self._server.standin = self
            self.port = self._server.server_address[1]
            self._thread = threading.Thread(target=self._server.serve_forever, name=self.thread_name, daemon=True)
            self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


class StandinHandler(BaseHTTPRequestHandler):
    """What the stand-ins' handlers share: keep-alive with a Content-Length always, no log, the body read
    up to `max_body`; each says what to answer in serve(method, body)."""

    protocol_version = "HTTP/1.1"
    sys_version = ""
    timeout = 30
    max_body = 1024 * 1024

    def log_message(self, format, *args):
        pass

    def version_string(self):
        return self.server_version

    def do_GET(self):
        self.serve("GET", self._body())

    def do_POST(self):
        self.serve("POST", self._body())

    def serve(self, method: str, body: bytes) -> None:
        raise NotImplementedError

    def _body(self) -> bytes:
        try:
            length = min(int(self.headers.get("Content-Length") or 0), self.max_body)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def reply(self, status: int, content_type: str | None, headers, body: bytes) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # a client that stopped reading a huge body
            self.close_connection = True
