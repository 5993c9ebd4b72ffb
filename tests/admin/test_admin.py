import hashlib
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse

from sunat.lookups import ruc_cache
from sunat.models import ApiKey, RucRecord

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads

COMPANY = "20573215045"
CHANGELIST = reverse("admin:sunat_rucrecord_changelist")


@pytest.fixture
def stored(client, replica):
    client.get(f"/api/ruc/{COMPANY}")
    return RucRecord.objects.get(ruc=COMPANY)


def test_changelist_lists_the_record_and_whether_it_is_cached(admin_client, stored):
    response = admin_client.get(CHANGELIST)
    content = response.content.decode()

    assert response.status_code == 200
    assert COMPANY in content and "LEAD WORKING PARTNER SAC" in content
    assert "icon-yes" in content  # in cache now
    cache.clear()
    assert "icon-no" in admin_client.get(CHANGELIST).content.decode()


def test_search_by_name_and_filter_by_estado(admin_client, stored):
    assert COMPANY in admin_client.get(CHANGELIST, {"q": "working"}).content.decode()
    assert COMPANY not in admin_client.get(CHANGELIST, {"q": "nadie"}).content.decode()
    assert COMPANY in admin_client.get(CHANGELIST, {"estado": "ACTIVO"}).content.decode()


def test_detail_is_read_only_with_pretty_json(admin_client, stored):
    response = admin_client.get(reverse("admin:sunat_rucrecord_change", args=[COMPANY]))
    content = response.content.decode()

    assert response.status_code == 200
    assert "<pre>" in content and "&quot;razonSocial&quot;: &quot;LEAD WORKING PARTNER SAC&quot;" in content
    assert 'name="_save"' not in content


def test_refresh_action_fetches_again_from_sunat(admin_client, stored, replica):
    response = admin_client.post(
        CHANGELIST, {"action": "refresh_from_sunat", "_selected_action": [COMPANY]}, follow=True
    )

    assert response.status_code == 200
    assert replica.stats()["queries"] == 2
    assert RucRecord.objects.get(ruc=COMPANY).fetched_at > stored.fetched_at


def test_failed_refresh_keeps_the_stored_data(admin_client, stored, replica):
    replica.config.mode = "reject"

    response = admin_client.post(
        CHANGELIST, {"action": "refresh_from_sunat", "_selected_action": [COMPANY]}, follow=True
    )

    assert "No se pudo actualizar" in response.content.decode()
    after = RucRecord.objects.get(ruc=COMPANY)
    assert (after.data, after.fetched_at) == (stored.data, stored.fetched_at)


def test_remove_from_cache_action(admin_client, stored):
    admin_client.post(CHANGELIST, {"action": "remove_from_cache", "_selected_action": [COMPANY]})
    assert ruc_cache.get(COMPANY) is None
    assert RucRecord.objects.filter(ruc=COMPANY).exists()


KEY_ADD = reverse("admin:sunat_apikey_add")
KEY_FORM = {"name": "Facturador", "per_minute": 5, "per_day": 100, "watch_limit": 1000}


def created_key(response) -> str:
    return re.search(r"rk_[0-9a-f]{8}_[A-Za-z0-9_-]+", response.content.decode()).group(0)


def test_a_new_key_is_shown_once_in_the_page_that_answers_its_creation(admin_client):
    response = admin_client.post(KEY_ADD, KEY_FORM)
    content = response.content.decode()
    plain = created_key(response)

    assert response.status_code == 200 and "Location" not in response  # no redirect to carry it
    assert "Clave creada" in content and "no se volverá a mostrar" in content
    assert content.count(plain) == 1
    assert "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get(name="Facturador")
    assert (key.per_minute, key.per_day, key.watch_limit) == (5, 100, 1000)
    assert key.key_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in {str(value) for value in ApiKey.objects.values().get(pk=key.pk).values()}


def test_a_new_key_travels_in_no_message_cookie_or_session(admin_client):
    response = admin_client.post(KEY_ADD, KEY_FORM)
    plain = created_key(response)
    secret = plain.split("_", 2)[2]  # rk_<prefix>_<secret>; the secret itself may hold "_"

    assert all(secret not in morsel.value for morsel in response.cookies.values())
    assert all(secret not in morsel.value for morsel in admin_client.cookies.values())
    assert secret not in str(dict(admin_client.session.items()))
    assert all(secret not in str(session.get_decoded()) for session in Session.objects.all())
    assert all(secret not in str(entry) for entry in LogEntry.objects.values())
    # A message would be shown by the next admin page; there is none to show.
    for page in (reverse("admin:sunat_apikey_changelist"), reverse("admin:index")):
        assert secret not in admin_client.get(page).content.decode()


def test_the_created_key_page_links_back(admin_client):
    response = admin_client.post(KEY_ADD, {**KEY_FORM, "_continue": "1"})
    key = ApiKey.objects.get(name="Facturador")
    content = response.content.decode()

    for url in (reverse("admin:sunat_apikey_change", args=[key.pk]), KEY_ADD,
                reverse("admin:sunat_apikey_changelist")):
        assert f'href="{url}"' in content
    change_page = admin_client.get(reverse("admin:sunat_apikey_change", args=[key.pk])).content.decode()
    assert created_key(response) not in change_page and f"rk_{key.prefix}_" in change_page
