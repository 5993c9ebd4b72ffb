"""The ways of asking SUNAT for a RUC that public clients report ("flows"), cheapest first.

Each flow is one declaration: how a session is opened, where its numRnd comes from, and what a
consPorRuc query posts. The HTTP client (sunat.upstream.clients.http) tries them in the order
sunat.upstream.flows.choice gives; the browser (sunat.upstream.clients.browser) is the last way,
named BROWSER. Sources:
- plain: SUNAT's own form page (../shared/sunat/README.md), what this service always did.
- numrnd-list: giansalex/peru-consult (src/Peru/Sunat/Ruc.php, 2021-2023): a search by name
  (`consPorRazonSoc`, razSoc "BVA FOODS") answers a list page with a hidden numRnd, sent with
  consPorRuc, actReturn=1 and modo=1, as the list page's own form posts it.
- numrnd-captcha: CiaphasC/sunat-ruc-api (SunatClient.cs, CaptchaSolver.cs, 2025-07): the
  cookies the form page's script sets are copied; `captcha?accion=image&nmagic=<1..9998>` (a 401
  or 404 is skipped); consPorRuc with numRnd=nmagic, a 52-character token of 0-9A-N and codigo.
"""

import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass

BROWSER = "browser"  # the real browser's flow: SUNAT's page does what it does

_BASE36 = string.digits + string.ascii_lowercase
_CIAPHASC_TOKEN = string.digits + "ABCDEFGHIJKLMN"
# A search by name whose list is short (peru-consult#43: 16 kB): what numrnd-list asks for.
LIST_SEARCH = "BVA FOODS"


def token(alphabet: str = _BASE36) -> str:
    """The 52-character token SUNAT's page script puts in `token` (nobody verifies it)."""
    return "".join(secrets.choice(alphabet) for _ in range(52))


def nmagic() -> str:
    """The random number a captcha image is asked with (CiaphasC: 1 to 9998)."""
    return str(secrets.randbelow(9998) + 1)


@dataclass(frozen=True)
class Flow:
    name: str
    description: str  # Spanish: sunat_check's table, the admin
    # (ruc, numRnd or None) -> the consPorRuc form.
    ruc_fields: Callable[[str, str | None], dict]
    numrnd_from: str = ""  # "", "list" or "captcha": how a session gets the numRnd its queries carry
    copies_script_cookies: bool = False  # the cookies the form page's script sets go into the jar


def _plain_fields(ruc: str, numrnd: str | None) -> dict:
    return {
        "accion": "consPorRuc", "nroRuc": ruc, "token": token(), "contexto": "ti-it", "modo": "1",
        # What SUNAT's own form sends along; harmless, and it keeps us looking like it.
        "razSoc": "", "nrodoc": "", "search1": ruc, "search2": "", "search3": "", "tipdoc": "1",
        "rbtnTipo": "1", "codigo": "",
    }


def _list_fields(ruc: str, numrnd: str | None) -> dict:
    # The list page's selecXNroRuc form.
    return {"accion": "consPorRuc", "nroRuc": ruc, "numRnd": numrnd or "", "actReturn": "1", "modo": "1"}


def _captcha_fields(ruc: str, numrnd: str | None) -> dict:
    return {"accion": "consPorRuc", "nroRuc": ruc, "token": token(_CIAPHASC_TOKEN), "codigo": "",
            "numRnd": numrnd or "", "contexto": "ti-it", "modo": "1"}


PLAIN = Flow("plain", "formulario y consulta con token aleatorio", _plain_fields)
NUMRND_LIST = Flow("numrnd-list", "numRnd de una página de lista (consPorRazonSoc)", _list_fields, numrnd_from="list")
NUMRND_CAPTCHA = Flow("numrnd-captcha", "numRnd por captcha nmagic, con las cookies del script",
                      _captcha_fields, numrnd_from="captcha", copies_script_cookies=True)

# Cheapest first: the order a walk tries them in.
FLOWS = {flow.name: flow for flow in (PLAIN, NUMRND_LIST, NUMRND_CAPTCHA)}
DESCRIPTIONS = {**{flow.name: flow.description for flow in FLOWS.values()},
                BROWSER: "navegador real (Chromium): la página de SUNAT con sus scripts"}
