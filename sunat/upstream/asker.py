"""Who asks for SUNAT work and until when: set for each request by sunat.upstream.middleware.

`client` names whoever the fairness limits count: `clave:<id>` for an API key, `ip:<address>`
otherwise. It is worked out only if the request reaches SUNAT (a hit never needs it).
"""

import contextvars
import time
from collections.abc import Callable

from django.conf import settings

LOCAL = "local"  # work started outside a request: the admin shell, a command, a test


class Asker:
    def __init__(self, client: str | Callable[[], str], deadline: float):
        self._client = client
        self.deadline = deadline

    @property
    def client(self) -> str:
        if callable(self._client):
            self._client = self._client()
        return self._client


_current: contextvars.ContextVar[Asker | None] = contextvars.ContextVar("sunat_upstream_asker", default=None)


def current() -> Asker:
    asker = _current.get()
    return asker if asker is not None else Asker(LOCAL, time.monotonic() + settings.SUNAT_DEADLINE)


def begin(client: str | Callable[[], str], deadline: float | None = None) -> contextvars.Token:
    """Make `client` the asker of this thread until end(token); by default for SUNAT_DEADLINE."""
    deadline = time.monotonic() + settings.SUNAT_DEADLINE if deadline is None else deadline
    return _current.set(Asker(client, deadline))


def end(token: contextvars.Token) -> None:
    _current.reset(token)
