"""The default client (SUNAT_CLIENT=auto) against each defense of the replica that HTTP can pass:
which flow answers, what it costs, what is remembered, and what happens when every flow is refused.
The JavaScript challenge, passed by the browser only, is in test_sunat_flows_browser.py."""

import math
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.test import Client

from devtools.replica import DEFENSES, make_ruc
from sunat.upstream import flow_check
from sunat.upstream.flows import FLOWS, choice

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads

# What answers under each defense: the cheapest flow that passes it.
EXPECTED_FLOW = {"plain": "plain", "numrnd": "numrnd-list", "numrnd_once": "numrnd-list", "cookie": "numrnd-captcha"}
WITH_BUTTONS = "20573215045"  # a captured company whose ficha offers sub-pages (representantes among them)


def cold(prefix: str, count: int) -> list[str]:
    return [make_ruc(f"{prefix}{n:06d}") for n in range(count)]


@pytest.fixture
def defended(replica):
    def defend(mode):
        replica.config.update(**DEFENSES[mode])
        replica.reset_stats()
        return replica
    return defend


def test_the_default_client_is_auto(settings):
    from config.settings import base

    assert base.SUNAT_CLIENT == "auto" and settings.SUNAT_CLIENT == "auto"


@pytest.mark.parametrize("mode", list(EXPECTED_FLOW))
def test_each_defense_is_answered_right_through_the_api(client, defended, mode):
    replica = defended(mode)
    ruc, *batch = cold("2070", 3)

    single = client.get(f"/api/ruc/{ruc}")
    assert single.status_code == 200 and single["X-Cache"] == "MISS", single.content
    assert single.json()["ruc"] == ruc and single.json()["razonSocial"]
    assert choice.in_use()["flow"] == EXPECTED_FLOW[mode]

    sub_page = client.get(f"/api/ruc/{WITH_BUTTONS}/representantes")
    assert sub_page.status_code == 200 and sub_page.json()["ruc"] == WITH_BUTTONS

    lote = client.post("/api/ruc/lote", {"rucs": batch}, content_type="application/json")
    assert lote.json()["resumen"] == {"total": 2, "ok": 2, "error": 0, "pendiente": 0}
    assert [lote.json()["resultados"][r]["datos"]["ruc"] for r in batch] == batch

    complete = client.get(f"/api/ruc/{WITH_BUTTONS}/completo")
    assert complete.status_code == 200 and complete.json()["resumen"]["error"] == 0, complete.content
    assert choice.in_use()["flow"] == EXPECTED_FLOW[mode]
    assert replica.stats()["by_accion"].get("consPorRuc", 0) >= 4


def test_the_plain_mode_costs_what_it_always_cost(client, defended):
    replica = defended("plain")
    rucs = cold("2071", 4)

    for ruc in rucs:
        assert client.get(f"/api/ruc/{ruc}").status_code == 200

    stats = replica.stats()
    # The form page once per session, then one query per new RUC; no list page, no captcha.
    assert (stats["form_page_gets"], stats["queries"], stats["alias_posts"]) == (1, 4, 4)
    assert (stats["list_posts"], stats["captcha_gets"]) == (0, 0)


def test_the_flow_that_worked_is_tried_first_and_its_numrnd_reused(client, defended):
    replica = defended("numrnd")
    first, *others = cold("2072", 4)
    client.get(f"/api/ruc/{first}")
    replica.reset_stats()

    for ruc in others:
        assert client.get(f"/api/ruc/{ruc}").status_code == 200

    stats = replica.stats()
    # No plain query refused again, no new session, no new list page: one query per RUC.
    assert (stats["form_page_gets"], stats["list_posts"], stats["queries"]) == (0, 0, 3)


def test_a_numrnd_good_for_one_query_is_learned(client, defended):
    replica = defended("numrnd_once")
    first, second, *others = cold("2073", 5)
    client.get(f"/api/ruc/{first}")
    client.get(f"/api/ruc/{second}")  # reuses the numRnd: refused, new session, learned
    replica.reset_stats()

    for ruc in others:
        assert client.get(f"/api/ruc/{ruc}").status_code == 200

    stats = replica.stats()
    assert (stats["form_page_gets"], stats["list_posts"], stats["queries"]) == (0, 3, 3)


