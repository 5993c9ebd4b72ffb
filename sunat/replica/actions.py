"""What jcrS00Alias answers, by ``accion``, once a request got past the firewall.

Each accion is one function ``(form, catalog, config) -> Reply``, registered in
ACTIONS; adding getRepLeg or getCantTrab later means adding one function.
"""

from dataclasses import dataclass

from . import templates


@dataclass(frozen=True)
class Reply:
    body: str  # HTML text; the server encodes it to ISO-8859-1
    status: int = 200


def cons_por_ruc(form, catalog, config):
    """accion=consPorRuc: the result page of one RUC."""
    # sunatrecaptcha3.js always fills the token; SUNAT refuses an empty one.
    if not form.get("token") or "nroRuc" not in form:
        return Reply(templates.error_page())
    ruc = form["nroRuc"]
    page = catalog.result_page(ruc, config)
    if page is None:
        return Reply(templates.invalid_ruc_page(ruc))
    if form.get("modo") != "1":
        # Without modo=1 ("modo móvil") SUNAT answers its older table layout.
        return Reply(templates.old_layout_page(ruc, catalog.name_for(ruc)))
    return Reply(page)


ACTIONS = {
    "consPorRuc": cons_por_ruc,
}


def answer_alias(form, *, has_session, catalog, config):
    """The application's answer to a jcrS00Alias POST (a Reply)."""
    if config.require_cookie and not has_session:
        return Reply(templates.error_page())
    action = ACTIONS.get(form.get("accion", ""))
    if action is None:
        # consPorRazonSoc, getRepLeg, getCantTrab...: not replicated yet.
        return Reply(templates.error_page())
    return action(form, catalog, config)
