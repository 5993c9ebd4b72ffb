"""The defenses public clients report in front of jcrS00Alias, each a ReplicaConfig switch
(config.DEFENSES names presets). None was checked live; the sources:

- giansalex/peru-consult (to 2023-12): ``consPorRuc`` carries the ``numRnd`` of a
  ``consPorRazonSoc`` list page (the captured pages/consPorRazonSoc_list_redacted_2026.html
  still has one), with ``actReturn=1`` and no token: ``require_numrnd`` (listing.py).
- CiaphasC/sunat-ruc-api (2025-07): copies the cookies the form page's script sets
  (``document.cookie="NAME=value; ..."``) and registers ``numRnd`` through
  ``captcha?accion=image&nmagic=<n>`` (captcha.py): ``require_script_cookie``, ``require_numrnd``.
- crafter-research/sunat-cli (2024-2026): raw POSTs without numRnd get HTTP 404; it drives a
  real browser. So refusals here are 404s, and ``js_challenge`` (an F5/TSPD-style cookie that
  the form page's script computes) is passed by a browser only.

The form page always carries both scripts, a hidden numRnd and the captcha <img> (html/form.html),
so a browser passes every switch by itself. Checked after the firewall and the session rule, in
this order: script cookie, challenge cookie, numRnd (consPorRuc only: the sub-page forms of the
result page post no numRnd).
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from .sessions import Session

# Set by the form page's script with a literal string (an F5 Advanced WAF style name).
SCRIPT_COOKIE = "f5avraaaaaaaaaaaaaaaa_session_"
SCRIPT_COOKIE_PATH = "/cl-ti-itmrconsruc"
# Computed by the form page's script (F5 TSPD style name: TS01 + hex).
CHALLENGE_COOKIE = "TS01a7c4e2"
# Tens of thousands of rounds: nothing for a browser, too slow to hide a literal value in.
CHALLENGE_ROUNDS = 50_000
CHALLENGE_MULTIPLIER = 0x2C1B3C6D  # odd, so the multiplication loses nothing mod 2**32
_MASK = 0xFFFFFFFF


@dataclass(frozen=True)
class Visit:
    """Who posts to jcrS00Alias: their session (None if unknown) and cookies, and whether
    their consPorRuc carries a numRnd issued to that session (set by screen())."""

    session: Session | None = None
    cookies: Mapping[str, str] = field(default_factory=dict)
    numrnd_ok: bool = False


def challenge_answer(seed, rounds=CHALLENGE_ROUNDS):
    """What html/form.html's challenge script computes from ``seed``, as hex (toString(16)).

    JavaScript's int32 operators (Math.imul, <<, ^, >>> 0) are arithmetic mod 2**32 here.
    """
    x = seed & _MASK
    for i in range(rounds):
        x = ((x ^ (x >> 15)) * CHALLENGE_MULTIPLIER + i) & _MASK
        x = (x ^ ((x << 7) & _MASK) ^ (x >> 11)) & _MASK
    return format(x, "x")


def challenge_value(session):
    """The session's right challenge cookie value (computed once, on first need)."""
    if session.challenge_answer is None:
        # Two threads may both compute it: same result, no harm.
        session.challenge_answer = challenge_answer(session.challenge_seed)
    return session.challenge_answer


def screen(form, visit, config):
    """The visit with ``numrnd_ok`` filled in, or None: refuse the POST (HTTP 404)."""
    session, cookies = visit.session, visit.cookies
    if config.require_script_cookie and (session is None or cookies.get(SCRIPT_COOKIE) != session.script_cookie):
        return None
    if config.js_challenge and (session is None or cookies.get(CHALLENGE_COOKIE) != challenge_value(session)):
        return None
    if form.get("accion") != "consPorRuc":
        return visit
    numrnd_ok = session is not None and session.take_numrnd(
        form.get("numRnd"), consume=config.numrnd_single_use
    )
    if config.require_numrnd and not numrnd_ok:
        return None
    return dataclasses.replace(visit, numrnd_ok=numrnd_ok)
