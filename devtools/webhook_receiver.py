"""Webhook receivers on loopback for the tests and benchmarks: a real HTTP server that records what it
is sent, and a dead one that takes connections and never answers."""

import contextlib
import json
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Receiver:
    """An HTTP receiver on 127.0.0.1: records each POST (with `at`, its time.monotonic()), answers
    `statuses` in turn (then 200)."""

    def __init__(self, port: int | None = None, hold_first: float = 0.0, tls: tuple[str, str] | None = None,
                 hold_each: float = 0.0):
        self.port = port or 0  # 0: a port the system picks when it binds, read back then
        self.received: list[dict] = []
        self.statuses: list[int] = []
        self.extra_headers: dict = {}
        self.hold_first = hold_first  # seconds the first POST is held before its answer (a slow receiver)
        self.hold_each = hold_each  # seconds every POST is held (a receiver that takes its time)
        self.tls = tls  # (certificate, key) files: an https receiver
        self._server = None

    @property
    def url(self) -> str:
        return f"{'https://localhost' if self.tls else 'http://127.0.0.1'}:{self.port}/avisos"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body, "at": time.monotonic()})
                if len(receiver.received) == 1 and receiver.hold_first:
                    time.sleep(receiver.hold_first)
                time.sleep(receiver.hold_each)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def events(self) -> list[dict]:
        return [json.loads(item["body"]) for item in self.received]


class Silent:
    """A dead receiver on 127.0.0.1: takes each connection and never reads or answers it, so
    every attempt to it lasts the sender's whole time limit. `connections`: how many it took."""

    def __init__(self):
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/avisos"
        self.connections = 0
        self._held: list[socket.socket] = []
        threading.Thread(target=self._take, daemon=True).start()

    def _take(self):
        while True:
            try:
                connection, _ = self._sock.accept()
            except OSError:  # stopped
                return
            self.connections += 1
            self._held.append(connection)  # open and unanswered until stop()

    def stop(self):
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # on Linux this, not close(), wakes the accept()
        self._sock.close()
        for connection in self._held:
            connection.close()


def make_tls_files(directory, host_name: str = "localhost") -> tuple[str, str, str]:
    """A CA and a certificate for `host_name` signed by it, with openssl: (ca.pem, cert.pem, key.pem)."""
    directory = Path(directory)
    ca_key, ca, key, request, cert = (directory / name for name in ("ca.key", "ca.pem", "cert.key", "cert.csr",
                                                                   "cert.pem"))
    extensions = directory / "ext.cnf"
    extensions.write_text(f"subjectAltName=DNS:{host_name}\n")
    for command in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2",
         "-subj", "/CN=Receptor de pruebas CA"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", request, "-subj", f"/CN={host_name}"],
        ["x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "2",
         "-extfile", extensions],
    ):
        subprocess.run(["openssl", *map(str, command)], check=True, capture_output=True)
    return str(ca), str(cert), str(key)
