"""Cross-process single flight (sunat.upstream.singleflight) on the runner's Redis: two threads stand
for two instances, each with its own lease token, as two gunicorn workers would."""

import threading
import time

import pytest
from django.core.cache import cache

from sunat import caching
from sunat.exceptions import RucNotFound
from sunat.upstream import singleflight


@pytest.fixture
def shared_flight():
    if not caching.uses_redis():
        pytest.skip("across processes, single flight is Redis's (without it, each process asks once)")


def _leader_and_late_follower(answer):
    """The leader answers `answer` (stored, or raised) and releases its lease right after the
    follower's last poll read nothing: the follower finds no lease and no stored result then.
    How many times SUNAT was asked, and what the follower got."""
    key, stored = "test-flight", "test-flight-result"
    asked = []
    leader_started, follower_read_nothing, leader_done = threading.Event(), threading.Event(), threading.Event()

    def read():
        value = cache.get(stored)
        if value == "no existe":
            raise RucNotFound("20000000001")
        return value

    def ask_sunat():
        asked.append(threading.current_thread().name)
        leader_started.set()
        follower_read_nothing.wait(10)
        cache.set(stored, answer)  # what fetching does: the answer (or the not-found marker) first
        if answer == "no existe":
            raise RucNotFound("20000000001")
        return answer

    def follower_read():
        value = read()
        if value is None and not follower_read_nothing.is_set():
            follower_read_nothing.set()
            leader_done.wait(10)  # the leader stores its answer and releases its lease now
        return value

    def lead():
        try:
            singleflight.run_once(key, ask_sunat, read)
        except RucNotFound:
            pass
        finally:
            leader_done.set()

    leader = threading.Thread(target=lead, name="instance-a")
    leader.start()
    assert leader_started.wait(10)
    outcome = {}

    def follow():
        try:
            outcome["got"] = singleflight.run_once(key, ask_sunat, follower_read)
        except RucNotFound:
            outcome["got"] = "no existe"

    follower = threading.Thread(target=follow, name="instance-b")
    follower.start()
    follower.join(20)
    leader.join(20)
    return asked, outcome.get("got")


def test_a_follower_that_polled_just_before_the_answer_does_not_ask_again(shared_flight):
    asked, got = _leader_and_late_follower({"ruc": "20100070970"})

    assert asked == ["instance-a"]
    assert got == {"ruc": "20100070970"}


def test_a_ruc_sunat_does_not_know_is_not_asked_again_by_a_follower(shared_flight):
    asked, got = _leader_and_late_follower("no existe")

    assert asked == ["instance-a"]
    assert got == "no existe"


def test_an_answer_from_before_the_flight_began_does_not_answer_it(shared_flight):
    """A forced lookup (?fresh=1, the admin's refresh) asks again even if an earlier flight answered."""
    asked = []
    singleflight.run_once("test-flight", lambda: asked.append(1) or "primera", lambda: "primera")
    singleflight.run_once("test-flight", lambda: asked.append(2) or "segunda", lambda: "primera")

    assert asked == [1, 2]


def test_a_flight_that_waited_in_its_process_queue_reads_the_answer_given_meanwhile(shared_flight):
    """Its job waited behind the pacing while another instance asked and answered: it asks nothing."""
    queued_at = time.time()
    singleflight.run_once("test-flight", lambda: cache.set("test-flight-result", "respuesta") or "respuesta",
                          lambda: cache.get("test-flight-result"))  # the other instance's flight
    asked = []

    got = singleflight.run_once("test-flight", lambda: asked.append(1) or "otra",
                                lambda: cache.get("test-flight-result"), since=queued_at)

    assert got == "respuesta" and asked == []
