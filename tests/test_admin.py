import pytest
from django.core.cache import cache
from django.urls import reverse

from sunat.lookups import cache as ruc_cache
from sunat.models import RucRecord

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
