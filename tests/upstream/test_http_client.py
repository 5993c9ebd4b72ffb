"""The plain HTTP client against the replica, and how pages are interpreted."""


import pytest
from django.core.cache import cache

from sunat.exceptions import RucNotFound, SunatRejected, SunatUnavailable
from sunat.upstream import throttle
from sunat.upstream.clients.base import interpret_ruc_page
from sunat.upstream.clients.http import HttpClient
from tests.support.paths import REPLICA_PAGES

PAGES = REPLICA_PAGES
COMPANY = "20573215045"


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def test_result_page_becomes_data():
    data = interpret_ruc_page(page("consPorRuc_20573215045_company_2025.html"), COMPANY)
    assert data["razonSocial"] == "LEAD WORKING PARTNER SAC"


def test_result_for_another_ruc_is_refused():
    with pytest.raises(SunatUnavailable, match="not 20100070970"):
        interpret_ruc_page(page("consPorRuc_20573215045_company_2025.html"), "20100070970")


@pytest.mark.parametrize(
    "html, error",
    [
        ("<html><body>El n&uacute;mero de RUC 20000000001 consultado no es v&aacute;lido.</body></html>",
         RucNotFound),
        ("<html><head><title>Request Rejected</title></head><body>The requested URL was rejected.</body></html>",
         SunatRejected),
        ("<html><head><title>.:: Pagina de Error ::.</title></head>"
         "<body><p class='error'>Surgieron problemas al procesar la consulta</p></body></html>", SunatUnavailable),
        (page("consPorRazonSoc_list_2021.html"), SunatUnavailable),
        ("", SunatUnavailable),
    ],
)
def test_other_pages_become_the_matching_error(html, error):
    with pytest.raises(error):
        interpret_ruc_page(html, "20000000001")


def test_firewall_rejection_is_not_retryable():
    assert not SunatRejected.retryable and SunatUnavailable.retryable


@pytest.fixture
def client_for(replica):
    return HttpClient(base_url=replica.url, timeout=2, max_attempts=3, backoff=0.01)


def test_session_cookie_is_fetched_once_and_reused(client_for, replica):
    client_for.lookup(COMPANY)
    client_for.lookup("20550263948")

    stats = replica.stats()
    assert stats["form_page_gets"] == 1 and stats["queries"] == 2


def test_a_failure_starts_a_fresh_session(client_for, replica):
    replica.config.update(mode="error", fail_next=1)

    client_for.lookup(COMPANY)

    assert replica.stats()["form_page_gets"] == 2


def test_page_is_decoded_as_iso_8859_1_despite_the_utf8_meta_tag(client_for):
    data = client_for.lookup(COMPANY)
    assert data["actividadesEconomicas"][1]["descripcion"] == "PROGRAMACIÓN INFORMÁTICA"


CHROME_131 = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0.0.0 Safari/537.36")


def test_a_browser_user_agent_comes_with_that_browsers_headers(replica, client_for):
    # The replica's firewall rejects a Chrome User-Agent without Chrome's client hints of the same version.
    chrome = HttpClient(base_url=replica.url, timeout=2, user_agent=CHROME_131)
    assert chrome.lookup(COMPANY)["ruc"] == COMPANY
    assert client_for.lookup("20550263948")["ruc"] == "20550263948"  # and the honest default passes


def test_a_firewall_rejection_starts_the_cooldown(replica, client_for):
    replica.config.update(mode="reject", fail_next=1)
    with pytest.raises(SunatRejected):
        client_for.lookup(COMPANY)
    assert throttle.blocked_for() > 0  # asking again soon would only make the block longer
    cache.delete(throttle.BLOCK_KEY)  # ... which has run out

    assert client_for.lookup(COMPANY)["ruc"] == COMPANY


def test_page_held_open_without_length_is_read_up_to_html_end(replica):
    replica.config.update(keep_open=True, keep_open_seconds=30)
    client = HttpClient(base_url=replica.url, timeout=10, max_attempts=1)
    # Waiting for the server to close would end in SunatTimeout after 10 s.
    assert client.lookup(COMPANY)["ruc"] == COMPANY