def test_the_cheaper_flows_are_tried_again_once_the_choice_is_old(client, defended, settings):
    replica = defended("cookie")
    client.get(f"/api/ruc/{cold('2074', 1)[0]}")
    assert choice.in_use()["flow"] == "numrnd-captcha"
    replica.config.update(**DEFENSES["plain"])  # SUNAT dropped its defenses

    client.get(f"/api/ruc/{make_ruc('2074000001')}")
    assert choice.in_use()["flow"] == "numrnd-captcha"  # not yet time to try the cheaper ones
    settings.SUNAT_FLOW_RECHECK_MINUTES = 0
    client.get(f"/api/ruc/{make_ruc('2074000002')}")
    assert choice.in_use()["flow"] == "plain"


def test_the_choice_is_shared_through_the_cache(client, defended):
    defended("numrnd")
    client.get(f"/api/ruc/{cold('2075', 1)[0]}")
    # Another process (or instance) reads the same cache entry: with Redis, one choice for all.
    from django.core.cache import cache

    from sunat import caching

    assert cache.get(caching.FLOW)["flow"] == "numrnd-list"


def test_when_every_http_flow_is_refused_http_alone_answers_503_and_health_says_why(client, defended, settings):
    settings.SUNAT_CLIENT = "http"
    settings.SUNAT_FLOW_RETRY = 60
    replica = defended("js")
    ruc, later = cold("2076", 2)

    refused = client.get(f"/api/ruc/{ruc}")
    assert refused.status_code == 503 and refused.json()["error"] == "sunat_no_disponible"
    health = client.get("/health").json()
    assert health["status"] == "degraded" and health["sunat"]["flow"] is None
    assert [reason["code"] for reason in health["reasons"]] == ["sunat_sin_flujo"]
    asked = replica.stats()["alias_posts"]

    # Within SUNAT_FLOW_RETRY nobody walks the flows again: an answer at once, nothing sent.
    again = client.get(f"/api/ruc/{later}")
    assert again.status_code == 503 and int(again["Retry-After"]) > 0
    assert replica.stats()["alias_posts"] == asked

    replica.config.update(**DEFENSES["plain"])
    settings.SUNAT_FLOW_RETRY = 0
    assert client.get(f"/api/ruc/{later}").status_code == 200
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["sunat"]["flow"] == "plain" and "reasons" not in health
    assert health["sunat"]["lastAnswer"]


@pytest.mark.slow
def test_refused_flows_never_burst_past_the_pacing(client, defended, settings):
    settings.SUNAT_CLIENT = "http"
    settings.SUNAT_MIN_INTERVAL = 0.2
    settings.SUNAT_FLOW_RETRY = 0  # every lookup walks every flow: the worst case for the firewall
    replica = defended("js")
    rucs = cold("2077", 4)

    with ThreadPoolExecutor(4) as pool:  # a test client each: it keeps cookies
        statuses = list(pool.map(lambda ruc: Client().get(f"/api/ruc/{ruc}").status_code, rucs))

    assert set(statuses) == {503}
    times = sorted(t for t, _ in replica.stats()["timeline"])
    assert len(times) >= 6  # the flows were walked
    most_in_a_second = max(sum(1 for t in times if start <= t < start + 1) for start in times)
    assert most_in_a_second <= math.ceil(1 / settings.SUNAT_MIN_INTERVAL) + 1
    gaps = [b - a for a, b in pairwise(times)]
    assert min(gaps) >= settings.SUNAT_MIN_INTERVAL * 0.5  # send times are paced; arrival has jitter


@pytest.mark.parametrize("mode", ["plain", "numrnd", "cookie", "js"])
def test_sunat_check_prints_a_table_and_exits_non_zero_when_nothing_works(defended, mode, capsys):
    defended(mode)
    accepting = {"plain": set(FLOWS), "numrnd": {"numrnd-list", "numrnd-captcha"},
                 "cookie": {"numrnd-captcha"}, "js": set()}[mode]

    if accepting:
        call_command("sunat_check", "--no-browser")
    else:
        with pytest.raises(SystemExit) as exit_:
            call_command("sunat_check", "--no-browser")
        assert exit_.value.code == 1
    out, err = capsys.readouterr()

    lines = out.splitlines()
    assert lines[1].split()[:3] == ["Flujo", "Resultado", "Tiempo"]
    rows = {line.split()[0]: line.split()[1] for line in lines[2:2 + len(FLOWS)]}
    assert rows == {name: "aceptado" if name in accepting else "rechazado" for name in FLOWS}
    if accepting:
        cheapest = next(name for name in FLOWS if name in accepting)
        assert f"En uso: {cheapest}" in out and choice.in_use()["flow"] == cheapest
    else:
        assert "HTTP 404" in out and "Ninguna forma de consulta funciona" in err
        assert choice.nothing_works() is not None


