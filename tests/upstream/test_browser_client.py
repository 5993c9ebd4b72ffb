"""The Selenium client driving a real headless Chromium against the replica."""

import os
import signal
from pathlib import Path

import pytest
from django.core.cache import cache

from devtools.replica import PERSON_RUC, ReplicaServer, make_ruc
from devtools.servers import wait_until
from sunat.exceptions import RucNotFound, SunatRejected, SunatTimeout, SunatUnavailable, SunatUnreachable
from sunat.upstream import throttle
from sunat.upstream.clients import SECTIONS
from sunat.upstream.clients.browser import BrowserClient
from sunat.upstream.clients.browser_processes import browser_processes
from sunat.upstream.clients.http import HttpClient

# Does not use the database or cache that `make test` varies: run once, in the first pass.
pytestmark = pytest.mark.standalone

CAPTURED = ["20573215045", "20146806679", "20440374248", "20550263948", "10401510465", PERSON_RUC]
SYNTHETIC = make_ruc("2060000012")


@pytest.fixture(scope="module")
def module_replica():
    with ReplicaServer() as server:
        yield server


@pytest.fixture
def sunat(module_replica):
    module_replica.config.update(mode="ok", fail_next=0, keep_open=False, latency=0)
    return module_replica


@pytest.fixture(scope="module")
def browser(module_replica):
    """One warm browser for the module, as a worker keeps one."""
    client = BrowserClient(base_url=module_replica.url, timeout=10, max_attempts=2, backoff=0.01)
    yield client
    client.close()


def http_client(replica) -> HttpClient:
    return HttpClient(base_url=replica.url, timeout=10, max_attempts=1)


def own_browser_processes() -> list[int]:
    return [pid for pid, owner in browser_processes().items() if owner == os.getpid()]


@pytest.mark.parametrize("ruc", [*CAPTURED, SYNTHETIC])
@pytest.mark.browser
def test_browser_and_http_client_give_the_same_json(browser, sunat, ruc):
    assert browser.lookup(ruc) == http_client(sunat).lookup(ruc)


@pytest.mark.parametrize("section", sorted(SECTIONS))
@pytest.mark.parametrize("ruc", ["20573215045", "10401510465", SYNTHETIC])
@pytest.mark.browser
def test_sections_are_the_same_through_both_clients(browser, sunat, ruc, section):
    name = browser.lookup(ruc)["razonSocial"]
    rows = browser.lookup_section(ruc, SECTIONS[section], name)
    assert rows == http_client(sunat).lookup_section(ruc, SECTIONS[section], name)
    if section in ("representantes", "trabajadores"):
        assert (rows != []) == ruc.startswith("20")  # persons: SUNAT's "no information" page


@pytest.mark.browser
def test_unknown_ruc_is_not_found(browser, sunat):
    with pytest.raises(RucNotFound):
        browser.lookup("20000000001")


@pytest.mark.browser
def test_firewall_page_is_rejected_without_retry(browser, sunat):
    sunat.config.mode = "reject"
    before = sunat.stats()["queries"]
    with pytest.raises(SunatRejected):
        browser.lookup(SYNTHETIC)
    assert sunat.stats()["queries"] == before + 1


@pytest.mark.browser
def test_error_answer_is_unavailable(browser, sunat):
    sunat.config.mode = "http503"
    with pytest.raises(SunatUnavailable):
        browser.lookup(SYNTHETIC)


@pytest.mark.parametrize("section", sorted(SECTIONS))
@pytest.mark.browser
def test_a_sub_page_answered_with_sunats_error_page_is_unavailable_through_both_clients(browser, sunat, section):
    name = browser.lookup(SYNTHETIC)["razonSocial"]
    sunat.config.update(mode="error")  # every jcrS00Alias answer is SUNAT's error page
    for client in (http_client(sunat), browser):
        with pytest.raises(SunatUnavailable, match="error page"):
            client.lookup_section(SYNTHETIC, SECTIONS[section], name)


