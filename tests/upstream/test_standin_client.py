"""The default client (SUNAT_CLIENT=auto) against devtools/standin: a SUNAT stand-in written apart
from the project's replica, from the same public reports only, with its own choices where they are
silent (single-use numRnds, a JavaScript interstitial that reloads the form page, dropped
connections for non-browser User-Agents). What passes here does not depend on the replica's
reading of the reports."""

import shutil

import pytest
from django.test import Client

from devtools.replica import make_ruc
from devtools.standin import Standin
from sunat.models import SunatCheck
from sunat.upstream import flow_check
from sunat.upstream.flows import BROWSER, choice

pytestmark = [
    pytest.mark.standalone,  # Chromium for the JavaScript challenge: once, in the first pass
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("chromedriver"), reason="Chromium is installed by make system-deps"),
]

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/141.0.0.0 Safari/537.36")


@pytest.fixture
def standin(settings):
    with Standin() as sunat:
        settings.SUNAT_BASE_URL = sunat.url
        yield sunat


@pytest.mark.parametrize("defenses, flow", [
    ((), "plain"),
    (("numrnd",), "numrnd-list"),
    (("cookie",), "numrnd-captcha"),
    (("numrnd", "cookie"), "numrnd-captcha"),
    (("js",), BROWSER),
    (("numrnd", "cookie", "js"), BROWSER),
])
@pytest.mark.browser
@pytest.mark.slow
def test_every_defense_is_answered_right_through_the_api(client, standin, defenses, flow):
    standin.defenses = set(defenses)
    ruc, *batch = [make_ruc(f"2091{len(defenses)}{n:05d}") for n in range(3)]

    single = client.get(f"/api/ruc/{ruc}")
    assert single.status_code == 200 and single.json()["ruc"] == ruc, single.content
    assert choice.in_use()["flow"] == flow

    representantes = client.get(f"/api/ruc/{ruc}/representantes")
    assert representantes.status_code == 200, representantes.content
    assert representantes.json()["representantes"][0]["nombre"]
    lote = client.post("/api/ruc/lote", {"rucs": batch}, content_type="application/json")
    assert lote.json()["resumen"] == {"total": 2, "ok": 2, "error": 0, "pendiente": 0}, lote.content
    complete = client.get(f"/api/ruc/{ruc}/completo")
    assert complete.status_code == 200 and complete.json()["secciones"]["representantes"]["estado"] == "ok"
    # The stand-in answers the other sub-pages with a generic error page ("No se encontró información
    # para la consulta realizada."), which names no subject: the parsers take only a message that
    # names the page's subject for "no information", so those are errors, never an empty answer.
    others = [entry for name, entry in complete.json()["secciones"].items() if name != "representantes"]
    assert all(entry["estado"] in ("ok", "error", "pendiente") for entry in others)  # the browser retries them
    assert all(entry["error"] == "sunat_no_disponible" for entry in others if entry["estado"] == "error")
    # A sub-page's error page is not SUNAT refusing the flow.
    assert choice.in_use()["flow"] == flow and choice.nothing_works() is None
    assert client.get("/health").json()["status"] == "ok"


@pytest.mark.browser
def test_a_sunat_that_drops_non_browser_clients_is_found_out_by_the_check(client, standin, settings):
    standin.defenses = {"browser_ua"}
    settings.SUNAT_FAILURE_BACKOFF = 0.2

    # The honest User-Agent is dropped: no answer at all, which is an outage as far as a lookup knows.
    assert client.get(f"/api/ruc/{make_ruc('2092000000')}").status_code == 503

    outcomes = {outcome.flow: outcome.result for outcome in flow_check.check(make_ruc("2092000001"))}
    assert outcomes == {"plain": "falló", "numrnd-list": "falló", "numrnd-captcha": "falló", BROWSER: "aceptado"}

    # Another process (a web worker, without Redis) learns it from the stored check.
    choice.forget()
    assert SunatCheck.objects.count() == 1
    answer = Client().get(f"/api/ruc/{make_ruc('2092000002')}")
    assert answer.status_code == 200 and choice.in_use()["flow"] == BROWSER


def test_a_browser_user_agent_passes_by_plain_http(client, standin, settings):
    standin.defenses = {"browser_ua", "numrnd", "cookie"}
    settings.SUNAT_USER_AGENT = CHROME

    assert client.get(f"/api/ruc/{make_ruc('2093000000')}").status_code == 200
    assert choice.in_use()["flow"] == "numrnd-captcha"
