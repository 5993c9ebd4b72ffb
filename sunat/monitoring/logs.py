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
    """Puts the current request's id on each record (the JSON formatter writes it as request_id)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = _request_id.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True
