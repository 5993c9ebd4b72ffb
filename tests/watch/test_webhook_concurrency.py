"""Webhook deliveries side by side (sunat.watch.delivery.deliver_due, the queue's job): receivers that
never answer, each attempt to them lasting sender.ATTEMPT_SECONDS, cost the other keys nothing; a
key's notices still arrive in order and once, however many runs overlap. Real sockets on loopback,
real timings; SQLite and PostgreSQL (the tests of writers at once: PostgreSQL only, as SQLite's
in-memory test database fails a second writer at once instead of making it wait as a file does)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from devtools.webhook_receiver import Receiver, Silent
from sunat import tasks
from sunat.keys import services as api_keys
from sunat.models import ChangeEvent, Notification
from sunat.registers.importer import import_padron
from sunat.watch import delivery, sender
from tests.support.padron_files import COMPANY, ENIE, HANDMADE, write_rows
from tests.support.queued_tasks import run_queued
from tests.watch.test_watch_api import auth
from tests.watch.test_webhook_delivery import change_padron

pytestmark = pytest.mark.django_db(transaction=True)

DEAD_KEYS = 5


@pytest.fixture
def webhook_of(client, settings, tmp_path):
    """A function: a new key watching `rucs` (COMPANY and ENIE), its webhook at `url`."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    import_padron(str(write_rows(tmp_path / "old.zip", HANDMADE)))

    def make(name, url, rucs=(COMPANY, ENIE)):
        _, plain = api_keys.create_key(name)
        client.post("/api/vigilancia/lote", {"rucs": list(rucs)}, content_type="application/json", **auth(plain))
        assert client.put("/api/webhook", {"url": url}, content_type="application/json", **auth(plain)).status_code in (
            200, 201)
    return make


@pytest.fixture
def dead(webhook_of):
    """DEAD_KEYS keys whose receivers take the connection and never answer."""
    receivers = [Silent() for _ in range(DEAD_KEYS)]
    for number, receiver in enumerate(receivers):
        webhook_of(f"Caído {number}", receiver.url)
    yield receivers
    for receiver in receivers:
        receiver.stop()


@pytest.fixture
def live():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def writers_at_once():
    if connection.vendor != "postgresql":
        pytest.skip("the first pass: SQLite's in-memory test database refuses a second writer at once")


def in_a_thread(function):
    """`function` as a queue worker's thread runs it: with its own database connection, closed at the end."""
    def run():
        try:
            function()
        finally:
            connection.close()
    return threading.Thread(target=run)


def event_ids(*rucs):
    return [f"evt_{pk}" for pk in ChangeEvent.objects.filter(ruc__in=rucs).order_by("id").values_list("id", flat=True)]


@pytest.mark.slow
def test_dead_receivers_of_other_keys_do_not_delay_a_live_one(dead, live, webhook_of, tmp_path):
    webhook_of("Atento", live.url, rucs=[COMPANY])
    change_padron(tmp_path, "day0.zip", **{ENIE: "NO HABIDO"})  # the dead keys' notices come first
    for day, condicion in enumerate(("NO HABIDO", "HABIDO", "NO HALLADO"), 1):  # three notices for every key
        change_padron(tmp_path, f"day{day}.zip", **{ENIE: "NO HABIDO", COMPANY: condicion})

    started = time.monotonic()
    delivery.deliver_due()  # as the queue runs it
    took = time.monotonic() - started

    assert [event["id"] for event in live.events()] == event_ids(COMPANY)  # each once, in order
    assert max(item["at"] for item in live.received) - started < 2  # one after another, these would be 50 s late
    assert took < sender.ATTEMPT_SECONDS + 5  # the dead ones' attempts ran side by side, not one after another
    assert [receiver.connections for receiver in dead] == [1] * DEAD_KEYS
    stuck = Notification.objects.filter(delivery=Notification.PENDING).order_by("id")
    assert {notice.key.name for notice in stuck} == {f"Caído {n}" for n in range(DEAD_KEYS)}
    assert sum(notice.attempts for notice in stuck) == DEAD_KEYS  # the first of each, then the next waits


