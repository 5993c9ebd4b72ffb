"""One webhook POST, bounded in every way: to an address of the URL's host checked now and pinned
(DNS rebinding), TLS verified against the URL's host name, no redirect followed, ATTEMPT_SECONDS
for all of it (connect, TLS, request, the answer's headers and its first READ_LIMIT bytes) however
slowly the receiver trickles, and nothing more of the answer read.

The TLS contexts (one per CA bundle) are a piece of this process's state (sunat.process): made
anew after a fork, between tests and when WEBHOOK_CA_BUNDLE changes (a test's bundle file may be
rewritten in place)."""

import contextlib
import http.client
import socket
import ssl
import threading
import time
from urllib.parse import urlsplit

import certifi
from django.conf import settings

from sunat import process
from sunat.watch import webhooks

ATTEMPT_SECONDS = 10.0
CONNECT_SECONDS = 3.0
READ_LIMIT = 4096
_contexts: process.Lazy[dict[str, ssl.SSLContext]] = process.lazy("webhook TLS contexts", dict,
                                                                   settings=["WEBHOOK_CA_BUNDLE"])


def post(url: str, body: bytes, headers: dict) -> int:
    """The receiver's HTTP status; InvalidWebhook (the URL may not be used now) or OSError /
    http.client.HTTPException (no answer in time, a broken one)."""
    parts = urlsplit(url)
    addresses = webhooks.check_url(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    deadline = time.monotonic() + ATTEMPT_SECONDS
    raw = _connect(addresses, port, deadline)
    # A receiver that sends a byte every few seconds never trips a per-read timeout: this one ends it.
    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _abort, [raw])
    watchdog.daemon = True
    watchdog.start()
    sock = raw
    try:
        if https:
            sock = _tls().wrap_socket(raw, server_hostname=parts.hostname)
        connection = http.client.HTTPConnection(parts.hostname, port)  # the Host header: the URL's host
        connection.sock = sock
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(READ_LIMIT)  # a receiver's long answer is not ours to keep
        return response.status
    finally:
        watchdog.cancel()
        sock.close()


def _connect(addresses: list[str], port: int, deadline: float) -> socket.socket:
    """A connection to the first address that answers, in the resolver's order."""
    error = None
    for address in addresses:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            sock = socket.create_connection((address, port), timeout=min(CONNECT_SECONDS, left))
        except OSError as exc:
            error = exc
            continue
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        return sock
    raise error or TimeoutError("sin tiempo para conectar")


def _tls() -> ssl.SSLContext:
    """Verifying certificates against WEBHOOK_CA_BUNDLE (a closed network's own CA), else certifi's."""
    bundle = settings.WEBHOOK_CA_BUNDLE or certifi.where()
    contexts = _contexts.get()
    if bundle not in contexts:
        contexts[bundle] = ssl.create_default_context(cafile=bundle)
    return contexts[bundle]


def _abort(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
