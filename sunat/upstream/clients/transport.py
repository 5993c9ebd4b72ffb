"""One request to SUNAT over plain HTTP: paced, within its timeout, read in bounded memory, and
told to the failure backoff (sunat.upstream.throttle), in the pacing lane of the host it goes to.

Pages (html=True) are read up to `</html>`; JSON answers (SUNAT's REST API) to their end."""

import codecs
import time
from dataclasses import dataclass

import requests
from django.conf import settings
from urllib3.exceptions import HTTPError, ReadTimeoutError

from sunat.exceptions import SunatTimeout, SunatUnavailable, SunatUnreachable
from sunat.upstream import throttle

_CHUNK = 16 * 1024
_HTML_END = b"</html>"


@dataclass(frozen=True)
class Answer:
    status: int
    text: str  # the body of a 200 ("" for any other status: never read)


def request(send, url: str, timeout: float, full_timeout: float, query: bool, *,
            lane: throttle.Lane = throttle.RUC, html: bool = True, **kwargs) -> Answer:
    """send(url, ...) once its pacing turn comes; `timeout` is this request's (the deadline may have
    cut it below `full_timeout`, SUNAT_TIMEOUT). Whatever the status, SUNAT answered: the failure
    backoff ends, if `query` (a firewall that resets queries still serves the form page)."""
    throttle.wait_for_turn(lane)
    deadline = time.monotonic() + timeout
    try:
        # No redirect is followed: a 3xx is an answer like any other status but 200.
        response = send(url, timeout=timeout, stream=True, allow_redirects=False, **kwargs)
        answer = _read(response, deadline, html)
    except (requests.Timeout, ReadTimeoutError) as exc:
        if timeout >= full_timeout:  # a request cut short by the deadline says nothing of SUNAT
            throttle.failed(lane)
        raise SunatTimeout(f"SUNAT did not answer in {timeout:g}s") from exc
    except (requests.RequestException, HTTPError) as exc:  # refused, reset, cut off mid-body
        throttle.failed(lane)
        what = "reset the connection" if _was_reset(exc) else f"could not be reached ({exc.__class__.__name__})"
        raise SunatUnreachable(f"SUNAT {what}") from exc
    except SunatUnavailable:  # a page over the limit: SUNAT did answer
        if query:
            throttle.answered(lane)
        raise
    if query:
        throttle.answered(lane)
    return answer


def _read(response: requests.Response, deadline: float, html: bool = True) -> Answer:
    """Read the body up to `</html>` (SUNAT sometimes keeps the connection open without a length),
    or to its end for JSON, and never more than SUNAT_MAX_PAGE_BYTES, compressed or not."""
    limit = settings.SUNAT_MAX_PAGE_BYTES
    with response:
        if response.status_code != 200:
            return Answer(response.status_code, "")
        body = bytearray()
        # read1 returns what has arrived, and decompresses at most _CHUNK bytes of it per call;
        # iter_content would wait for a full chunk or EOF.
        while chunk := response.raw.read1(_CHUNK, decode_content=True):
            body += chunk
            if len(body) > limit or response.raw.tell() > limit:
                raise SunatUnavailable(f"SUNAT sent a page over {limit} bytes")
            if html and _HTML_END in body[-(len(chunk) + len(_HTML_END)):].lower():
                break
            if time.monotonic() > deadline:
                raise requests.Timeout("SUNAT kept sending past the timeout")
        # The HTTP header is the truth (ISO-8859-1); the page's meta tag claims utf-8. A charset
        # Python does not know is SUNAT's usual one. JSON without a charset is UTF-8 (RFC 8259).
        if not html and not response.encoding:
            return Answer(200, bytes(body).decode("utf-8", errors="replace"))
        return Answer(200, bytes(body).decode(_known_codec(response.encoding), errors="replace"))


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