def test_sunat_check_refuses_a_bad_ruc():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="RUC no válido"):
        call_command("sunat_check", "20131312956", "--no-browser")


def test_the_scheduled_check_finds_the_cheaper_flow_again_at_background_priority(client, defended, settings):
    replica = defended("cookie")
    client.get(f"/api/ruc/{cold('2078', 1)[0]}")
    assert choice.in_use()["flow"] == "numrnd-captcha"
    replica.config.update(**DEFENSES["plain"])
    settings.SUNAT_CLIENT = "http"  # the browser's own check is test_sunat_flows_browser's

    line = flow_check.scheduled_check()

    assert line == "plain: aceptado, numrnd-list: aceptado, numrnd-captcha: aceptado"
    assert choice.in_use()["flow"] == "plain"
    check = client.get("/health").json()["sunat"]["lastCheck"]
    assert check["flows"]["plain"]["result"] == "aceptado" and check["flows"]["plain"]["detail"].startswith(
        flow_check.CHECK_RUC)


def test_the_check_is_scheduled_every_sunat_canary_minutes(settings):
    from django_q.models import Schedule

    from sunat import schedules

    settings.SUNAT_CANARY_MINUTES = 15
    assert schedules.CHECK_NAME in schedules.sync_schedules()
    schedule = Schedule.objects.get(name=schedules.CHECK_NAME)
    assert (schedule.func, schedule.minutes) == ("sunat.upstream.flow_check.scheduled_check", 15)
    settings.SUNAT_CANARY_MINUTES = 0
    assert schedules.CHECK_NAME not in schedules.sync_schedules()
    assert not Schedule.objects.filter(name=schedules.CHECK_NAME).exists()


def test_metrics_count_each_flows_tries_and_show_the_one_in_use(client, defended):
    from tests.monitoring.test_metrics import moved, scrape, value

    defended("numrnd")
    before = scrape(client)
    client.get(f"/api/ruc/{cold('2082', 1)[0]}")
    after = scrape(client)

    tries = "consulta_ruc_sunat_flow_attempts_total"
    assert moved(before, after, tries, flow="plain", outcome="refused") == 1
    assert moved(before, after, tries, flow="numrnd-list", outcome="accepted") == 1
    assert moved(before, after, tries) == 2
    assert value(after, "consulta_ruc_sunat_flow_in_use", flow="numrnd-list") == 1
    assert value(after, "consulta_ruc_sunat_no_flow") == 0
    assert value(after, "consulta_ruc_sunat_last_answer_timestamp_seconds") > 0


def test_a_check_stored_by_another_process_that_found_nothing_degrades_health_until_sunat_answers(client, defended):
    from django.utils import timezone

    from sunat.models import SunatCheck

    defended("plain")
    # The job queue's process ran it: this process's cache knows nothing of it (without Redis).
    SunatCheck.objects.create(checked_at=timezone.now(), ruc=flow_check.CHECK_RUC, outcomes=[
        {"flow": name, "result": "rechazado", "detail": "HTTP 404", "seconds": 0.1} for name in FLOWS])

    health = client.get("/health").json()
    assert health["status"] == "degraded" and health["reasons"][0]["code"] == "sunat_sin_flujo"
    assert health["sunat"]["lastCheck"]["flows"]["plain"] == {"result": "rechazado", "detail": "HTTP 404",
                                                              "seconds": 0.1}

    assert client.get(f"/api/ruc/{cold('2083', 1)[0]}").status_code == 200  # SUNAT answers since
    assert client.get("/health").json()["status"] == "ok"


def test_the_admin_shows_the_flow_in_use_and_the_checks(admin_client, client, defended):
    defended("cookie")
    call_command("sunat_check", "--no-browser")

    overview = admin_client.get("/admin/resumen/").content.decode()
    assert "Cómo se consulta a SUNAT" in overview and "numrnd-captcha" in overview and "rechazado" in overview
    checks = admin_client.get("/admin/sunat/sunatcheck/")
    assert checks.status_code == 200 and "numrnd-captcha: aceptado" in checks.content.decode()