@pytest.mark.browser
def test_connection_reset_is_unreachable_and_opens_the_short_backoff(browser, sunat):
    sunat.config.mode = "reset"
    with pytest.raises(SunatUnreachable, match="reset"):
        browser.lookup(SYNTHETIC)
    # The short backoff was opened (how much of it is left depends on how long the retry took).
    assert cache.get(throttle.FAILING_KEY)["failures"] >= 1 and throttle.blocked_for() == 0


@pytest.mark.browser
def test_unreachable_sunat_is_unavailable(sunat):
    client = BrowserClient(base_url="http://127.0.0.1:9/cl-ti-itmrconsruc/", timeout=5, max_attempts=1)
    try:
        with pytest.raises(SunatUnavailable, match="could not reach"):
            client.lookup(SYNTHETIC)
    finally:
        client.close()


@pytest.mark.browser
def test_page_held_open_is_still_read(sunat):
    sunat.config.update(keep_open=True, keep_open_seconds=30)
    client = BrowserClient(base_url=sunat.url, timeout=3, max_attempts=1)
    try:
        assert client.lookup(SYNTHETIC)["ruc"] == SYNTHETIC
    finally:
        client.close()


@pytest.mark.browser
def test_hanging_sunat_times_out_and_the_next_lookup_gets_a_fresh_browser(sunat):
    # Long enough for a page on a loaded machine (a slow one would count as a hang, and restart it).
    client = BrowserClient(base_url=sunat.url, timeout=8, max_attempts=1)
    try:
        client.lookup(SYNTHETIC)
        sunat.config.mode = "hang"
        with pytest.raises(SunatTimeout):
            client.lookup(SYNTHETIC)
        sunat.config.mode = "ok"
        assert client.lookup(SYNTHETIC)["ruc"] == SYNTHETIC
        assert client.browsers_started == 2
    finally:
        client.close()


@pytest.mark.browser
def test_browser_is_recycled_after_max_uses(sunat):
    client = BrowserClient(base_url=sunat.url, timeout=10, max_uses=2)
    try:
        for _ in range(3):
            client.lookup(SYNTHETIC)
        assert client.browsers_started == 2
    finally:
        client.close()


@pytest.mark.browser
def test_crashed_browser_is_replaced_and_the_lookup_retried(sunat):
    before = set(own_browser_processes())
    client = BrowserClient(base_url=sunat.url, timeout=10, max_attempts=2, backoff=0.01)
    try:
        client.lookup(SYNTHETIC)
        for pid in set(own_browser_processes()) - before:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if b"chromedriver" not in cmdline.read():
                    os.kill(pid, signal.SIGKILL)  # every Chromium process: what a crash looks like
        assert client.lookup(SYNTHETIC)["ruc"] == SYNTHETIC
        assert client.browsers_started == 2
    finally:
        client.close()


@pytest.mark.browser
def test_close_leaves_no_browser_process(sunat):
    before = set(own_browser_processes())
    client = BrowserClient(base_url=sunat.url, timeout=10)
    client.lookup(SYNTHETIC)
    assert set(own_browser_processes()) - before

    client.close()

    # Killed at once; on a loaded machine the kernel may take a moment to end them.
    wait_until(lambda: not set(own_browser_processes()) - before, timeout=10, what="the browser's processes ending")


def test_missing_driver_is_a_clear_error_and_selenium_manager_is_not_run(sunat, tmp_path):
    manager_cache = Path.home() / ".cache" / "selenium"
    existed = manager_cache.exists()
    client = BrowserClient(base_url=sunat.url, timeout=5, max_attempts=1,
                           chromedriver_path=str(tmp_path / "no-chromedriver"))

    with pytest.raises(SunatUnavailable, match="cannot start the browser"):
        client.lookup(SYNTHETIC)

    assert manager_cache.exists() == existed
