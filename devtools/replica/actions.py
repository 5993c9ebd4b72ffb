"""What jcrS00Alias answers, by ``accion``, once a request got past the firewall.

Each accion is one function ``(form, catalog, config, visit) -> Reply``, registered in
ACTIONS (``visit``: defenses.Visit, the poster's session and cookies); each sub-page is one
module of subpages/, registered there. The defenses (defenses.py) screen every POST first.
"""

from dataclasses import dataclass

from . import defenses, listing, subpages, templates


@dataclass(frozen=True)
class Reply:
    body: str  # HTML text; the server encodes it to ISO-8859-1
    status: int = 200


def cons_por_ruc(form, catalog, config, visit):
    """accion=consPorRuc: the result page of one RUC."""
    # sunatrecaptcha3.js always fills the token; SUNAT refuses an empty one. The list page's
    # form posts none: its numRnd (issued to the session) stands in for it.
    if not (form.get("token") or visit.numrnd_ok) or "nroRuc" not in form:
        return Reply(templates.error_page())
    ruc = form["nroRuc"]
    page = catalog.result_page(ruc, config)
    if page is None:
        return Reply(templates.invalid_ruc_page(ruc))
    if form.get("modo") != "1":
        # Without modo=1 ("modo móvil") SUNAT answers its older table layout.
        return Reply(templates.old_layout_page(ruc, catalog.name_for(ruc)))
    return Reply(page)


def sub_page_action(page):
    """The accion of one sub-page (subpages.PAGES): its page for the RUC posted."""

    def answer(form, catalog, config, visit):
        refusal = _refuse_sub_page(form, catalog, config)
        if refusal is not None:
            return refusal
        ruc = form["nroRuc"]
        return Reply(page.render(ruc, _des_ruc(form, catalog), config, offered=catalog.offers(ruc, page)))

    answer.__doc__ = f"accion={page.accion}: the result page's {page.form}."
    return answer


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


def _des_ruc(form, catalog):
    # The page titles the RUC with the name the form posted (desRuc), as the
    # result page's forms send it; clients that leave it empty get the known name.
    return form.get("desRuc", "").strip() or catalog.name_for(form["nroRuc"])


def cons_por_razon_soc(form, catalog, config, visit):
    """accion=consPorRazonSoc: the list page of a search by name, with a fresh numRnd."""
    query = " ".join(form.get("razSoc", "").split())
    if not query:
        return Reply(templates.error_page())
    numrnd = listing.new_numrnd()
    if visit.session is not None:
        visit.session.add_numrnd(numrnd)
    return Reply(listing.list_page(query, catalog, config, numrnd))


ACTIONS = {
    "consPorRuc": cons_por_ruc,
    "consPorRazonSoc": cons_por_razon_soc,
    **{page.accion: sub_page_action(page) for page in subpages.PAGES},
}


def answer_alias(form, *, has_session, catalog, config, visit=None):
    """The application's answer to a jcrS00Alias POST (a Reply)."""
    if config.require_cookie and not has_session:
        return Reply(templates.error_page())
    visit = defenses.screen(form, visit or defenses.Visit(), config)
    if visit is None:
        # What crafter-research/sunat-cli reports for a POST SUNAT does not take.
        return Reply(templates.not_found_page(), status=404)
    action = ACTIONS.get(form.get("accion", ""))
    if action is None:
        # consPorTipdoc and the rest: not replicated yet.
        return Reply(templates.error_page())
    return action(form, catalog, config, visit)