@pytest.mark.slow
def test_a_retry_that_falls_due_while_a_run_waits_on_dead_receivers_goes_out_at_once(dead, live, webhook_of,
                                                                                    tmp_path):
    webhook_of("Atento", live.url)
    change_padron(tmp_path, "day1.zip", **{COMPANY: "NO HABIDO"})
    due = time.monotonic() + 1
    Notification.objects.filter(key__name="Atento").update(next_attempt_at=timezone.now() + timedelta(seconds=1))

    delivery.deliver_due()

    (request,) = live.received
    assert 0 <= request["at"] - due < 1.5  # taken up by the run, not after its dead attempts


def until_dead_are_held_and_live_delivered(dead):
    """Wait until every dead receiver holds an attempt and the live key ("Atento") has nothing pending."""
    while (sum(receiver.connections for receiver in dead) < DEAD_KEYS
           or Notification.objects.filter(key__name="Atento", delivery=Notification.PENDING).exists()):
        time.sleep(0.05)


def test_a_notice_written_while_a_run_waits_on_dead_receivers_goes_out_at_once(dead, live, webhook_of, tmp_path):
    writers_at_once()
    webhook_of("Atento", live.url)
    change_padron(tmp_path, "day1.zip", **{COMPANY: "NO HABIDO"})
    run = in_a_thread(delivery.deliver_due)  # the queue's run; no other worker is free
    run.start()
    try:
        until_dead_are_held_and_live_delivered(dead)
        change_padron(tmp_path, "day2.zip", **{COMPANY: "HABIDO"})
        written = time.monotonic()
        while len(live.received) < 2 and time.monotonic() - written < 3:
            time.sleep(0.05)
    finally:
        run.join()

    assert [event["id"] for event in live.events()] == event_ids(COMPANY)
    assert live.received[1]["at"] - written < 1.5  # taken up by the busy run, not after its dead attempts


def test_the_job_a_new_notice_queues_does_not_wait_behind_a_busy_run(dead, live, webhook_of, tmp_path):
    writers_at_once()
    webhook_of("Atento", live.url)
    change_padron(tmp_path, "day1.zip", **{COMPANY: "NO HABIDO"})
    busy = in_a_thread(lambda: run_queued(tasks.DELIVER))  # the first notices' job, in a queue worker...
    busy.start()
    try:
        until_dead_are_held_and_live_delivered(dead)
        change_padron(tmp_path, "day2.zip", **{COMPANY: "HABIDO"})
        written = time.monotonic()
        run_queued(tasks.DELIVER)  # ...and the job this one queued, in the queue's other worker
        took = time.monotonic() - written
    finally:
        busy.join()

    assert took < 2  # not behind the busy run's dead attempts: theirs are claimed, this run skips them
    assert [event["id"] for event in live.events()] == event_ids(COMPANY)
    assert live.received[1]["at"] - written < 1.5


def test_two_runs_at_once_send_a_keys_notices_in_order_and_once(live, webhook_of, tmp_path):
    writers_at_once()
    live.hold_each = 0.1  # each answer takes a moment: the runs overlap
    webhook_of("Atento", live.url)
    change_padron(tmp_path, "day1.zip", **{COMPANY: "NO HABIDO"})
    change_padron(tmp_path, "day2.zip", **{COMPANY: "HABIDO", ENIE: "NO HALLADO"})
    change_padron(tmp_path, "day3.zip", **{COMPANY: "NO HALLADO", ENIE: "NO HABIDO"})
    start = threading.Barrier(2)
    errors = []

    def run():  # a queue worker: runs the job again and again until nothing is pending
        try:
            start.wait()
            deadline = time.monotonic() + 30
            while (Notification.objects.filter(delivery=Notification.PENDING).exists()
                   and time.monotonic() < deadline):
                delivery.deliver_due()
        except Exception as exc:  # shown by the assertion below
            errors.append(exc)

    workers = [in_a_thread(run) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert [event["id"] for event in live.events()] == event_ids(COMPANY, ENIE)  # in order, each exactly once
    assert set(Notification.objects.values_list("delivery", flat=True)) == {Notification.DELIVERED}
