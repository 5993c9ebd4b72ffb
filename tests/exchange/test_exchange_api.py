"""GET /api/tipo-cambio against the stand-in: published days, weekends, holidays, month boundaries,
ranges, and SUNAT asked once per month and never again once a month is settled."""

from datetime import date, timedelta

import pytest

from devtools.tipocambio import HOLIDAYS, rate_for
from devtools.tipocambio.server import QUERY_PATH
from sunat.models import ExchangeMonth, ExchangeRate

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads


def expected(fecha: str, publicado: date) -> dict:
    compra, venta = rate_for(publicado)
    return {"fecha": fecha, "compra": float(compra), "venta": float(venta), "moneda": "USD",
            "publicadoEl": publicado.isoformat(), "fuente": "sunat"}


def test_a_published_day_is_its_own_rate(client, tipocambio):
    answer = client.get("/api/tipo-cambio?fecha=2025-11-05")
    assert answer.status_code == 200, answer.content
    assert answer.json() == expected("2025-11-05", date(2025, 11, 5))
    assert ExchangeRate.objects.filter(fecha__month=11).count() == 20  # the whole month, stored
    assert tipocambio.queries == [(2025, 10)]  # mes counts from 0


def test_a_weekend_is_the_friday_before(client, tipocambio):
    assert client.get("/api/tipo-cambio?fecha=2025-11-09").json() == expected("2025-11-09", date(2025, 11, 7))


def test_a_holiday_is_the_last_day_published_before_it(client, tipocambio):
    assert date(2025, 12, 8) in HOLIDAYS and date(2025, 12, 9) in HOLIDAYS  # Monday and Tuesday
    assert client.get("/api/tipo-cambio?fecha=2025-12-09").json() == expected("2025-12-09", date(2025, 12, 5))


def test_a_saturday_first_of_the_month_looks_into_the_month_before(client, tipocambio):
    answer = client.get("/api/tipo-cambio?fecha=2025-11-01")  # a Saturday, and a holiday
    assert answer.json() == expected("2025-11-01", date(2025, 10, 31))
    assert tipocambio.queries == [(2025, 10), (2025, 9)]


def test_a_range_across_months_asks_sunat_once_per_month(client, tipocambio):
    answer = client.get("/api/tipo-cambio?desde=2025-10-25&hasta=2025-12-03")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["desde"], body["hasta"]) == ("2025-10-25", "2025-12-03")
    assert len(body["tiposDeCambio"]) == 40
    assert body["tiposDeCambio"][0] == expected("2025-10-25", date(2025, 10, 24))
    assert body["tiposDeCambio"][-1] == expected("2025-12-03", date(2025, 12, 3))
    assert sorted(tipocambio.queries) == [(2025, 9), (2025, 10), (2025, 11)]
    assert tipocambio.count(QUERY_PATH) == 3


def test_asking_twice_asks_sunat_once_and_a_settled_month_never_again(client, tipocambio):
    first = client.get("/api/tipo-cambio?fecha=2025-11-12").json()
    assert client.get("/api/tipo-cambio?fecha=2025-11-12").json() == first  # the cache
    assert client.get("/api/tipo-cambio?fecha=2025-11-19").status_code == 200  # the database
    assert tipocambio.count(QUERY_PATH) == 1
    assert ExchangeMonth.objects.get().settled


def test_a_future_date_is_400_without_asking_sunat(client, tipocambio):
    tomorrow, before = tipocambio.today + timedelta(days=1), tipocambio.today - timedelta(days=5)
    for query in (f"fecha={tomorrow}", f"desde={before}&hasta={tomorrow}"):
        answer = client.get(f"/api/tipo-cambio?{query}")
        assert answer.status_code == 400 and answer.json()["error"] == "fecha_futura", answer.content
    assert tipocambio.count(QUERY_PATH) == 0


@pytest.mark.parametrize("query, field", [
    ("fecha=2025-13-01", "fecha"),
    ("fecha=05/11/2025", "fecha"),
    ("fecha=", "fecha"),
    ("fecha=2025-11-5", "fecha"),
    ("fecha=1999-12-31", "fecha"),
    ("desde=2025-11-10&hasta=2025-11-01", "desde"),
    ("desde=2024-01-01&hasta=2025-01-01", "hasta"),  # 367 days
    ("desde=2025-11-01", "hasta"),
    ("hasta=2025-11-01", "desde"),
    ("desde=2025-11-01&hasta=nope", "hasta"),
    ("fecha=2025-11-05&desde=2025-11-01&hasta=2025-11-05", "fecha"),
])
def test_every_bad_parameter_is_400_naming_it(client, tipocambio, query, field):
    answer = client.get(f"/api/tipo-cambio?{query}")
    assert answer.status_code == 400, answer.content
    body = answer.json()
    assert body["error"] == "parametro_invalido" and body["campo"] == field and field in body["detail"]
    assert tipocambio.count(QUERY_PATH) == 0


def test_the_longest_range_is_366_days(client, tipocambio):
    answer = client.get("/api/tipo-cambio?desde=2024-01-01&hasta=2024-12-31")
    assert answer.status_code == 200 and len(answer.json()["tiposDeCambio"]) == 366
