"""What the stand-in answers to one request: the firewall, the defenses, then the application.

Checks, in this order (the first that applies answers):
1. "browser_ua": no "Mozilla/5.0" in the User-Agent -> the connection is closed without an answer.
2. Firewall (always on unless Standin.firewall is False): a User-Agent naming Chrome/<major> without a
   Sec-CH-UA header that carries v="<major>" -> 200 "Request Rejected" page.
3. Static files under /a/ (css, js, images) -> empty 200 stand-ins; other unknown paths or methods -> 404.
4. "js": no valid STDJSCHK cookie -> the form page GET answers the interstitial (200); anything else 404.
5. "cookie": a POST to jcrS00Alias without the form page's script cookie for this session -> 404.
6. "numrnd": consPorRuc without a numRnd this session holds (single use) -> 404.
7. The application: consPorRuc needs a non-empty token, or a numRnd the session holds (the older flow
   sends no token), else the error page.
Every 404 carries the same small WebLogic-style "Error 404--Not Found" page.
"""

import re
import secrets
import urllib.parse
from dataclasses import dataclass, field

from . import pages
from . import ruc as rucs
from .sessions import CHALLENGE_COOKIE, CHALLENGE_ROUNDS, SCRIPT_COOKIE, SESSION_COOKIE

BASE_PATH = "/cl-ti-itmrconsruc/"
FORM = "FrameCriterioBusquedaWeb.jsp"
ALIAS = "jcrS00Alias"
CAPTCHA = "captcha"
DEFENSES = frozenset({"numrnd", "cookie", "js", "browser_ua"})
SUB_PAGES = frozenset({"getCantTrab", "getinfHis", "getLocAnex", "getInfoDC", "getInfoOT", "getActPro",
                       "getActCPF", "getReactivaPeru", "getPGarantiaCOVID19", "enviar"})
DROP = None  # answer() returns this when the connection is to be closed without an answer

_CHROME = re.compile(r"Chrome/(\d+)")


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = pages.CONTENT_TYPE
    headers: list = field(default_factory=list)


def not_found():
    return Reply(404, pages.not_found_page())


