"""Runtime behaviour of the replica: one mutable, thread-safe settings object.

Tests flip these switches while the server runs (``server.config.mode = "reject"``),
and a replica in another process gets them through ``POST /__replica__/config``.
Every assignment is validated, so a typo fails loudly instead of silently
testing nothing.

The defenses SUNAT is reported to have (defenses.py names the sources) are switches too,
all off by default; DEFENSES names presets of them for tests and the CLI (--defense js).
Each preset sets every defense switch, so one call also undoes the previous preset:

    sunat.config.update(**DEFENSES["js"])      # only the JavaScript challenge
    sunat.config.update(**DEFENSES["plain"])   # none again
"""

import dataclasses
import threading
from collections.abc import Iterable
from dataclasses import dataclass

# How a jcrS00Alias request is answered.
MODES = ("ok", "reject", "error", "http401", "http503", "reset", "hang",
         # A lying or broken upstream (issue 15): the normal page under an unknown charset, a gzip
         # bomb, a page of 8 MB, a redirect elsewhere, the answer for another RUC.
         "bogus_charset", "gzip_bomb", "huge", "redirect", "other_ruc")
# Fields holding sets of RUCs (frozensets here, sorted lists in JSON).
RUC_SET_FIELDS = ("not_found", "no_subpage_info")
DEFENSE_FIELDS = ("require_numrnd", "numrnd_single_use", "require_script_cookie", "js_challenge")
BOOL_FIELDS = ("keep_open", "synthetic", "require_cookie", "check_user_agent", *DEFENSE_FIELDS)


def _preset(**switched_on):
    # Every preset names every switch, so applying one also turns the others off.
    return {name: switched_on.get(name, False) for name in DEFENSE_FIELDS}


# Presets of the defense switches: ReplicaConfig().update(**DEFENSES[name]).
DEFENSES = {
    "plain": _preset(),  # none of them: the replica as before
    "numrnd": _preset(require_numrnd=True),
    "numrnd_once": _preset(require_numrnd=True, numrnd_single_use=True),  # the client must renew it
    "cookie": _preset(require_script_cookie=True),
    "js": _preset(js_challenge=True),
    "all": _preset(require_numrnd=True, require_script_cookie=True, js_challenge=True),
}


@dataclass
class ReplicaConfig:
    # Seconds to wait before answering a jcrS00Alias request.
    latency: float = 0.0
    # "ok" answers normally; the others simulate SUNAT/firewall trouble (see MODES).
    mode: str = "ok"
    # > 0: only the next N jcrS00Alias requests get ``mode``, then mode goes back
    # to "ok". 0: ``mode`` applies to every request.
    fail_next: int = 0
    # SUNAT quirk: no Content-Length, connection held open after </html>.
    keep_open: bool = False
    keep_open_seconds: float = 30.0
    # Valid RUCs that are not captured get a generated result page.
    synthetic: bool = True
    # RUCs with a valid check digit that SUNAT does not know.
    not_found: frozenset = frozenset({"20000000001"})
    # Existing RUCs whose getRepLeg / getCantTrab pages say "no information"
    # (persons, RUC 10..., always do).
    no_subpage_info: frozenset = frozenset()
    # jcrS00Alias demands the session cookie issued by the form page.
    require_cookie: bool = True
    # Firewall rule: a Chrome User-Agent without Sec-CH-UA is rejected.
    check_user_agent: bool = True
    # Where mode "redirect" sends the client ("": a closed port on loopback).
    redirect_to: str = ""
    # The reported defenses (defenses.py); a refused jcrS00Alias POST gets HTTP 404.
    # consPorRuc needs a numRnd issued to the session (list page or captcha nmagic).
    require_numrnd: bool = False
    # ...and each numRnd is good for one consPorRuc only.
    numrnd_single_use: bool = False
    # jcrS00Alias needs the cookie the form page's script sets with a literal string.
    require_script_cookie: bool = False
    # jcrS00Alias needs the cookie the form page's script computes (only a browser has it).
    js_challenge: bool = False

    # -- validation -------------------------------------------------------

    def __setattr__(self, name, value):
        value = _validate(name, value)
        lock = self.__dict__.get("_lock")
        if lock is None:  # still inside the generated __init__
            object.__setattr__(self, name, value)
            return
        with lock:
            object.__setattr__(self, name, value)

    def __post_init__(self):
        # RLock: take_mode() assigns fields while holding it.
        object.__setattr__(self, "_lock", threading.RLock())

    # -- public helpers ---------------------------------------------------

    @classmethod
    def field_names(cls):
        return tuple(f.name for f in dataclasses.fields(cls))

    def update(self, **changes):
        """Validate every change first, then apply them all at once."""
        unknown = sorted(set(changes) - set(self.field_names()))
        if unknown:
            raise ValueError(f"unknown config field(s): {', '.join(unknown)}")
        validated = {name: _validate(name, value) for name, value in changes.items()}
        with self._lock:
            for name, value in validated.items():
                object.__setattr__(self, name, value)
        return self

    def snapshot(self):
        """A consistent, independent copy (read once per request)."""
        with self._lock:
            return dataclasses.replace(self)

    def to_dict(self):
        with self._lock:
            data = {name: getattr(self, name) for name in self.field_names()}
        for name in RUC_SET_FIELDS:
            data[name] = sorted(data[name])
        return data

    def take_mode(self):
        """The mode for one jcrS00Alias request, consuming ``fail_next``."""
        with self._lock:
            if self.fail_next <= 0:
                return self.mode
            mode = self.mode
            self.fail_next -= 1
            if self.fail_next == 0:
                # The N failures are spent: answer normally from now on.
                self.mode = "ok"
            return mode


def _validate(name, value):
    if name in ("latency", "keep_open_seconds"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{name} must be a number >= 0, got {value!r}")
        return float(value)
    if name == "mode":
        if value not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}; got {value!r}")
        return value
    if name == "fail_next":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"fail_next must be an int >= 0, got {value!r}")
        return value
    if name in BOOL_FIELDS:
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false, got {value!r}")
        return value
    if name == "redirect_to":
        if not isinstance(value, str):
            raise ValueError(f"redirect_to must be a URL string, got {value!r}")
        return value
    if name in RUC_SET_FIELDS:
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise ValueError(f"{name} must be a list of RUCs, got {value!r}")
        rucs = frozenset(value)
        if not all(isinstance(ruc, str) for ruc in rucs):
            raise ValueError(f"{name} must hold RUCs as strings")
        return rucs
    raise AttributeError(f"ReplicaConfig has no field {name!r}")
