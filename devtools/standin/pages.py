"""The stand-in's pages, as ISO-8859-1 bytes.

The result and list pages are the captured pages in ../shared/sunat/pages/ (copied into
templates/, capture notes dropped, their comment-only scripts replaced by working vanilla JS);
the form page, the JS interstitial and the small error/message pages are this stand-in's own.
"""

import base64
import datetime
import html
import pathlib
import string

from . import ruc as rucs

CHARSET = "ISO-8859-1"
CONTENT_TYPE = f"text/html; charset={CHARSET}"
LIMA = datetime.timezone(datetime.timedelta(hours=-5))

_TEMPLATES = pathlib.Path(__file__).with_name("templates")


def _template(name):
    return (_TEMPLATES / name).read_text(encoding="utf-8")


_RESULT = _template("result_company_2025.html")
_LIST = _template("list_2026.html")
_FORM = string.Template(_template("form.html"))
_CHALLENGE = string.Template(_template("challenge.html"))

_LIST_ENTRY = """
									<a href="#" class="list-group-item clearfix aRucs" data-ruc="{ruc}">
									    <h4 class="list-group-item-heading">RUC: {ruc}</h4>
									    <h4 class="list-group-item-heading">{name}</h4>
									    <p class="list-group-item-text">Ubicación: LIMA</p>
									    <p class="list-group-item-text">Estado: <strong><span class="text-success">ACTIVO</span></strong></p>
									    <span class="glyphicon glyphicon-chevron-right pull-right" aria-hidden="true"></span>
									  </a>"""

_SMALL_PAGE = """<!DOCTYPE html>
<html lang="es">
<head>
    <meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">
    <title>{title}</title>
</head>
<body>
    <div class="container">
        <div class="row">
            <div class="col-md-12">
                <div><h1>Consulta RUC</h1></div>
                {body}
                <div class="text-center"><a href="FrameCriterioBusquedaWeb.jsp" class="btn btn-danger">Volver</a></div>
            </div>
        </div>
    </div>
</body>
</html>
"""


def encode(text):
    """ISO-8859-1 bytes, as SUNAT serves; characters outside Latin-1 become character references."""
    return text.encode(CHARSET, errors="xmlcharrefreplace")


def _now():
    return datetime.datetime.now(LIMA).strftime("%d/%m/%Y %H:%M")


def form_page(cookie_name, cookie_value):
    return encode(_FORM.substitute(ts_name=cookie_name, ts_value=cookie_value))


def challenge_page(seed, rounds, cookie_name):
    return encode(_CHALLENGE.substitute(seed=seed, rounds=rounds, cookie_name=cookie_name))


def result_page(ruc, name):
    """The captured 2025 company page with this RUC and name."""
    page = _RESULT.replace(rucs.TEMPLATE_RUC, ruc).replace(rucs.TEMPLATE_NAME, html.escape(name))
    page = page.replace("Fecha consulta: 05/03/2025 11:01", f"Fecha consulta: {_now()}")
    if not ruc.startswith("20"):
        page = page.replace(">SOCIEDAD ANONIMA CERRADA<", ">PERSONA NATURAL CON NEGOCIO<")
    return encode(page)


def list_page(entries, numrnd):
    """The captured 2026 list page with these (ruc, name) entries and this numRnd."""
    start = _LIST.index('\n									<a href="#"')
    end = _LIST.index("</a>", start) + len("</a>")
    items = "".join(_LIST_ENTRY.format(ruc=ruc, name=html.escape(name)) for ruc, name in entries)
    page = _LIST[:start] + items + _LIST[end:]
    page = page.replace('name="numRnd" value="1413385332"', f'name="numRnd" value="{numrnd}"')
    page = page.replace("Fecha consulta: 08/01/2026 16:09", f"Fecha consulta: {_now()}")
    return encode(page)


def error_page(message="Surgieron problemas al procesar la consulta"):
    body = f'<p class="error">{html.escape(message)}</p>'
    return encode(_SMALL_PAGE.format(title=".:: Pagina de Error ::.", body=body))


def message_page(message):
    body = f'<p class="error">{html.escape(message)}</p>'
    return encode(_SMALL_PAGE.format(title=".:: Pagina de Mensajes ::.", body=body))


def not_valid_page(ruc):
    return message_page(f"El número de RUC {ruc} consultado no es válido. "
                        "Debe verificar el número y volver a ingresar.")


def no_information_page():
    return message_page("No se encontró información para la consulta realizada.")


def rep_leg_page(ruc, name):
    """Legal representatives: Documento | Nro. Documento | Nombre | Cargo | Fecha Desde."""
    rows = []
    for index, charge in enumerate(("GERENTE GENERAL", "APODERADO")):
        dni = str(int(ruc[2:10]) * 7 + index * 1_234_567)[-8:].rjust(8, "4")
        person = html.escape(rucs.person_name(f"{ruc}|{index}"))
        rows.append(f"<tr><td>DNI</td><td>{dni}</td><td>{person}</td><td>{charge}</td>"
                    f"<td>{'05/02/2014' if index == 0 else '17/08/2019'}</td></tr>")
    heading = f"Representantes Legales de {ruc} - {html.escape(name)}"
    body = f"""<div class="panel panel-primary">
                    <div class="panel-heading">{heading}</div>
                    <table class="table">
                        <thead><tr><th>Documento</th><th>Nro. Documento</th><th>Nombre</th><th>Cargo</th><th>Fecha Desde</th></tr></thead>
                        <tbody>
                        {"".join(rows)}
                        </tbody>
                    </table>
                    <div class="panel-footer text-center"><small>Fecha consulta: {_now()}</small></div>
                </div>"""
    return encode(_SMALL_PAGE.format(title=f"SUNAT - Representantes Legales - {ruc}", body=body))


def rejected_page(support_id):
    """The firewall's page (F5 style)."""
    return encode("<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. "
                  "Please consult with your administrator.<br><br>Your support ID is: "
                  f"{support_id}<br><br><a href='javascript:history.back();'>[Go Back]</a></body></html>")


def not_found_page():
    """What every refusal answers with HTTP 404 (WebLogic's plain 404 page)."""
    return encode("<html><head><title>Error 404--Not Found</title></head><body>"
                  "<h2>Error 404--Not Found</h2></body></html>")


# A 1x1 GIF for the captcha image.
CAPTCHA_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
