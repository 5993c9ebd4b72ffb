"""The scheduled re-check of watched RUCs (sunat.watch.recheck.recheck_due, a job every minute):
the longest unchecked first, within WATCH_SUNAT_SHARE of SUNAT's budget, its changes events of
source "revision"; against the replica."""

from datetime import timedelta

import pytest
from django.core.cache import cache

from devtools.replica import make_ruc
from sunat.keys import services as api_keys
from sunat.models import ChangeEvent, RucRecord, Watch
from sunat.watch import recheck
from sunat.watch import services as watching

pytestmark = pytest.mark.django_db(transaction=True)

RUCS = [make_ruc(f"20601{n:05d}") for n in range(5)]


@pytest.fixture
def watched(client, replica, settings):
    settings.SUNAT_MIN_INTERVAL = 0.2
    settings.WATCH_SUNAT_SHARE = 0.01  # 60 / 0.2 × 0.01 = 3 a run
    key, _ = api_keys.create_key("ERP")
    watching.watch_many(key.id, RUCS)
    return key


@pytest.mark.slow
def test_a_run_rechecks_its_share_never_checked_first_then_the_oldest(watched, replica):
    assert recheck.per_run() == 3

    first = recheck.recheck_due()
    checked = set(Watch.objects.filter(checked_at__isnull=False).values_list("ruc", flat=True))
    second = recheck.recheck_due()

    assert first == 3 and checked == set(RUCS[:3])
    assert second == 3 and Watch.objects.filter(checked_at__isnull=True).count() == 0
    by_ruc = replica.stats()["by_ruc"]
    assert set(by_ruc) == set(RUCS) and sorted(by_ruc.values()) == [1, 1, 1, 1, 2]  # then one of the first again


@pytest.mark.slow
def test_a_change_found_by_a_recheck_is_an_event_of_source_revision(client, watched, replica):
    client.get(f"/api/ruc/{RUCS[0]}")
    stored = RucRecord.objects.get(ruc=RUCS[0])
    stored.data = {**stored.data, "razonSocial": "NOMBRE ANTERIOR"}
    stored.fetched_at -= timedelta(days=8)
    stored.save()
    cache.clear()

    recheck.recheck_due()

    (event,) = ChangeEvent.objects.all()
    assert event.source == ChangeEvent.RECHECK and event.ruc == RUCS[0]
    assert event.changes == [{"campo": "razonSocial", "antes": "NOMBRE ANTERIOR", "despues": stored.razon_social}]


def test_no_share_no_recheck(watched, replica, settings):
    settings.WATCH_SUNAT_SHARE = 0

    assert recheck.recheck_due() == 0 and replica.stats()["queries"] == 0
