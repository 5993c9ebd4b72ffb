"""Background SUNAT work (stale refreshes, re-checks, in the queue's worker) never takes a pacing
slot ahead of live work: it waits for one nobody reserved, even when live requests arrive after it.
On the first pass the pacing is this process's; on the Redis pass it is the shared Lua script's."""

import threading
import time

import pytest

from sunat.upstream import budget, throttle

INTERVAL = 0.3


@pytest.fixture
def pacing(settings):
    settings.SUNAT_MIN_INTERVAL = INTERVAL
    settings.SUNAT_PROCESSES = 1
    throttle._local_last = 0.0


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
    assert all(b - a >= INTERVAL * 0.9 for a, b in zip(times, times[1:])), times  # still paced


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
