"""Nothing SUNAT sends can hurt us: an unknown charset, a gzip bomb, a huge page, a redirect, another
RUC's sub-page, a razón social longer than any column (the replica's hostile modes)."""

import pytest
from django.core.cache import cache

from devtools.replica import ReplicaServer, make_ruc
from sunat.exceptions import SunatUnavailable
from sunat.lookups import ruc_cache
from sunat.models import RucRecord, RucSectionRecord
from sunat.upstream.clients import SECTIONS
from sunat.upstream.clients.http import HttpClient

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads

COMPANY = "20573215045"


@pytest.mark.parametrize("mode, why", [("gzip_bomb", "over 2097152 bytes"), ("huge", "over 2097152 bytes"),
                                       ("redirect", "HTTP 302")])
def test_the_client_says_why_it_refused_a_page(replica, mode, why):
    replica.config.mode = mode
    with pytest.raises(SunatUnavailable, match=why):
        HttpClient(base_url=replica.url, max_attempts=1).lookup(make_ruc("2077000009"))


def test_the_client_refuses_another_rucs_sub_page(replica):
    replica.config.mode = "other_ruc"
    with pytest.raises(SunatUnavailable, match=f"for RUC 20100070970, not {COMPANY}"):
        HttpClient(base_url=replica.url, max_attempts=1).lookup_section(COMPANY, SECTIONS["representantes"], "X")


def assert_refused_and_nothing_kept(response, ruc, section=None):
    assert response.status_code == 503, response.content[:300]
    assert response.json()["error"] == "sunat_no_disponible"
    assert ruc_cache.get(ruc, section) is None
    if section is None:
        assert not RucRecord.objects.filter(ruc=ruc).exists()
    else:
        assert not RucSectionRecord.objects.filter(ruc=ruc, section=section).exists()


def test_an_unknown_charset_is_read_as_iso_8859_1(client, replica):
    replica.config.mode = "bogus_charset"

    response = client.get(f"/api/ruc/{COMPANY}")

    assert response.status_code == 200
    assert response.json()["ruc"] == COMPANY
    assert response.json()["actividadesEconomicas"][1]["descripcion"] == "PROGRAMACIÓN INFORMÁTICA"


@pytest.mark.parametrize("mode", ["gzip_bomb", "huge"])
def test_a_page_over_the_cap_is_refused_without_reading_it_whole(client, replica, settings, mode):
    settings.SUNAT_MAX_ATTEMPTS = 1
    replica.config.mode = mode
    ruc = make_ruc("2077000001")

    response = client.get(f"/api/ruc/{ruc}")

    assert_refused_and_nothing_kept(response, ruc)


def test_a_redirect_is_not_followed(client, replica, settings):
    settings.SUNAT_MAX_ATTEMPTS = 1
    with ReplicaServer() as elsewhere:
        replica.config.update(mode="redirect", redirect_to=elsewhere.url + "FrameCriterioBusquedaWeb.jsp")
        ruc = make_ruc("2077000002")

        response = client.get(f"/api/ruc/{ruc}")

        assert elsewhere.stats()["form_page_gets"] == 0 and elsewhere.stats()["alias_posts"] == 0
    assert_refused_and_nothing_kept(response, ruc)


def test_another_rucs_sub_page_is_neither_served_nor_kept(client, replica, settings):
    settings.SUNAT_MAX_ATTEMPTS = 1
    assert client.get(f"/api/ruc/{COMPANY}").status_code == 200
    replica.config.mode = "other_ruc"

    response = client.get(f"/api/ruc/{COMPANY}/representantes")

    assert_refused_and_nothing_kept(response, COMPANY, "representantes")
    replica.config.mode = "ok"
    cache.clear()
    assert client.get(f"/api/ruc/{COMPANY}/representantes").status_code == 200  # the real one is fine


def test_another_rucs_ficha_is_neither_served_nor_kept(client, replica, settings):
    settings.SUNAT_MAX_ATTEMPTS = 1
    replica.config.mode = "other_ruc"

    response = client.get(f"/api/ruc/{COMPANY}")

    assert_refused_and_nothing_kept(response, COMPANY)


def test_a_razon_social_longer_than_any_column_is_stored_whole(client, replica):
    ruc = make_ruc("2099000001")  # the replica gives these a 600-character name

    first = client.get(f"/api/ruc/{ruc}").json()
    cache.clear()
    again = client.get(f"/api/ruc/{ruc}")

    assert len(first["razonSocial"]) > 500
    assert RucRecord.objects.get(ruc=ruc).razon_social == first["razonSocial"]
    assert again["X-Cache"] == "HIT" and again.json()["razonSocial"] == first["razonSocial"]
