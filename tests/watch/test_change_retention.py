"""The hourly job that deletes changes older than CHANGES_RETENTION_DAYS (sunat.watch.retention):
the events, their notices and the padrón's change history go; a notice still being delivered, its
event, what is recent and the import records stay. SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from django.utils import timezone

from devtools.webhook_receiver import Receiver
from sunat.keys import services as api_keys
from sunat.models import ChangeEvent, Notification, PadronVersion, RegisterChange
from sunat.registers.importer import import_padron
from sunat.watch import delivery, retention
from tests.support.padron_files import COMPANY, ENIE, HANDMADE, later, write_rows
from tests.watch.test_watch_api import auth

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def aged_changes(client, settings, tmp_path):
    """An import's change to COMPANY, delivered, 100 days ago; a change to ENIE 100 days ago whose
    notice is still pending; one from today. The key's plain text."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    receiver = Receiver().start()
    try:
        _, plain = api_keys.create_key("Compras")
        client.post("/api/vigilancia/lote", {"rucs": [COMPANY, ENIE]}, content_type="application/json", **auth(plain))
        client.put("/api/webhook", {"url": receiver.url}, content_type="application/json", **auth(plain))
        import_padron(str(write_rows(tmp_path / "old.zip", HANDMADE)))
        rows = [[*row[:3], "NO HABIDO" if row[0] == COMPANY else row[3], *row[4:]] for row in HANDMADE]
        import_padron(str(write_rows(tmp_path / "new.zip", rows, date_time=later())))
        assert delivery.deliver_due() == 1
    finally:
        receiver.stop()
    long_ago = timezone.now() - timedelta(days=100)
    ChangeEvent.objects.update(detected_at=long_ago)
    PadronVersion.objects.update(imported_at=long_ago)
    key_id = Notification.objects.get().key_id
    pending = ChangeEvent.objects.create(ruc=ENIE, changes=[{"campo": "estado", "antes": "ACTIVO",
                                                            "despues": "BAJA DE OFICIO"}],
                                         source=ChangeEvent.SUNAT, detected_at=long_ago)
    Notification.objects.create(key_id=key_id, event=pending, delivery=Notification.PENDING,
                                next_attempt_at=timezone.now())
    recent = ChangeEvent.objects.create(ruc=ENIE, changes=[{"campo": "condicion", "antes": "HABIDO",
                                                           "despues": "NO HALLADO"}], source=ChangeEvent.SUNAT)
    Notification.objects.create(key_id=key_id, event=recent)
    return plain, pending, recent


def test_changes_older_than_the_retention_go_and_the_rest_stay(client, settings, aged_changes):
    plain, pending, recent = aged_changes
    settings.CHANGES_RETENTION_DAYS = 90
    assert RegisterChange.objects.filter(ruc=COMPANY).exists()

    assert retention.purge_old() == {"avisos": 1, "cambios": 1, "cambios_padron": 1}

    assert set(ChangeEvent.objects.values_list("id", flat=True)) == {pending.id, recent.id}
    assert not RegisterChange.objects.exists()
    assert PadronVersion.objects.count() == 2  # what was imported when stays
    feed = client.get("/api/cambios", **auth(plain)).json()["cambios"]
    assert [change["id"] for change in feed] == [f"evt_{pending.id}", f"evt_{recent.id}"]
    assert retention.purge_old() == {"avisos": 0, "cambios": 0, "cambios_padron": 0}


def test_a_retention_of_zero_keeps_everything(settings, aged_changes):
    settings.CHANGES_RETENTION_DAYS = 0

    assert retention.purge_old() == {}
    assert ChangeEvent.objects.count() == 3 and RegisterChange.objects.count() == 1


def test_deleting_goes_a_batch_at_a_time(settings, aged_changes, monkeypatch):
    settings.CHANGES_RETENTION_DAYS = 90
    key_id = Notification.objects.first().key_id
    old = timezone.now() - timedelta(days=95)
    for _ in range(7):
        event = ChangeEvent.objects.create(ruc=COMPANY, changes=[], source=ChangeEvent.SUNAT, detected_at=old)
        Notification.objects.create(key_id=key_id, event=event, delivery=Notification.FAILED)
    monkeypatch.setattr(retention, "BATCH", 3)

    assert retention.purge_old() == {"avisos": 8, "cambios": 8, "cambios_padron": 1}
    assert ChangeEvent.objects.count() == 2
