"""What the flows read from SUNAT's pages (sunat.upstream.parser.session) and the headers they send
(sunat.upstream.clients.headers): on the captured pages and the replica's own."""


import pytest

from sunat.upstream.clients.headers import profile
from sunat.upstream.parser.session import is_search_form, numrnd, script_cookies
from tests.support.paths import REPLICA_PAGES, SHARED_SUNAT

pytestmark = pytest.mark.standalone  # neither the database nor the cache

CAPTURED = SHARED_SUNAT / "pages"


def captured(name: str) -> str:
    path = CAPTURED / name if (CAPTURED / name).exists() else REPLICA_PAGES / name
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name, value", [("consPorRazonSoc_list_2021.html", "1436372347"),
                                         ("consPorRazonSoc_list_redacted_2026.html", "1413385332")])
def test_numrnd_comes_from_the_list_pages_hidden_input(name, value):
    page = captured(name)
    assert numrnd(page) == value


def test_a_result_page_carries_no_numrnd():
    # Its forms carry an empty one.
    assert numrnd(captured("consPorRuc_20573215045_company_2025.html")) is None
    assert numrnd("") is None and numrnd("<html><input name='numRnd' value='abc'></html>") is None


def test_cookies_set_by_a_literal_script_string_are_found():
    page = """<script>document.cookie="f5avr_session_=abc123; path=/cl-ti-itmrconsruc";</script>
    <script>document.cookie = 'second=x-y_z';
    document.cookie="TS01a7c4e2=" + x.toString(16) + "; path=/";</script>"""
    assert script_cookies(page) == [("f5avr_session_", "abc123", "/cl-ti-itmrconsruc"), ("second", "x-y_z", "/")]


def test_a_computed_cookie_is_not_taken_for_a_literal_one():
    assert script_cookies('document.cookie = "TS01=" + answer + "; path=/";') == []
    assert script_cookies('document.cookie = "bad name=1";') == []


def test_the_search_form_is_told_from_a_result_and_a_list():
    from devtools.replica import templates
    from devtools.replica.sessions import Session

    form = templates.form_page(Session("id"))
    assert is_search_form(form)
    assert [name for name, _, _ in script_cookies(form)] == ["f5avraaaaaaaaaaaaaaaa_session_"]  # not the TS01 one
    for name in ("consPorRuc_20573215045_company_2025.html", "consPorRazonSoc_list_redacted_2026.html",
                 "consPorRuc_20146806679_2021.html"):
        assert not is_search_form(captured(name)), name  # they link to the form, they are not it


CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def test_a_chrome_user_agent_gets_chromes_whole_consistent_set():
    headers = profile(CHROME).document(referer="https://x/form", origin="https://x", same_site=True)
    assert '"Chromium";v="131"' in headers["Sec-CH-UA"] and '"Google Chrome";v="131"' in headers["Sec-CH-UA"]
    assert headers["Sec-CH-UA-Platform"] == '"Linux"' and headers["Sec-CH-UA-Mobile"] == "?0"
    assert (headers["Sec-Fetch-Site"], headers["Sec-Fetch-Mode"], headers["Sec-Fetch-Dest"]) == (
        "same-origin", "navigate", "document")
    assert headers["Referer"] == "https://x/form" and headers["Origin"] == "https://x"
    assert profile(CHROME).document()["Sec-Fetch-Site"] == "none"  # typed in: the form page
    image = profile(CHROME).image(referer="https://x/form")
    assert (image["Sec-Fetch-Dest"], image["Sec-Fetch-Mode"]) == ("image", "no-cors")
    assert image["Accept"].startswith("image/")


def test_firefox_sends_no_client_hints_and_an_honest_agent_nothing_a_browser_adds():
    firefox = profile(FIREFOX).document()
    assert "Sec-CH-UA" not in firefox and firefox["Sec-Fetch-Mode"] == "navigate"
    honest = profile("ruc-lookup-service/1.0").document(referer="https://x/form", origin="https://x")
    assert set(honest) == {"User-Agent", "Accept-Language", "Referer", "Origin"}
