"""Values of this process, made anew in each process that uses them: fork-safe without a fork hook.

A gunicorn worker is forked from a master that may have used the cache (its breakers, their locks).
The child must not use a lock another thread of the parent held at fork time (it stays held forever
there), nor wait on the parent's events. Rather than an os.register_at_fork hook, each such value is
kept per process id and made on a process's first use of it. The package stays safe on its own
(any Django project, any forking server) and needs no registry of the service using it, which it may
not import (pyproject.toml's [tool.importlinter]); the service's own state has one
(sunat.process) and nothing to do for this package. The price is an os.getpid() per use, paid
only off the hot path (while the breaker is open, or when it changes state).
"""

import os
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerProcess(Generic[T]):
    def __init__(self, make: Callable[[], T]):
        self._make = make
        self._values: dict[int, T] = {}

    def get(self) -> T:
        pid = os.getpid()
        value = self._values.get(pid)
        if value is None:
            # setdefault is atomic: threads of a new process racing here all get the same value.
            value = self._values.setdefault(pid, self._make())
            for other in list(self._values):  # the parent's, inherited: not this process's to use
                if other != pid:
                    self._values.pop(other, None)
        return value
