"""Webhook deliveries (sunat.watch.delivery.deliver_due, the queue's job) to a real receiver on loopback:
signed, at least once and exactly once after de-duplication, in order, a 410 disabling, and only
to public addresses without WEBHOOK_ALLOW_PRIVATE; SQLite and PostgreSQL."""

import hashlib
import hmac
import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone as django_timezone

from devtools.webhook_receiver import Receiver, make_tls_files
from sunat.keys import services as api_keys
from sunat.models import ChangeEvent, Notification, Webhook
from sunat.registers.importer import import_padron
from sunat.watch import delivery, sender
from tests.support.padron_files import COMPANY, ENIE, HANDMADE, later, write_rows
from tests.support.paths import PROJECT_ROOT
from tests.watch.test_watch_api import auth

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def watcher(client, settings, receiver):
    """A key watching COMPANY and ENIE, its webhook at the receiver; its secret."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    _, plain = api_keys.create_key("Facturador")
    client.post("/api/vigilancia/lote", {"rucs": [COMPANY, ENIE]}, content_type="application/json", **auth(plain))
    answer = client.put("/api/webhook", {"url": receiver.url}, content_type="application/json", **auth(plain))
    return answer.json()["secreto"]


def change_padron(tmp_path, name, **condiciones):
    rows = [[*row[:3], condiciones.get(row[0], row[3]), *row[4:]] for row in HANDMADE]
    import_padron(str(write_rows(tmp_path / name, rows, date_time=later())))


@pytest.fixture
def old_padron(tmp_path):
    import_padron(str(write_rows(tmp_path / "old.zip", HANDMADE)))


def all_due_now():
    Notification.objects.filter(delivery=Notification.PENDING).update(next_attempt_at=django_timezone.now())


def test_a_ruc_turning_no_habido_in_an_import_is_one_signed_event_delivered_once(old_padron, watcher, receiver,
                                                                                  tmp_path):
    change_padron(tmp_path, "new.zip", **{COMPANY: "NO HABIDO"})

    assert delivery.deliver_due() == 1
    assert delivery.deliver_due() == 0  # delivered: never again

    (request,) = receiver.received
    body, headers = request["body"], request["headers"]
    expected = "sha256=" + hmac.new(watcher.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Firma"], expected)
    event = json.loads(body)
    assert headers["X-Evento-Id"] == event["id"] and event["ruc"] == COMPANY and event["fuente"] == "padron"
    assert event["cambios"] == [{"campo": "condicion", "antes": "HABIDO", "despues": "NO HABIDO"}]
    sent = datetime.strptime(event["enviadoEn"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - sent).total_seconds()) < 60  # inside the signed body: replays show
    notice = Notification.objects.get()
    assert (notice.delivery, notice.attempts, notice.last_status) == (Notification.DELIVERED, 1, 200)


def test_a_receiver_down_for_a_while_gets_every_event_once_in_order(old_padron, watcher, receiver, tmp_path):
    receiver.stop()  # down
    change_padron(tmp_path, "day1.zip", **{COMPANY: "NO HABIDO"})
    change_padron(tmp_path, "day2.zip", **{COMPANY: "HABIDO", ENIE: "NO HALLADO"})
    change_padron(tmp_path, "day3.zip", **{COMPANY: "NO HALLADO", ENIE: "NO HALLADO"})

    for _ in range(3):  # attempts while it is down: each backs off, none is lost
        assert delivery.deliver_due() == 0
        all_due_now()
    notices = Notification.objects.order_by("id")
    assert all(n.delivery == Notification.PENDING for n in notices)
    assert notices[0].attempts == 3 and all(n.attempts == 0 for n in notices[1:])  # later ones wait their turn

    back = Receiver(port=receiver.port).start()
    try:
        back.statuses = [500]  # and it stumbles once more
        delivery.deliver_due()
        all_due_now()
        delivery.deliver_due()
    finally:
        back.stop()

    ids = [event["id"] for event in back.events()]
    assert len(set(ids)) == 4 and ids[0] == ids[1]  # the 500'd one again, then the rest: exactly once after de-dup
    unique = list(dict.fromkeys(ids))
    assert unique == [f"evt_{pk}" for pk in ChangeEvent.objects.order_by("id").values_list("id", flat=True)]
    assert set(Notification.objects.values_list("delivery", flat=True)) == {Notification.DELIVERED}


def test_a_410_disables_the_webhook_and_setting_it_again_enables_it(client, old_padron, watcher, receiver, tmp_path):
    receiver.statuses = [410]
    change_padron(tmp_path, "day1.zip", **{COMPANY: "NO HABIDO"})

    delivery.deliver_due()
    change_padron(tmp_path, "day2.zip", **{COMPANY: "HABIDO"})
    delivery.deliver_due()

    webhook = Webhook.objects.get()
    assert webhook.disabled_at is not None and "410" in webhook.disabled_reason
    assert len(receiver.received) == 1  # nothing more was sent
    assert Notification.objects.filter(delivery=Notification.PENDING).count() == 1  # the second one waits


def test_a_notice_is_failed_after_webhook_max_age_and_stays_visible(old_padron, watcher, receiver, tmp_path, settings):
    receiver.statuses = [503, 503]
    change_padron(tmp_path, "day1.zip", **{COMPANY: "NO HABIDO"})
    delivery.deliver_due()
    all_due_now()
    ChangeEvent.objects.update(detected_at=django_timezone.now() - timedelta(seconds=settings.WEBHOOK_MAX_AGE + 1))

    delivery.deliver_due()

    notice = Notification.objects.get()  # too old when next due: failed without another attempt
    assert (notice.delivery, notice.attempts, notice.last_status) == (Notification.FAILED, 1, 503)
    assert "503" in notice.last_error and "WEBHOOK_MAX_AGE" in notice.last_error and len(receiver.received) == 1


def test_a_backlog_past_webhook_max_age_is_failed_in_one_statement(old_padron, watcher, receiver, tmp_path,
                                                                     settings):
    receiver.statuses = [503]
    change_padron(tmp_path, "day1.zip", **{COMPANY: "NO HABIDO"})
    delivery.deliver_due()  # the first one: answered 503, a retry due later
    change_padron(tmp_path, "day2.zip", **{COMPANY: "HABIDO", ENIE: "NO HALLADO"})
    change_padron(tmp_path, "day3.zip", **{COMPANY: "NO HALLADO", ENIE: "NO HABIDO"})
    all_due_now()
    ChangeEvent.objects.update(detected_at=django_timezone.now() - timedelta(seconds=settings.WEBHOOK_MAX_AGE + 1))

    with CaptureQueriesContext(connection) as queries:
        assert delivery.deliver_due() == 0

    # A dead receiver's day of notices must not hold the run, and its other keys, one UPDATE each.
    assert sum(query["sql"].startswith("UPDATE") for query in queries.captured_queries) == 1
    notices = list(Notification.objects.order_by("id"))
    assert len(notices) == 5 and {notice.delivery for notice in notices} == {Notification.FAILED}
    assert notices[0].last_error == "respondió HTTP 503; venció WEBHOOK_MAX_AGE"
    assert {notice.last_error for notice in notices[1:]} == {"sin respuesta; venció WEBHOOK_MAX_AGE"}
    assert len(receiver.received) == 1


def test_a_redirect_is_not_followed(old_padron, watcher, receiver, tmp_path):
    elsewhere = Receiver().start()
    try:
        receiver.statuses = [307]
        receiver.extra_headers = {"Location": elsewhere.url}
        change_padron(tmp_path, "day1.zip", **{COMPANY: "NO HABIDO"})

        delivery.deliver_due()
    finally:
        elsewhere.stop()

    assert elsewhere.received == [] and Notification.objects.get().last_status == 307
    assert Notification.objects.get().delivery == Notification.PENDING


def test_without_webhook_allow_private_a_private_address_is_refused_at_delivery(old_padron, watcher, receiver,
                                                                                 tmp_path, settings):
    change_padron(tmp_path, "day1.zip", **{COMPANY: "NO HABIDO"})
    # An https URL whose host now resolves to loopback (DNS rebinding, say), the receiver listening there.
    Webhook.objects.update(url=f"https://localhost:{receiver.port}/avisos")
    settings.WEBHOOK_ALLOW_PRIVATE = False

    delivery.deliver_due()

    assert receiver.received == []
    notice = Notification.objects.get()
    assert notice.delivery == Notification.PENDING and "no pública" in notice.last_error


def test_a_key_without_webhook_gets_the_feed_only(client, old_padron, tmp_path):
    _, plain = api_keys.create_key("Sin webhook")
    client.put(f"/api/vigilancia/{COMPANY}", **auth(plain))

    change_padron(tmp_path, "day1.zip", **{COMPANY: "NO HABIDO"})

    assert Notification.objects.get().delivery == Notification.NONE
    assert delivery.deliver_due() == 0
    assert client.get("/api/cambios", **auth(plain)).json()["cambios"][0]["ruc"] == COMPANY


def test_the_documented_python_verification_accepts_a_delivery_and_refuses_a_forgery(old_padron, watcher, receiver,
                                                                                      tmp_path):
    guide = (PROJECT_ROOT / "docs" / "api.md").read_text()
    code = guide.split("**Webhook deliveries.**", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(code, namespace)  # noqa: S102 - the guide's own snippet, run as a receiver would
    change_padron(tmp_path, "day1.zip", **{COMPANY: "NO HABIDO"})
    delivery.deliver_due()
    (request,) = receiver.received

    verified = namespace["verified_change"]
    assert verified(request["body"], request["headers"]["X-Firma"], watcher)["ruc"] == COMPANY
    assert verified(request["body"].replace(b"NO HABIDO", b"HABIDO   "), request["headers"]["X-Firma"], watcher) is None
    assert verified(request["body"], request["headers"]["X-Firma"], "whsec_otro") is None


def test_the_admin_shows_a_webhooks_deliveries_without_its_secret_and_resends_one(admin_client, old_padron, watcher,
                                                                                  receiver, tmp_path):
    receiver.statuses = [500]
    change_padron(tmp_path, "day1.zip", **{COMPANY: "NO HABIDO"})
    delivery.deliver_due()
    webhook = Webhook.objects.get()

    page = admin_client.get(f"/admin/sunat/webhook/{webhook.pk}/change/").content.decode()
    assert COMPANY in page and "pendiente" in page and "500" in page and watcher not in page

    notice = Notification.objects.get()
    admin_client.post("/admin/sunat/notification/", {"action": "resend", "_selected_action": [notice.pk]})
    delivery.deliver_due()

    notice.refresh_from_db()
    assert notice.delivery == Notification.DELIVERED and len(receiver.received) == 2
    listing = admin_client.get("/admin/sunat/notification/", {"delivery": "entregado"}).content.decode()
    assert COMPANY in listing


class Trickler:
    """A receiver on loopback that answers one byte every `interval` seconds, forever."""

    def __init__(self, interval: float = 0.3):
        self.interval, self.requests = interval, 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stopping = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stopping.is_set():
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.requests += 1
            threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()

    def _trickle(self, connection):
        with connection:
            connection.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Lento: " + b"a" * 1000:
                if self.stopping.is_set():
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(self.interval)

    def stop(self):
        self.stopping.set()
        self.sock.close()


@pytest.mark.slow
def test_a_receiver_that_trickles_is_cut_at_the_attempts_limit_and_delays_only_its_own_key(
        client, old_padron, watcher, receiver, tmp_path, monkeypatch):
    monkeypatch.setattr(sender, "ATTEMPT_SECONDS", 1.5)
    slow = Trickler()
    try:
        _, other = api_keys.create_key("Lento")
        client.put(f"/api/vigilancia/{COMPANY}", **auth(other))
        client.put("/api/webhook", {"url": f"http://127.0.0.1:{slow.port}/avisos"}, content_type="application/json",
                   **auth(other))
        change_padron(tmp_path, "day1.zip", **{COMPANY: "NO HABIDO"})

        started = time.monotonic()
        delivery.deliver_due()
        took = time.monotonic() - started
    finally:
        slow.stop()

    assert took < 5  # the trickle alone would take minutes
    assert slow.requests == 1 and len(receiver.received) == 1  # the fast key was served too
    stuck = Notification.objects.get(key__name="Lento")
    assert stuck.delivery == Notification.PENDING and stuck.attempts == 1 and stuck.last_error


@pytest.mark.servers
def test_an_https_receiver_is_verified_against_the_urls_host_name(old_padron, watcher, tmp_path, settings):
    ca, cert, key = make_tls_files(tmp_path, "localhost")
    secure = Receiver(tls=(cert, key)).start()
    try:
        Webhook.objects.update(url=secure.url)  # https://localhost:<port>/avisos
        settings.WEBHOOK_CA_BUNDLE = ca
        change_padron(tmp_path, "day1.zip", **{COMPANY: "NO HABIDO"})
        assert delivery.deliver_due() == 1 and len(secure.received) == 1

        settings.WEBHOOK_CA_BUNDLE = ""  # the public CAs: they never signed the test certificate
        change_padron(tmp_path, "day2.zip", **{COMPANY: "HABIDO"})
        delivery.deliver_due()
        refused = Notification.objects.filter(delivery=Notification.PENDING).get()
        assert "CERTIFICATE_VERIFY_FAILED" in refused.last_error

        settings.WEBHOOK_CA_BUNDLE = ca
        Webhook.objects.update(url=f"https://127.0.0.1:{secure.port}/avisos")  # not the certificate's name
        all_due_now()
        delivery.deliver_due()
        refused.refresh_from_db()
        assert refused.delivery == Notification.PENDING and "127.0.0.1" in refused.last_error
    finally:
        secure.stop()
    assert len(secure.received) == 1
