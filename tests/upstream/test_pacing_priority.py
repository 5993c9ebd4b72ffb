"""Background SUNAT work (stale refreshes, re-checks: the job queue's) and live work share SUNAT's
rate. With the shared pacing (the Redis pass of make test) background work never takes a slot
ahead of live work: it waits for one nobody reserved, even when live requests arrive after it.
Without it (the first pass) each side paces itself to its part: the web processes share
1 - SUNAT_BACKGROUND_SHARE of the rate, the queue's processes the rest."""

import threading
import time
from itertools import pairwise

import pytest
from django.conf import settings as django_settings

from sunat.upstream import budget, throttle

INTERVAL = 0.3
shared_pacing = pytest.mark.skipif(not django_settings.USE_REDIS, reason="runs in the Redis pass of make test")
own_pacing = pytest.mark.skipif(django_settings.USE_REDIS, reason="the first pass: no shared pacing")


@pytest.fixture
def pacing(settings):
    settings.SUNAT_MIN_INTERVAL = INTERVAL
    settings.SUNAT_PROCESSES = 1
    settings.QUEUE_WORKERS = 2
    settings.SUNAT_BACKGROUND_SHARE = 0.2


def ask(name: str, sent: dict, yields: bool, delay: float = 0.0) -> threading.Thread:
    """A thread that waits `delay`, then for its pacing slot as live or background work, and notes when it got it."""

    def run():
        time.sleep(delay)
        with budget.running(budget.Budget(time.monotonic() + 10, yields=lambda: yields)):
            throttle.wait_for_turn()
        sent[name] = time.monotonic()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@shared_pacing
def test_background_work_takes_only_a_slot_nobody_reserved(pacing):
    sent = {}
    threads = [ask(f"live-{n}", sent, yields=False) for n in range(3)]  # slots 0, 1 and 2 reserved at once
    threads.append(ask("background", sent, yields=True, delay=0.05))  # waits for a free one
    threads += [ask(f"late-{n}", sent, yields=False, delay=INTERVAL * 1.5) for n in range(2)]  # arrive later
    for thread in threads:
        thread.join(15)

    order = sorted(sent, key=sent.get)
    assert order[-1] == "background", order  # after the live requests that came after it, too
    times = sorted(sent.values())
    assert all(b - a >= INTERVAL * 0.9 for a, b in pairwise(times)), times  # still paced


@shared_pacing
def test_background_work_gives_up_at_its_deadline_while_live_work_keeps_every_slot(pacing):
    stop = threading.Event()

    def live():
        while not stop.is_set():
            with budget.running(budget.Budget(time.monotonic() + 10)):
                throttle.wait_for_turn()

    threads = [threading.Thread(target=live) for _ in range(2)]  # always one slot reserved ahead
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.05)
        with budget.running(budget.Budget(time.monotonic() + INTERVAL * 4, yields=lambda: True)):
            with pytest.raises(budget.DeadlineExceeded):
                throttle.wait_for_turn()
    finally:
        stop.set()
        for thread in threads:
            thread.join(15)


@own_pacing
@pytest.mark.slow
def test_without_shared_pacing_each_side_paces_itself_to_its_part_of_the_rate(pacing):
    live_interval = INTERVAL * 1 / 0.8  # SUNAT_PROCESSES web processes share 80%
    background_interval = INTERVAL * 2 / 0.2  # QUEUE_WORKERS queue processes share 20%
    sent = {"live": [], "background": []}

    def run(kind: str, count: int):
        for _ in range(count):
            with budget.running(budget.Budget(time.monotonic() + 20, yields=lambda: kind == "background")):
                throttle.wait_for_turn()
            sent[kind].append(time.monotonic())

    threads = [threading.Thread(target=run, args=("live", 8)), threading.Thread(target=run, args=("background", 2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    def gaps(times):
        return [b - a for a, b in pairwise(times)]

    assert len(sent["live"]) == 8 and len(sent["background"]) == 2
    assert min(gaps(sent["live"])) >= live_interval * 0.9  # background work took none of its slots
    assert sent["live"][-1] - sent["live"][0] < live_interval * 7 + 1
    assert gaps(sent["background"])[0] >= background_interval * 0.9
