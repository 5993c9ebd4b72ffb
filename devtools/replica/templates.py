"""The pages the replica writes itself (the captured ones live in pages/).

Markup lives in html/*.html as ``string.Template`` files ($name placeholders);
this module fills them. Everything returns ``str``; the server encodes to
ISO-8859-1 like SUNAT.
"""

import html
import random
import secrets
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from string import Template

from . import defenses

HTML_DIR = Path(__file__).resolve().parent / "html"
LIMA = timezone(timedelta(hours=-5), "America/Lima")  # Peru has no DST

ERROR_MESSAGE = "Surgieron problemas al procesar la consulta"
INVALID_RUC_MESSAGE = (
    "El n&uacute;mero de RUC {ruc} consultado no es v&aacute;lido. "
    "Debe verificar el n&uacute;mero y volver a ingresar."
)


@cache
def _template(filename):
    return Template((HTML_DIR / filename).read_text(encoding="utf-8"))


def render(filename, /, **values):
    return _template(filename).substitute(**values)


def now_in_lima():
    return datetime.now(LIMA)


# -- pages around the lookup ----------------------------------------------


def form_page(session):
    """FrameCriterioBusquedaWeb.jsp: the search form with its token and captcha script, and
    the session's two cookie scripts (defenses.py): one literal, one computed."""
    return render(
        "form.html",
        year=now_in_lima().year,
        script_cookie_name=defenses.SCRIPT_COOKIE,
        script_cookie_value=session.script_cookie,
        script_cookie_path=defenses.SCRIPT_COOKIE_PATH,
        challenge_cookie_name=defenses.CHALLENGE_COOKIE,
        challenge_seed=session.challenge_seed,
        challenge_rounds=defenses.CHALLENGE_ROUNDS,
        challenge_multiplier=f"0x{defenses.CHALLENGE_MULTIPLIER:X}",
    )


def error_page(message=ERROR_MESSAGE):
    """SUNAT's application error page (HTTP 200)."""
    return render("error.html", message=message)


def message_page(message):
    """The "Pagina de Mensajes" variant; ``message`` is HTML already."""
    return render("message.html", message=message)


def invalid_ruc_page(ruc):
    """What SUNAT answers for a RUC it does not have, valid check digit or not."""
    return message_page(INVALID_RUC_MESSAGE.format(ruc=html.escape(ruc)))


def rejected_page(support_id=None):
    """The F5 firewall's answer (HTTP 200, tiny page, no SUNAT markup)."""
    if support_id is None:
        support_id = str(secrets.randbelow(10**19)).rjust(19, "1")
    return render("rejected.html", support_id=support_id)


def old_layout_page(ruc, name):
    """The older table layout served without modo=1: not a result page."""
    return render("old_layout.html", ruc=html.escape(ruc), name=html.escape(name))


def http_status_page(status, reason):
    return render("http_status.html", status=status, reason=html.escape(reason))


def not_found_page():
    return render("not_found.html")


# -- result pages ------------------------------------------------------------


def result_document(panel, *, ruc, name, note):
    """Wrap a result panel in the 2025 page's document (head, footer), with the forms of the
    sub-pages that apply to ``ruc``."""
    from devtools.replica import subpages  # they render with this module

    return render(
        "result_document.html",
        note=note.replace("--", "- -"),  # stays a valid HTML comment
        panel=panel,
        forms=subpages.forms_html(ruc, name),
        ruc=html.escape(ruc),
        name=html.escape(name),
        year=now_in_lima().year,
    )


LONG_NAME_PREFIX = "2099"  # synthetic RUCs whose razón social is longer than any column would hold


def synthetic_name(ruc):
    if ruc.startswith(LONG_NAME_PREFIX):
        return f"EMPRESA SINTETICA {ruc} " + "DE NOMBRE MUY LARGO " * 30 + "S.A.C."
    return f"EMPRESA SINTETICA {ruc} S.A.C."


def synthetic_result_page(ruc, now=None):
    """A result page for any valid RUC, same markup as the 2025 company page.

    Everything but the consultation time derives from the RUC, so the same RUC
    always gets the same data.
    """
    now = now or now_in_lima()
    rng = random.Random(ruc)  # str seeds are stable across runs
    inscripcion = datetime(rng.randint(1993, 2020), rng.randint(1, 12), rng.randint(1, 28))
    inicio = inscripcion + timedelta(days=rng.randint(0, 60))
    emisor = inicio + timedelta(days=rng.randint(30, 900))
    name = synthetic_name(ruc)
    panel = render(
        "synthetic_panel.html",
        ruc=ruc,
        name=html.escape(name),
        fecha_inscripcion=f"{inscripcion:%d/%m/%Y}",
        fecha_inicio=f"{inicio:%d/%m/%Y}",
        domicilio=f"AV. JOSE LARCO NRO. {rng.randint(100, 1500)} LIMA - LIMA - MIRAFLORES",
        emisor_desde=f"{emisor:%d/%m/%Y}",
        fecha_consulta=f"{now:%d/%m/%Y %H:%M}",
    )
    note = f"replica: synthetic consPorRuc result for RUC {ruc}, built on the 2025 company page"
    return result_document(panel, ruc=ruc, name=name, note=note)
