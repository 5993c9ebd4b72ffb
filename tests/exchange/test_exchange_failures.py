"""When SUNAT refuses, fails or answers something else: nothing wrong is stored, the stored answer is
served, and a date nothing stored answers for gets 503 with Retry-After. Today's rate before and
after publication, the txt fallback and the scheduled job."""

from datetime import date, timedelta

import pytest
import requests
from django.utils import timezone

from devtools.tipocambio import rate_for
from devtools.tipocambio.server import QUERY_PATH, TXT_PATH
from sunat.exceptions import SunatRefused
from sunat.exchange import client as client_module
from sunat.exchange import jobs, sources
from sunat.models import ExchangeMonth, ExchangeRate
from sunat.upstream import throttle
from sunat.upstream.clients import headers

pytestmark = pytest.mark.django_db(transaction=True)


def get(client, query):
    return client.get(f"/api/tipo-cambio?{query}")


def test_an_empty_answer_is_a_refusal_not_a_month_without_rates(client, tipocambio):
    browser = headers.profile(client_module.BROWSER_USER_AGENT).xhr(referer=tipocambio.url, origin="http://x")
    empty_token = requests.post(tipocambio.url + "/listarTipoCambio", json={"anio": 2025, "mes": 10, "token": ""},
                                headers=browser, timeout=5)
    assert (empty_token.status_code, empty_token.text) == (200, "[]")  # what SUNAT answers to an empty token
    with pytest.raises(SunatRefused):
        sources.parse_month("[]", 2025, 11, date(2025, 12, 1))
    tipocambio.mode = "empty"
    answer = get(client, "fecha=2025-11-05")
    assert answer.status_code == 503 and answer.json()["error"] == "sunat_no_disponible"
    assert int(answer["Retry-After"]) > 0
    assert not ExchangeMonth.objects.exists() and not ExchangeRate.objects.exists()


def test_the_firewall_page_stops_asking_for_the_cooldown(client, tipocambio, settings):
    settings.SUNAT_BLOCK_COOLDOWN = 120
    tipocambio.mode = "rejected"
    answer = get(client, "fecha=2025-11-05")
    assert answer.status_code == 503 and 100 <= int(answer["Retry-After"]) <= 120
    assert throttle.blocked_for(throttle.EXCHANGE) > 0
    assert throttle.blocked_for() == 0  # RUC lookups ask their own host as before
    asked = tipocambio.count(QUERY_PATH)
    assert get(client, "fecha=2025-11-06").status_code == 503
    assert tipocambio.count(QUERY_PATH) == asked  # the cooldown: SUNAT is not asked
    assert not ExchangeRate.objects.exists()


def test_the_client_sends_what_the_firewall_wants(client, tipocambio, settings):
    settings.SUNAT_USER_AGENT = "ruc-lookup-service/1.0"  # honest: a browser's is sent for the exchange rate
    assert get(client, "fecha=2025-11-05").status_code == 200


def test_the_exchange_rates_host_down_never_pauses_ruc_lookups(client, tipocambio, replica, settings):
    settings.SUNAT_FAILURE_BACKOFF = 60
    tipocambio.mode = "drop"
    assert get(client, "fecha=2025-11-05").status_code == 503
    assert throttle.failing_for(throttle.EXCHANGE) > 0 and throttle.paused_for() == 0
    assert client.get("/api/ruc/20573215045").status_code == 200


@pytest.mark.parametrize("mode", ["drop", "error"])
def test_sunat_down_without_stored_rates_is_503_with_retry_after(client, tipocambio, mode):
    tipocambio.mode = mode
    answer = get(client, "fecha=2025-11-05")
    assert answer.status_code == 503, answer.content
    assert answer.json()["error"] == "sunat_no_disponible" and int(answer["Retry-After"]) >= 1


def test_sunat_down_with_stored_rates_answers_the_stored_ones(client, tipocambio):
    assert get(client, "fecha=2025-11-05").status_code == 200
    tipocambio.mode = "error"
    # Stored and known: not asked again.
    assert get(client, "fecha=2025-11-09").json()["publicadoEl"] == "2025-11-07"
    # A month SUNAT does not answer: the last rate stored before the date.
    answer = get(client, "fecha=2025-12-10")
    assert answer.status_code == 200 and answer.json()["publicadoEl"] == "2025-11-28", answer.content


@pytest.mark.parametrize("mode", ["other_month", "huge", "redirect", "garbage"])
def test_a_hostile_answer_is_never_stored(client, tipocambio, mode, settings):
    settings.SUNAT_MAX_PAGE_BYTES = 64 * 1024
    tipocambio.mode = mode
    answer = get(client, "fecha=2025-11-05")
    assert answer.status_code == 503, answer.content
    assert not ExchangeRate.objects.exists() and not ExchangeMonth.objects.exists()


def test_today_before_and_after_publication(client, tipocambio, settings):
    today = tipocambio.today
    tipocambio.today_published = False
    before = get(client, f"fecha={today}").json()
    assert before["fecha"] == today.isoformat() and before["publicadoEl"] < today.isoformat()
    assert get(client, "").json() == before  # no fecha: today in Lima
    asked = tipocambio.count(QUERY_PATH)

    tipocambio.today_published = True
    assert get(client, f"fecha={today}").json() == before  # within TIPO_CAMBIO_REFRESH_MINUTES: not asked
    assert tipocambio.count(QUERY_PATH) == asked

    ExchangeMonth.objects.update(asked_at=timezone.now() - timedelta(minutes=settings.TIPO_CAMBIO_REFRESH_MINUTES))
    after = get(client, f"fecha={today}").json()
    compra, venta = rate_for(today)
    assert (after["publicadoEl"], after["compra"], after["venta"]) == (today.isoformat(), float(compra), float(venta))
    assert tipocambio.count(QUERY_PATH) == asked + 1
    assert get(client, f"fecha={today}").json() == after  # published: never asked again
    assert tipocambio.count(QUERY_PATH) == asked + 1


def test_todays_rate_comes_from_the_txt_when_the_month_query_fails(client, tipocambio):
    tipocambio.mode = "error"
    today = tipocambio.today
    answer = get(client, f"fecha={today}")
    assert answer.status_code == 200, answer.content
    assert answer.json()["publicadoEl"] == today.isoformat()
    assert tipocambio.count(TXT_PATH) == 1
    assert ExchangeRate.objects.get().fecha == today


def test_the_txt_before_publication_is_not_todays_rate(client, tipocambio):
    tipocambio.mode, tipocambio.today_published = "error", False
    assert get(client, f"fecha={tipocambio.today}").status_code == 503  # nothing stored before today
    assert tipocambio.count(TXT_PATH) == 1 and not ExchangeRate.objects.exists()


def test_the_scheduled_job_asks_today_and_fills_gaps(tipocambio):
    today = tipocambio.today
    this_month = today.replace(day=1)
    three_back = (this_month - timedelta(days=80)).replace(day=1)
    first = rate_for(three_back)
    ExchangeRate.objects.create(fecha=three_back, compra=first[0], venta=first[1], fetched_at=timezone.now())

    result = jobs.refresh()

    assert "fallaron: ninguno" in result, result
    months = sorted(ExchangeMonth.objects.values_list("month", flat=True))
    assert months[0] == three_back and months[-1] == this_month and len(months) == 4
    assert all(month.settled for month in ExchangeMonth.objects.exclude(month=this_month))
    asked = tipocambio.count(QUERY_PATH)
    assert jobs.refresh() == "nada que pedir"  # today's published, the months settled
    assert tipocambio.count(QUERY_PATH) == asked