def parse_cookies(header):
    cookies = {}
    for part in (header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in cookies:
            cookies[name] = value.strip().strip('"')
    return cookies


def parse_form(query, body):
    """The servlet's parameters: query string then body (form-urlencoded, ISO-8859-1), first value each."""
    params = {}
    for text in (query, body.decode("latin-1")):
        for name, value in urllib.parse.parse_qsl(text, keep_blank_values=True, encoding="latin-1"):
            params.setdefault(name, value)
    return params


def inconsistent_chrome(headers):
    """A Chrome User-Agent whose client hints are missing or name another major version."""
    match = _CHROME.search(headers.get("User-Agent", ""))
    if not match:
        return False
    hints = headers.get("Sec-CH-UA", "")
    return f'v="{match.group(1)}"' not in hints


def answer(standin, method, target, headers, body):
    """The Reply for one request, or DROP."""
    defenses = frozenset(standin.defenses)
    if "browser_ua" in defenses and "Mozilla/5.0" not in headers.get("User-Agent", ""):
        return DROP
    if standin.firewall and inconsistent_chrome(headers):
        return Reply(200, pages.rejected_page(secrets.randbelow(9 * 10**18) + 10**18))
    split = urllib.parse.urlsplit(target)
    path = split.path
    if path in (BASE_PATH, BASE_PATH.rstrip("/")) and method == "GET":
        return Reply(302, b"", headers=[("Location", BASE_PATH + FORM)])
    if path.startswith("/a/") and method == "GET":  # the site's static files: empty stand-ins
        return _asset(path)
    route = path[len(BASE_PATH):] if path.startswith(BASE_PATH) else None
    if (route, method) not in {(FORM, "GET"), (ALIAS, "GET"), (ALIAS, "POST"), (CAPTCHA, "GET")}:
        return not_found()

    cookies = parse_cookies(headers.get("Cookie"))
    session = standin.sessions.find(cookies.get(SESSION_COOKIE))
    set_cookies = []
    if session is None:
        session = standin.sessions.create()
        set_cookies.append(("Set-Cookie", f"{SESSION_COOKIE}={session.id}; path=/; HttpOnly"))
    reply = _route(standin, defenses, session, cookies, route, method, split.query, body)
    reply.headers.extend(set_cookies)
    return reply


def _asset(path):
    if path.endswith((".png", ".gif", ".jpg")):
        return Reply(200, pages.CAPTCHA_GIF, content_type="image/gif")
    kinds = {".css": "text/css", ".js": "application/javascript"}
    kind = kinds.get(path[path.rfind("."):])
    return Reply(200, b"", content_type=kind) if kind else not_found()


def _route(standin, defenses, session, cookies, route, method, query, body):
    if "js" in defenses and cookies.get(CHALLENGE_COOKIE) != session.challenge_answer:
        if route == FORM:
            page = pages.challenge_page(session.seed, CHALLENGE_ROUNDS, CHALLENGE_COOKIE)
            return Reply(200, page, headers=[("Cache-Control", "no-store")])
        return not_found()
    if route == FORM:
        return Reply(200, pages.form_page(SCRIPT_COOKIE, session.script_cookie), headers=[("Cache-Control", "no-store")])
    params = parse_form(query, body)
    if route == CAPTCHA:
        return _captcha(standin, session, params)
    if method == "GET":  # jcrS00Alias by GET: what giansalex/peru-consult calls for a session
        return Reply(200, pages.error_page())
    if "cookie" in defenses and cookies.get(SCRIPT_COOKIE) != session.script_cookie:
        return not_found()
    return _alias(standin, defenses, session, params)


def _captcha(standin, session, params):
    nmagic = params.get("nmagic", "")
    if params.get("accion") != "image" or not (nmagic.isdigit() and len(nmagic) <= 18):
        return not_found()
    standin.sessions.issue_numrnd(session, nmagic)
    status = standin.captcha_status
    if status == 200:
        return Reply(200, pages.CAPTCHA_GIF, content_type="image/gif", headers=[("Cache-Control", "no-store")])
    return Reply(status, pages.not_found_page() if status == 404 else pages.error_page())


def _alias(standin, defenses, session, params):
    action = params.get("accion", "")
    if action == "consPorRuc":
        numrnd_ok = standin.sessions.spend_numrnd(session, params.get("numRnd", "").strip())
        if "numrnd" in defenses and not numrnd_ok:
            return not_found()
        if not (params.get("token", "").strip() or numrnd_ok):
            return Reply(200, pages.error_page())
        number = params.get("nroRuc", "").strip()
        if not standin.exists(number):
            return Reply(200, pages.not_valid_page(number))
        return Reply(200, pages.result_page(number, standin.name_for(number)))
    if action == "consPorRazonSoc":
        text = params.get("razSoc", "").strip()
        if not text:
            return Reply(200, pages.error_page())
        suffixes = ("S.A.C.", "E.I.R.L.", "S.R.L.")
        entries = [(number, standin.name_for(number, f"{text.upper()} {suffix}"))
                   for number, suffix in zip(rucs.rucs_for(text), suffixes, strict=False)]
        return Reply(200, pages.list_page(entries, standin.sessions.issue_numrnd(session)))
    if action == "consPorTipdoc":
        document = params.get("nrodoc", "").strip()
        if not (document.isdigit() and len(document) == 8):
            return Reply(200, pages.error_page())
        number = rucs.complete("10" + document)
        entries = [(number, standin.name_for(number))]
        return Reply(200, pages.list_page(entries, standin.sessions.issue_numrnd(session)))
    if action == "getRepLeg" or action in SUB_PAGES:
        number = params.get("nroRuc", "").strip()
        if not standin.exists(number):
            return Reply(200, pages.error_page())
        if action == "getRepLeg":
            return Reply(200, pages.rep_leg_page(number, params.get("desRuc") or standin.name_for(number)))
        return Reply(200, pages.no_information_page())
    return Reply(200, pages.error_page())
