"""This process's state, one registry: every piece a module keeps for its own process (a thread,
counts not yet written, copies of what it read, locks, a client) registers here once, when its
module is imported, with what to do with it:

- after_fork: in the child, just after os.fork (gunicorn's workers, django-q2's). The parent's
  threads do not exist there, and a lock one of them held stays held forever: the piece starts
  afresh. Nothing is started then: a piece starts on its first use, so never before gunicorn forks.
- stop: on the way out. gunicorn's worker_exit calls stop().
- reset: between tests (tests/conftest.py calls reset() before and after each one), and when one of
  the piece's `settings` changes (Django's setting_changed: override_settings, pytest-django's
  `settings`). A name ending in "*" stands for every setting that starts with it.

Pieces registered `first` are stopped and reset before the others, in registration order otherwise:
the scheduler's jobs count and keep answers, so they are stopped before the counts and answers are
written (stop) or dropped (reset). lazy() registers the common piece: one value made on first use.

os.register_at_fork and setting_changed are connected here and nowhere else of the service
(tests/test_process_state.py reads the source): a new piece of state is one register() or lazy().
This module imports nothing of sunat.
"""

import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.signals import setting_changed

logger = logging.getLogger(__name__)

T = TypeVar("T")
Hook = Callable[[], object]


@dataclass(frozen=True)
class Piece:
    name: str
    after_fork: Hook | None
    stop: Hook | None
    reset: Hook | None
    settings: tuple[str, ...]
    first: bool

    def watches(self, setting: str) -> bool:
        return any(setting.startswith(name[:-1]) if name.endswith("*") else setting == name
                   for name in self.settings)


class Lazy(Generic[T]):
    """One value of this process, made by make() on its first use (never before a fork), and made
    anew after a fork, a reset or a change of its settings (see Registry.lazy)."""

    def __init__(self, make: Callable[[], T]):
        self._make = make
        self._lock = threading.Lock()
        self._value: T | None = None

    def get(self) -> T:
        value = self._value
        if value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._make()
                value = self._value
        return value

    def made(self) -> bool:
        return self._value is not None

    def drop(self) -> T | None:
        """Forget the value (the next get() makes another) and return it, if there was one."""
        with self._lock:
            value, self._value = self._value, None
        return value

    def _after_fork(self) -> None:
        # The parent's value is the parent's: not closed nor stopped here, only forgotten.
        self._lock, self._value = threading.Lock(), None


class Registry:
    def __init__(self):
        self._pieces: dict[str, Piece] = {}
        self.pid = os.getpid()
        self.forked_from: int | None = None

    def register(self, name: str, *, after_fork: Hook | None = None, stop: Hook | None = None,
                 reset: Hook | None = None, settings: Iterable[str] = (), first: bool = False) -> None:
        """Add a piece (or replace the one of that name): each hook is optional."""
        self._pieces[name] = Piece(name, after_fork, stop, reset, tuple(settings), first)

    def lazy(self, name: str, make: Callable[[], T], *, stop: Callable[[T], object] | None = None,
             reset: Callable[[T], object] | None = None, settings: Iterable[str] = (),
             first: bool = False) -> Lazy[T]:
        """A Lazy value registered as a piece: forgotten after a fork; dropped at a reset (or a change
        of its settings), then given to reset() (to close it, say); dropped at stop and given to stop()."""
        held = Lazy(make)

        def dropped_then(call):
            def hook():
                value = held.drop()
                if value is not None and call is not None:
                    call(value)
            return hook

        self.register(name, after_fork=held._after_fork, stop=dropped_then(stop) if stop else None,
                      reset=dropped_then(reset), settings=settings, first=first)
        return held

    def unregister(self, name: str) -> None:
        self._pieces.pop(name, None)

    def names(self) -> list[str]:
        """The pieces' names, in the order they are stopped and reset."""
        return [piece.name for piece in self._in_order()]

    def after_fork(self) -> None:
        self.forked_from, self.pid = self.pid, os.getpid()
        for piece in self._in_order():
            if piece.after_fork is not None:
                self._guarded(piece, "after a fork", piece.after_fork)

    def stop(self) -> None:
        """Stop every piece, each whatever the others did (a process on its way out)."""
        for piece in self._in_order():
            if piece.stop is not None:
                self._guarded(piece, "at stop", piece.stop)

    def reset(self) -> None:
        """Reset every piece; then raise the first error, if any (a test must not run on leftovers)."""
        self._reset(self._in_order())

    def setting_changed(self, *, setting: str, **kwargs) -> None:
        self._reset([piece for piece in self._in_order() if piece.watches(setting)])

    def _in_order(self) -> list[Piece]:
        pieces = list(self._pieces.values())
        return [piece for piece in pieces if piece.first] + [piece for piece in pieces if not piece.first]

    @staticmethod
    def _reset(pieces: list[Piece]) -> None:
        errors = []
        for piece in pieces:
            if piece.reset is not None:
                try:
                    piece.reset()
                except Exception as exc:
                    errors.append(exc)
        if errors:
            raise errors[0]

    @staticmethod
    def _guarded(piece: Piece, when: str, hook: Hook) -> None:
        try:
            hook()
        except Exception:
            logger.exception("this process's %s failed %s", piece.name, when)


_registry = Registry()
register = _registry.register
lazy = _registry.lazy
unregister = _registry.unregister
names = _registry.names
stop = _registry.stop
reset = _registry.reset


def forked_from() -> int | None:
    """The pid of the process this one was forked from (None: not forked since it imported this module)."""
    return _registry.forked_from


def _setting_changed(*, setting, **kwargs) -> None:
    _registry.setting_changed(setting=setting)


os.register_at_fork(after_in_child=_registry.after_fork)
setting_changed.connect(_setting_changed, dispatch_uid="sunat.process")
