"""The stand-in's HTTP server: a ThreadingHTTPServer on 127.0.0.1 in a background thread."""

import json
import threading
import time
from collections import Counter
from datetime import date

from devtools.background import BackgroundServer, StandinHandler

from .rates import last_published, published_days, rate_for

PAGE_PATH = "/cl-at-ittipcam/tcS01Alias"
QUERY_PATH = PAGE_PATH + "/listarTipoCambio"
TXT_PATH = "/a/txt/tipoCambio.txt"
# How a path misbehaves (`mode` for the month query, `txt_mode` for the txt): dropped connection,
# HTTP 500, an answer after `slow_seconds`, and hostile answers (another month's rows, a body far
# over any limit, a redirect, something that is not JSON, [] whatever the token), and the firewall's
# page whatever the headers.
MODES = frozenset({"drop", "error", "slow", "other_month", "huge", "redirect", "garbage", "empty", "rejected"})

_PAGE = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Tipo de Cambio Oficial - SUNAT</title></head>"
         "<body><h1>Consulta de Tipo de Cambio</h1><div id='calendario'></div>"
         "<script src='https://www.google.com/recaptcha/api.js?render=site-key'></script></body></html>")
_REJECTED = ("<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. Please "
             "consult with your administrator.<br><br>Your support ID is: {}<br><br>"
             "<a href='javascript:history.back();'>[Go Back]</a></body></html>")


class _Handler(StandinHandler):
    server_version = "Apache"
    max_body = 64 * 1024

    def serve(self, method, body):
        standin = self.server.standin
        path = self.path.split("?", 1)[0]
        status, content_type, reply, extra = standin.answer(method, path, self.headers, body)
        standin.record(method, path, status)
        if status == 0:
            self.close_connection = True
            return
        self.reply(status, content_type, extra, reply)


class TipoCambioStandin(BackgroundServer):
    """A local SUNAT exchange rate.

    - url: "http://127.0.0.1:PORT/cl-at-ittipcam/tcS01Alias" (SUNAT_TIPO_CAMBIO_URL); txt_url: the txt's.
    - today: the stand-in's date (default: the real one); today_published: whether today's rate is out.
    - mode / txt_mode: None or one of MODES, for the month query / the txt; slow_seconds for "slow".
    - firewall: whether the month query wants a browser's headers (else "Request Rejected").
    - counts: requests per path (PAGE_PATH, QUERY_PATH, TXT_PATH); queries: the (anio, mes) asked.
    """

    handler = _Handler
    thread_name = "tipocambio-standin"

    def __init__(self, today: date | None = None, today_published: bool = True, host: str = "127.0.0.1"):
        self.today = today or date.today()
        self.today_published = today_published
        self.mode = None
        self.txt_mode = None
        self.slow_seconds = 3.0
        self.firewall = True
        self.host = host
        self.port = None
        self.counts = Counter()
        self.queries = []
        self._lock = threading.Lock()
        self._server = self._thread = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{PAGE_PATH}"

    @property
    def txt_url(self) -> str:
        return f"http://{self.host}:{self.port}{TXT_PATH}"

    def count(self, path: str = QUERY_PATH) -> int:
        with self._lock:
            return self.counts[path]

    def record(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.counts[path] += 1


    # Answers ------------------------------------------------------------------------------------

    def answer(self, method, path, headers, body):
        """(status, content type, body, extra headers); status 0: drop the connection."""
        if path == PAGE_PATH and method == "GET":
            return 200, "text/html; charset=UTF-8", _PAGE.encode(), [("Set-Cookie", "ITTIPCAMSESSION=x; Path=/")]
        if path == QUERY_PATH and method == "POST":
            return self._misbehave(self.mode) or self._month(headers, body)
        if path == TXT_PATH and method == "GET":
            return self._misbehave(self.txt_mode) or self._txt()
        return 404, "text/html", b"<html><body>Not Found</body></html>", []

    def _misbehave(self, mode):
        if mode == "drop":
            return 0, "", b"", []
        if mode == "error":
            return 500, "text/html", b"<html><body>Internal Server Error</body></html>", []
        if mode == "slow":
            time.sleep(self.slow_seconds)
        if mode == "redirect":
            return 302, "text/html", b"", [("Location", "http://127.0.0.1:9/elsewhere")]
        if mode == "huge":
            return 200, "application/json", b"[" + b'{"fecPublica":"01/01/2025"},' * 200_000 + b"{}]", []
        if mode == "garbage":
            return 200, "application/json", b'[{"fecPublica": "01/0', []
        if mode == "empty":
            return 200, "application/json", b"[]", []
        if mode == "rejected":
            return 200, "text/html", _REJECTED.format(int(time.time() * 1000) % 10**19).encode(), []
        return None

    def _month(self, headers, body):
        if self.firewall and not _browser_like(headers):
            return 200, "text/html", _REJECTED.format(int(time.time() * 1000) % 10**19).encode(), []
        try:
            asked = json.loads(body)
            year, month, token = int(asked["anio"]), int(asked["mes"]) + 1, asked.get("token")
            date(year, month, 1)
        except (ValueError, TypeError, KeyError):
            return 500, "text/html", b"<html><body>Error</body></html>", []
        with self._lock:
            self.queries.append((year, month - 1))
        if not token:
            return 200, "application/json;charset=UTF-8", b"[]", []
        if self.mode == "other_month":  # the rows of the month before, as if SUNAT mixed answers up
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        rows = []
        for day in published_days(year, month, self.today, self.today_published):
            compra, venta = rate_for(day)
            rows += [{"fecPublica": day.strftime("%d/%m/%Y"), "valTipo": compra, "codTipo": "C"},
                     {"fecPublica": day.strftime("%d/%m/%Y"), "valTipo": venta, "codTipo": "V"}]
        return 200, "application/json;charset=UTF-8", json.dumps(rows).encode(), []

    def _txt(self):
        day = last_published(self.today, self.today_published)
        compra, venta = rate_for(day)
        return 200, "text/plain", f"{day:%d/%m/%Y}|{compra}|{venta}|\n".encode(), []


def _browser_like(headers) -> bool:
    return ("Mozilla/5.0" in (headers.get("User-Agent") or "") and bool(headers.get("Referer"))
            and bool(headers.get("Origin")) and headers.get("X-Requested-With") == "XMLHttpRequest"
            and headers.get("Sec-Fetch-Site") == "same-origin" and headers.get("Sec-Fetch-Mode") == "cors")
