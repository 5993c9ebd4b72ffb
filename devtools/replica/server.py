"""The replica's HTTP server and ReplicaServer, its start/stop lifecycle in a thread.

stdlib only (no Django), so it runs in a pytest thread, as ``python -m
devtools.replica`` or as a subprocess next to gunicorn/nginx. The request handler is in
handler.py, the /__replica__/ control API in control.py, SUNAT's daily bulk files (files_dir)
in files.py.
"""

import socket
import socketserver
import sys
import threading
from http.server import ThreadingHTTPServer

from .catalog import PAGES_DIR, Catalog
from .config import ReplicaConfig
from .control import CONTROL_PREFIX
from .files import FILE_PATHS
from .handler import (
    ALIAS_PATH,
    BASE_PATH,
    CAPTCHA_PATH,
    FORM_PATH,
    HTML_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    ReplicaRequestHandler,
    encode_page,
)
from .sessions import SessionStore
from .stats import ReplicaStats

__all__ = [
    "ALIAS_PATH",
    "BASE_PATH",
    "CAPTCHA_PATH",
    "CONTROL_PREFIX",
    "FILE_PATHS",
    "FORM_PATH",
    "HTML_CONTENT_TYPE",
    "JSON_CONTENT_TYPE",
    "ReplicaHTTPServer",
    "ReplicaRequestHandler",
    "ReplicaServer",
    "encode_page",
]


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
            sunat.config.update(**DEFENSES["numrnd"])  # SUNAT's reported defenses (defenses.py)
            sunat.stats()["alias_posts"]

    With ``files_dir``, it also serves SUNAT's daily bulk files from that directory, under
    SUNAT's paths (files.FILE_PATHS: padron_reducido_ruc.zip, AgenRet_TXT.zip...), with
    Content-Length, Last-Modified (the file's mtime), an ETag, and 304 to a conditional GET of
    an unchanged file; ``file_url(name)`` is the URL of one of them:

        with ReplicaServer(files_dir=tmp_path) as sunat:
            settings.PADRON_URL = sunat.file_url("padron_reducido_ruc.zip")
    """

    def __init__(self, host="127.0.0.1", port=0, config=None, *, pages_dir=PAGES_DIR,
                 log_requests=False, files_dir=None):
        self.host = host
        self.port = port
        self.config = config if config is not None else ReplicaConfig()
        self.catalog = Catalog(pages_dir)
        self.sessions = SessionStore()
        self.stats_recorder = ReplicaStats()
        self.log_requests = log_requests
        self.files_dir = files_dir
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

    def file_url(self, name):
        """The URL of bulk file `name` (as in files_dir), at SUNAT's path for it."""
        path = next((path for path, file in FILE_PATHS.items() if file == name), None)
        if path is None:
            raise ValueError(f"SUNAT publishes no file {name!r}; known: {', '.join(FILE_PATHS.values())}")
        return self.origin + path

    def stats(self):
        """{"form_page_gets": n, "captcha_gets": n (captcha?accion=image... GETs),
        "alias_posts": n (every jcrS00Alias POST), "list_posts": n (consPorRazonSoc POSTs),
        "queries": n (consPorRuc POSTs), "by_accion": {accion: n} (sub-pages too),
        "by_ruc": {ruc: n} (consPorRuc only), "lookups": [(monotonic time, ruc), ...],
        "timeline": [(monotonic time, kind), ...] (every SUNAT request, never /__replica__/;
        kind: "form", "captcha", "alias" (POST), "alias_get", "file", "other")}

        Everything is counted on arrival, refused or not."""
        return self.stats_recorder.as_dict()

    def reset_stats(self):
        self.stats_recorder.reset()
