"""Request ids on log lines: the request's id (nginx's X-Request-ID, or a new one) is kept for the
thread that serves it, and every log line written meanwhile carries it (request_id in JSON)."""

import contextvars
import logging
import re
import uuid

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# What a request id from outside may look like (nginx's $request_id is 32 hex digits); anything
# else is replaced, so that a client cannot write into our logs.
_VALID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_for(header: str | None) -> str:
    """The request's id: the X-Request-ID it came with, when it is a plausible one, or a new one."""
    if header and _VALID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def begin(request_id: str) -> contextvars.Token:
    return _request_id.set(request_id)


def end(token: contextvars.Token) -> None:
    _request_id.reset(token)


def current() -> str | None:
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on each record written while it is served (JSON: request_id;
    plain text: the [id] after the level, [-] outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a 4xx or 5xx answer (django.request) after the middlewares are done: the
        # request it passes along carries the id.
        request_id = _request_id.get() or getattr(getattr(record, "request", None), "request_id", None)
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str) -> str:
    """`text` with its control characters (a decoded %0A in a path) escaped: one line stays one line."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
