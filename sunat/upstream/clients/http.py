"""SUNAT over plain HTTP (requests): the form page for the session cookie, then consPorRuc."""

import codecs
import threading
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from urllib3.exceptions import HTTPError, ReadTimeoutError

from sunat.upstream.clients.base import Section, SunatClient, random_token
from sunat.upstream import throttle
from sunat.exceptions import SunatTimeout, SunatUnavailable, SunatUnreachable

_CHUNK = 16 * 1024
_HTML_END = b"</html>"


class HttpClient(SunatClient):
    name = "http"

    def __init__(self, *args, user_agent=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_agent = user_agent or settings.SUNAT_USER_AGENT
        # requests.Session is not thread-safe, so gthread workers get one per thread; they share
        # one SUNAT session cookie (the jar locks itself), so that a new thread does not cost
        # another paced request for the form page.
        self._local = threading.local()
        self._cookies = requests.cookies.RequestsCookieJar()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update({"User-Agent": self.user_agent, "Accept-Language": "es-PE,es;q=0.9"})
            session.cookies = self._cookies
            self._local.session = session
        return session

    def reset(self) -> None:
        self._cookies.clear()  # the next attempt starts a new SUNAT session
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()
            self._local.session = None

    def fetch_ruc_page(self, ruc: str) -> str:
        return self._query(self._query_fields(ruc))

    def fetch_section_page(self, ruc: str, section: Section, razon_social: str) -> str:
        # What the result page's own form (formRepLeg, formNumTrabajd) posts: no token.
        return self._query(
            {"accion": section.accion, "contexto": "ti-it", "modo": "1", "nroRuc": ruc, "desRuc": razon_social}
        )

    def _query(self, fields: dict) -> str:
        """POST to jcrS00Alias within a session that has SUNAT's cookie."""
        session = self._session()
        if not session.cookies:
            self._request(session.get, self.form_url, query=False)
        return self._request(
            session.post, self.query_url, data=fields, headers={"Referer": self.form_url, "Origin": self._origin()}
        )

    def _request(self, send, url: str, query: bool = True, **kwargs) -> str:
        """One paced request, its body read within the timeout; the failure backoff learns how it went
        (an answer counts only to a query)."""
        throttle.wait_for_turn()
        timeout = self.request_timeout()
        deadline = time.monotonic() + timeout
        try:
            # No redirect is followed: a 3xx is an error page like any other status but 200.
            response = send(url, timeout=timeout, stream=True, allow_redirects=False, **kwargs)
            page = self._read_page(response, deadline)
        except (requests.Timeout, ReadTimeoutError) as exc:
            if timeout >= self.timeout:  # a request cut short by the deadline says nothing of SUNAT
                throttle.failed()
            raise SunatTimeout(f"SUNAT did not answer in {timeout:g}s") from exc
        except (requests.RequestException, HTTPError) as exc:  # refused, reset, cut off mid-body
            throttle.failed()
            what = "reset the connection" if _was_reset(exc) else f"could not be reached ({exc.__class__.__name__})"
            raise SunatUnreachable(f"SUNAT {what}") from exc
        except SunatUnavailable:  # an HTTP error status: SUNAT did answer
            if query:
                throttle.answered()
            raise
        if query:
            throttle.answered()
        return page

    def _origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @staticmethod
    def _query_fields(ruc: str) -> dict:
        return {
            "accion": "consPorRuc",
            "nroRuc": ruc,
            "token": random_token(),
            "contexto": "ti-it",
            "modo": "1",
            # What SUNAT's own form sends along; harmless, and it keeps us looking like it.
            "razSoc": "",
            "nrodoc": "",
            "search1": ruc,
            "search2": "",
            "search3": "",
            "tipdoc": "1",
            "rbtnTipo": "1",
            "codigo": "",
        }

    @staticmethod
    def _read_page(response: requests.Response, deadline: float) -> str:
        """Read the body up to `</html>` (SUNAT sometimes keeps the connection open without a length),
        and never more than SUNAT_MAX_PAGE_BYTES, compressed or not."""
        limit = settings.SUNAT_MAX_PAGE_BYTES
        with response:
            if response.status_code != 200:
                raise SunatUnavailable(f"SUNAT answered HTTP {response.status_code}")
            body = bytearray()
            # read1 returns what has arrived, and decompresses at most _CHUNK bytes of it per call;
            # iter_content would wait for a full chunk or EOF.
            while chunk := response.raw.read1(_CHUNK, decode_content=True):
                body += chunk
                if len(body) > limit or response.raw.tell() > limit:
                    raise SunatUnavailable(f"SUNAT sent a page over {limit} bytes")
                if _HTML_END in body[-(len(chunk) + len(_HTML_END)):].lower():
                    break
                if time.monotonic() > deadline:
                    raise requests.Timeout("SUNAT kept sending past the timeout")
            # The HTTP header is the truth (ISO-8859-1); the page's meta tag claims utf-8. A charset
            # Python does not know is SUNAT's usual one.
            return bytes(body).decode(_known_codec(response.encoding), errors="replace")


def _known_codec(name: str | None) -> str:
    try:
        return codecs.lookup(name).name if name else "iso-8859-1"
    except LookupError:
        return "iso-8859-1"


def _was_reset(exc: BaseException) -> bool:
    """Whether a TCP reset is somewhere in the exception's chain (requests wraps it twice)."""
    seen, pending = set(), [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ConnectionResetError):
            return True
        pending.extend([current.__cause__, current.__context__,
                        *(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))])
    return False
