"""A RUC SUNAT does not know, shared through the database (issue 30): with LocMem, the next request
may land on another gunicorn worker, whose cache never saw the first one's not-found marker."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from sunat import caching, process
from sunat.models import UnknownRuc

UNKNOWN = "20000000001"

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads


def as_another_worker():
    """What another worker's LocMem holds of this RUC: nothing (its own process state, no copy)."""
    process.reset()
    cache.delete(caching.ruc_key(UNKNOWN))


def test_a_ruc_sunat_does_not_know_is_not_asked_again_from_another_worker(client, replica):
    first = client.get(f"/api/ruc/{UNKNOWN}")
    as_another_worker()
    second = client.get(f"/api/ruc/{UNKNOWN}")

    assert first.status_code == second.status_code == 404
    assert second.json()["error"] == "ruc_no_encontrado"
    assert replica.stats()["by_ruc"][UNKNOWN] == 1
    assert UnknownRuc.objects.filter(ruc=UNKNOWN).exists()


def test_the_stored_not_found_expires_with_its_own_ttl(client, replica, settings):
    settings.RUC_NOT_FOUND_TTL = 60
    client.get(f"/api/ruc/{UNKNOWN}")
    as_another_worker()
    UnknownRuc.objects.update(checked_at=timezone.now() - timedelta(seconds=61))  # what a minute does

    assert client.get(f"/api/ruc/{UNKNOWN}").status_code == 404
    assert replica.stats()["by_ruc"][UNKNOWN] == 2

