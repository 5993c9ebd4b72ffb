"""While the service does not ask SUNAT (its firewall rejected us, or it stopped answering), a 503 says the
service paused itself and for how long ("pausado N s"), and Retry-After says the same."""

import re

import pytest

from sunat.upstream import throttle

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads

COMPANY = "20573215045"
OTHER = "20550263948"


@pytest.fixture(autouse=True)
def one_attempt(settings):
    settings.SUNAT_MIN_INTERVAL = 0
    settings.SUNAT_MAX_ATTEMPTS = 1


def paused_for(response) -> int:
    """The N of "pausado N s" in the 503's detail, checked against its Retry-After."""
    body = response.json()
    assert response.status_code == 503 and body["error"] == "sunat_no_disponible"
    seconds = int(re.search(r"pausado (\d+) s", body["detail"]).group(1))
    assert int(response["Retry-After"]) == seconds
    return seconds


def test_the_firewall_503_says_the_service_paused_itself_and_for_how_long(client, replica, settings):
    settings.SUNAT_BLOCK_COOLDOWN = 300
    replica.config.mode = "reject"

    rejected = client.get(f"/api/ruc/{COMPANY}")
    later = client.get(f"/api/ruc/{OTHER}")  # not asked: the pause holds for every RUC

    assert paused_for(rejected) == 300
    assert "firewall de SUNAT" in rejected.json()["detail"] and "se pausó" in rejected.json()["detail"]
    assert 290 <= paused_for(later) <= 300
    assert replica.stats()["queries"] == 1
    batch = client.post("/api/ruc/lote", {"rucs": [OTHER]}, content_type="application/json").json()
    item = batch["resultados"][OTHER]
    assert item["error"] == "sunat_no_disponible" and 290 <= item["reintentarEn"] <= 300
    assert f"pausado {item['reintentarEn']} s" in item["detail"]


def test_no_answer_from_sunat_pauses_for_the_backoff_and_says_so(client, replica, settings):
    settings.SUNAT_FAILURE_BACKOFF = 30
    replica.config.mode = "reset"

    client.get(f"/api/ruc/{COMPANY}")
    during = client.get(f"/api/ruc/{OTHER}")

    assert 1 <= paused_for(during) <= 30
    assert "no respondió" in during.json()["detail"]
    assert throttle.blocked_for() == 0  # the backoff, not the firewall's cooldown


def test_an_error_page_without_a_pause_is_the_plain_503(client, replica):
    replica.config.mode = "http503"

    response = client.get(f"/api/ruc/{COMPANY}")

    assert response.status_code == 503 and "pausado" not in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
