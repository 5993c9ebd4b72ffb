"""What jcrS00Alias answers, by ``accion``, once a request got past the firewall.

Each accion is one function ``(form, catalog, config) -> Reply``, registered in
ACTIONS; replicating another accion means adding one function.
"""

from dataclasses import dataclass

from . import subpages, templates


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


def get_rep_leg(form, catalog, config):
    """accion=getRepLeg: the legal representatives (the result page's formRepLeg)."""
    refusal = _refuse_sub_page(form, catalog, config)
    if refusal is not None:
        return refusal
    ruc = form["nroRuc"]
    rows = subpages.representatives(ruc) if _has_sub_page_rows(ruc, config) else []
    return Reply(templates.rep_leg_page(ruc, _des_ruc(form, catalog), rows))


def get_cant_trab(form, catalog, config):
    """accion=getCantTrab: workers per period (the result page's formNumTrabajd)."""
    refusal = _refuse_sub_page(form, catalog, config)
    if refusal is not None:
        return refusal
    ruc = form["nroRuc"]
    rows = subpages.worker_periods(ruc) if _has_sub_page_rows(ruc, config) else []
    return Reply(templates.cant_trab_page(ruc, _des_ruc(form, catalog), rows))


def _refuse_sub_page(form, catalog, config):
    """SUNAT's answer when a sub-page request cannot be served, else None.

    No token: the real sub-page forms carry none.
    """
    if "nroRuc" not in form:
        return Reply(templates.error_page())
    ruc = form["nroRuc"]
    if not catalog.exists(ruc, config):
        return Reply(templates.invalid_ruc_page(ruc))
    if form.get("modo") != "1":
        # The older (non modo=1) layout of the sub-pages is not replicated.
        return Reply(templates.error_page())
    return None


def _has_sub_page_rows(ruc, config):
    return subpages.has_rows(ruc) and ruc not in config.no_subpage_info


def _des_ruc(form, catalog):
    # The page titles the RUC with the name the form posted (desRuc), as the
    # result page's forms send it; clients that leave it empty get the known name.
    return form.get("desRuc", "").strip() or catalog.name_for(form["nroRuc"])


ACTIONS = {
    "consPorRuc": cons_por_ruc,
    "getRepLeg": get_rep_leg,
    "getCantTrab": get_cant_trab,
}


def answer_alias(form, *, has_session, catalog, config):
    """The application's answer to a jcrS00Alias POST (a Reply)."""
    if config.require_cookie and not has_session:
        return Reply(templates.error_page())
    action = ACTIONS.get(form.get("accion", ""))
    if action is None:
        # consPorRazonSoc, getinfHis, getLocAnex...: not replicated yet.
        return Reply(templates.error_page())
    return action(form, catalog, config)
