"""The replica's sub-pages as the service gets them: from its answer function (as its server
would send them), or over HTTP from a running replica, posted in Latin-1 as a browser posts
the form of an ISO-8859-1 page."""

from urllib.parse import urlencode

import requests

from devtools.replica import ReplicaConfig, ReplicaServer
from devtools.replica.actions import answer_alias
from devtools.replica.catalog import Catalog

CATALOG = Catalog()


def replica_page(accion, ruc, config=None, **form):
    """What the replica answers to a browser submitting the result page's sub-page form."""
    fields = {"accion": accion, "nroRuc": ruc, "desRuc": CATALOG.name_for(ruc), "contexto": "ti-it", "modo": "1"}
    fields.update(form)
    reply = answer_alias(fields, has_session=True, catalog=CATALOG, config=config or ReplicaConfig())
    assert reply.status == 200
    return reply.body


def served_sub_pages(ruc, des_ruc, acciones) -> list[requests.Response]:
    """The sub-pages `acciones` of `ruc`, fetched from a running replica in one session."""
    with ReplicaServer() as sunat, requests.Session() as session:
        session.headers["User-Agent"] = "ruc-service-tests/1.0"
        session.get(sunat.url + "FrameCriterioBusquedaWeb.jsp", timeout=5)
        form = {"contexto": "ti-it", "modo": "1", "nroRuc": ruc, "desRuc": des_ruc}
        return [
            session.post(sunat.url + "jcrS00Alias", timeout=5,
                         headers={"Content-Type": "application/x-www-form-urlencoded"},
                         data=urlencode({"accion": accion, **form}, encoding="iso-8859-1"))
            for accion in acciones
        ]
