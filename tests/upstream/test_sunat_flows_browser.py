"""The default client (SUNAT_CLIENT=auto) against the replica's JavaScript challenge: every HTTP flow
is refused, and the real browser (headless Chromium) answers, within the same deadline."""

import contextlib
import math
import os
import shutil
import time
from itertools import pairwise
from pathlib import Path

import pytest
from django.core.management import call_command

from devtools.replica import DEFENSES, make_ruc
from devtools.servers import wait_until
from sunat.upstream import flow_check
from sunat.upstream.clients.browser_processes import browser_processes
from sunat.upstream.flows import BROWSER, FLOWS, choice

# Chromium is the subject, and it is slow to start: run once, in the first pass of make test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.standalone,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("chromedriver") and not shutil.which("chromium"),
                       reason="Chromium is installed by make system-deps"),
]

WITH_BUTTONS = "20573215045"


def chromium_instances() -> set[int]:
    """This process's browsers now (not another checkout's): its marked chromedrivers, one per browser."""
    mine = [pid for pid, owner in browser_processes().items() if owner == os.getpid()]
    drivers = set()
    for pid in mine:
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/comm").read_text().strip() == "chromedriver":
                drivers.add(pid)
    return drivers


@pytest.fixture
def challenged(replica):
    replica.config.update(**DEFENSES["js"])
    replica.reset_stats()
    return replica


def test_a_javascript_challenge_is_answered_through_the_browser(client, challenged, settings):
    ruc, *batch = [make_ruc(f"2079{n:06d}") for n in range(3)]

    started = time.monotonic()
    single = client.get(f"/api/ruc/{ruc}")
    seconds = time.monotonic() - started

    assert single.status_code == 200 and single.json()["ruc"] == ruc, single.content
    assert seconds < settings.SUNAT_DEADLINE  # the HTTP flows' refusals and the browser, in one budget
    assert choice.in_use()["flow"] == BROWSER
    refused_posts = challenged.stats()["alias_posts"] - 1
    assert refused_posts >= len(FLOWS)  # each HTTP flow was refused once, the browser's query passed

    # The browser stays the choice: no HTTP flow is tried again for the next lookups.
    challenged.reset_stats()
    sub_page = client.get(f"/api/ruc/{WITH_BUTTONS}/representantes")
    assert sub_page.status_code == 200 and sub_page.json()["ruc"] == WITH_BUTTONS
    lote = client.post("/api/ruc/lote", {"rucs": batch}, content_type="application/json")
    assert lote.json()["resumen"] == {"total": 2, "ok": 2, "error": 0, "pendiente": 0}, lote.content
    complete = client.get(f"/api/ruc/{WITH_BUTTONS}/completo")
    assert complete.status_code == 200 and complete.json()["resumen"]["error"] == 0, complete.content
    assert challenged.stats()["list_posts"] == 0 and challenged.stats()["captcha_gets"] >= 1  # the page's own
    # One browser for all of them (one replaced after a slow page ends within moments).
    wait_until(lambda: len(chromium_instances()) == 1, timeout=10, what=f"one browser, not {chromium_instances()}")


def test_sunat_check_accepts_only_the_browser_under_the_challenge(challenged, capsys):
    call_command("sunat_check")

    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[2:3 + len(FLOWS)]}
    assert rows == {**{name: "rechazado" for name in FLOWS}, BROWSER: "aceptado"}
    assert f"En uso: {BROWSER}" in out and choice.in_use()["flow"] == BROWSER
    assert flow_check.last_check().outcomes[-1]["detail"].startswith(flow_check.CHECK_RUC)


def test_the_browser_stays_until_a_probe_finds_http_accepted_again(client, challenged):
    client.get(f"/api/ruc/{make_ruc('2080000000')}")
    assert choice.in_use()["flow"] == BROWSER
    challenged.config.update(**DEFENSES["plain"])

    flow_check.scheduled_check()

    assert choice.in_use()["flow"] == "plain"
    challenged.reset_stats()
    assert client.get(f"/api/ruc/{make_ruc('2080000001')}").status_code == 200
    assert challenged.stats()["captcha_gets"] == 0  # plain HTTP, no browser page


def test_switching_flows_never_bursts_past_the_pacing(client, challenged, settings):
    settings.SUNAT_MIN_INTERVAL = 0.3

    for n in range(2):
        assert client.get(f"/api/ruc/{make_ruc(f'208100000{n}')}").status_code == 200

    # What the browser's page loads by itself (its captcha image, its scripts and styles: "other") is
    # a person's page load; every page and query we ask for is paced.
    times = sorted(t for t, kind in challenged.stats()["timeline"] if kind in ("form", "alias"))
    most_in_a_second = max(sum(1 for t in times if start <= t < start + 1) for start in times)
    assert most_in_a_second <= math.ceil(1 / settings.SUNAT_MIN_INTERVAL) + 1
    # Slots are taken when a request is sent; a busy machine may delay one on its way, never pull one closer
    # by more than scheduling jitter.
    assert min(b - a for a, b in pairwise(times)) >= settings.SUNAT_MIN_INTERVAL * 0.5
