"""The upstream scheduler on its own: real threads, jobs that block on events instead of SUNAT."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from devtools.servers import wait_until
from sunat.exceptions import DeadlineExceeded, SunatBusy
from sunat.upstream import asker
from sunat.upstream.scheduler import BACKGROUND, BATCH
from sunat.upstream.scheduler.threads import Scheduler

# Touches neither the database nor the cache: run once, in the first pass.
pytestmark = pytest.mark.standalone


@pytest.fixture
def make_scheduler():
    made = []

    def make(threads: int) -> Scheduler:
        made.append(Scheduler(threads))
        return made[-1]

    yield make
    for scheduler in made:
        scheduler.shutdown()


class Recorder:
    """Jobs that note when they start and wait for the test to let them finish."""

    def __init__(self):
        self.started: list[str] = []
        self.gate = threading.Event()
        self._lock = threading.Lock()

    def job(self, name: str, wait: bool = True):
        def run():
            with self._lock:
                self.started.append(name)
            if wait:
                assert self.gate.wait(10), "the test never opened the gate"
            return name

        return run


def as_client(client: str, function, deadline: float = 10.0):
    """Call function() as `client`, whose request ends `deadline` seconds from now."""
    token = asker.begin(client, time.monotonic() + deadline)
    try:
        return function()
    finally:
        asker.end(token)


def in_thread(pool, client, function, deadline=10.0):
    return pool.submit(as_client, client, function, deadline)


def running(scheduler, count):
    wait_until(lambda: scheduler.stats()["running"] == count, 5, f"{count} jobs running")


def occupy(pool, scheduler, work):
    """A live job "first" that holds the only upstream thread until the gate opens."""
    in_thread(pool, "ip:x", lambda: scheduler.run("first", work.job("first")))
    running(scheduler, 1)


def test_one_thread_is_kept_for_live_lookups_whatever_the_backlog(make_scheduler):
    scheduler, work = make_scheduler(2), Recorder()
    batch = [as_client("ip:a", lambda n=n: scheduler.start(f"b{n}", work.job(f"b{n}"), BATCH, keep_for=60))
             for n in range(20)]
    running(scheduler, 1)  # one batch item runs, the others wait: the second thread is not theirs

    live = as_client("ip:b", lambda: scheduler.run("live", work.job("live", wait=False)))

    assert live == "live" and work.started == ["b0", "live"]
    work.gate.set()
    assert [future.result(10) for future in batch] == [f"b{n}" for n in range(20)]


def test_live_before_batch_before_background(make_scheduler):
    scheduler, work = make_scheduler(1), Recorder()
    with ThreadPoolExecutor(4) as pool:
        first = in_thread(pool, "ip:a", lambda: scheduler.run("first", work.job("first")))
        running(scheduler, 1)
        as_client("ip:a", lambda: scheduler.start("refresh", work.job("refresh", wait=False), BACKGROUND, 60))
        as_client("ip:a", lambda: scheduler.start("item", work.job("item", wait=False), BATCH, 60))
        live = in_thread(pool, "ip:b", lambda: scheduler.run("live", work.job("live", wait=False)))
        wait_until(lambda: scheduler.stats()["queued"]["live"] == 1, 5, "the live job queued")
        work.gate.set()
        assert (first.result(10), live.result(10)) == ("first", "live")
    wait_until(lambda: len(work.started) == 4, 5, "every job ran")
    assert work.started == ["first", "live", "item", "refresh"]


def test_a_clients_next_item_goes_after_every_other_clients_earlier_ones(make_scheduler):
    scheduler, work = make_scheduler(1), Recorder()
    with ThreadPoolExecutor(1) as pool:
        occupy(pool, scheduler, work)
        for name in ("a1", "a2", "a3"):
            as_client("ip:a", lambda name=name: scheduler.start(name, work.job(name, wait=False), BATCH, 60))
        as_client("ip:b", lambda: scheduler.start("b1", work.job("b1", wait=False), BATCH, 60))
        work.gate.set()
    wait_until(lambda: len(work.started) == 5, 5, "every job ran")
    assert work.started == ["first", "a1", "b1", "a2", "a3"]


def test_waiting_requests_are_bounded_in_all_and_per_client(make_scheduler, settings):
    settings.SUNAT_QUEUE_SIZE, settings.SUNAT_CLIENT_SHARE = 4, 0.5
    scheduler, work = make_scheduler(1), Recorder()
    with ThreadPoolExecutor(4) as pool:
        waiting = [in_thread(pool, "ip:a", lambda n=n: scheduler.run(f"a{n}", work.job(f"a{n}"))) for n in range(2)]
        wait_until(lambda: scheduler.stats()["waiting"] == 2, 5, "client a waits twice")
        with pytest.raises(SunatBusy) as over_share:
            as_client("ip:a", lambda: scheduler.run("a2", work.job("a2")))
        waiting += [in_thread(pool, "ip:b", lambda n=n: scheduler.run(f"b{n}", work.job(f"b{n}"))) for n in range(2)]
        wait_until(lambda: scheduler.stats()["waiting"] == 4, 5, "client b waits twice too")
        with pytest.raises(SunatBusy):
            as_client("ip:c", lambda: scheduler.run("c0", work.job("c0")))
        work.gate.set()
        assert sorted(future.result(10) for future in waiting) == ["a0", "a1", "b0", "b1"]
    assert over_share.value.retry_after >= 2
    assert "a2" not in work.started and "c0" not in work.started


def test_pending_batch_items_are_bounded_per_client_and_in_all(make_scheduler, settings):
    settings.LOTE_PENDING_PER_CLIENT, settings.SUNAT_BACKLOG = 2, 3
    scheduler, work = make_scheduler(1), Recorder()
    with ThreadPoolExecutor(1) as pool:
        occupy(pool, scheduler, work)
        for name in ("a1", "a2"):
            as_client("ip:a", lambda name=name: scheduler.start(name, work.job(name, wait=False), BATCH, 60))
        with pytest.raises(SunatBusy):
            as_client("ip:a", lambda: scheduler.start("a3", work.job("a3", wait=False), BATCH, 60))
        # Asking again for an item already pending costs nothing more.
        as_client("ip:a", lambda: scheduler.start("a1", work.job("a1 again", wait=False), BATCH, 60))
        as_client("ip:b", lambda: scheduler.start("b1", work.job("b1", wait=False), BATCH, 60))
        with pytest.raises(SunatBusy):
            as_client("ip:c", lambda: scheduler.start("c1", work.job("c1", wait=False), BATCH, 60))
        assert scheduler.stats()["backlog"] == 3
        work.gate.set()
    wait_until(lambda: scheduler.stats()["backlog"] == 0, 5, "the backlog drained")
    assert sorted(work.started) == ["a1", "a2", "b1", "first"]


def test_a_waiter_past_its_deadline_gets_deadline_exceeded_and_its_job_never_runs(make_scheduler):
    scheduler, work = make_scheduler(1), Recorder()
    with ThreadPoolExecutor(1) as pool:
        occupy(pool, scheduler, work)
        with pytest.raises(DeadlineExceeded):
            as_client("ip:a", lambda: scheduler.run("late", work.job("late", wait=False)), deadline=0.2)
        assert scheduler.stats()["queued"]["live"] == 0  # dropped at once, not left for a thread
        work.gate.set()
    assert work.started == ["first"]


def test_batch_items_nobody_asked_for_again_are_dropped(make_scheduler):
    scheduler, work = make_scheduler(1), Recorder()
    with ThreadPoolExecutor(1) as pool:
        occupy(pool, scheduler, work)
        stale = as_client("ip:a", lambda: scheduler.start("stale", work.job("stale", wait=False), BATCH, keep_for=0.1))
        kept = as_client("ip:a", lambda: scheduler.start("kept", work.job("kept", wait=False), BATCH, keep_for=60))
        time.sleep(0.2)
        work.gate.set()
    assert kept.result(5) == "kept"
    with pytest.raises(DeadlineExceeded):
        stale.result(5)
    assert "stale" not in work.started


def test_callers_of_one_key_share_one_run_and_a_live_caller_lifts_a_queued_item(make_scheduler):
    scheduler, work = make_scheduler(1), Recorder()
    with ThreadPoolExecutor(3) as pool:
        occupy(pool, scheduler, work)
        for name in ("b1", "b2", "shared"):
            as_client("ip:a", lambda name=name: scheduler.start(name, work.job(name, wait=False), BATCH, 60))
        live = [in_thread(pool, f"ip:{n}", lambda: scheduler.run("shared", work.job("second run", wait=False)))
                for n in range(2)]
        wait_until(lambda: scheduler.stats()["waiting"] == 3, 5, "both live callers wait")
        work.gate.set()
        assert [future.result(10) for future in live] == ["shared", "shared"]
    wait_until(lambda: len(work.started) == 4, 5, "every job ran")
    assert work.started == ["first", "shared", "b1", "b2"]


def test_a_running_job_runs_under_its_waiters_deadline(make_scheduler):
    from sunat.upstream import budget

    scheduler = make_scheduler(1)
    left = as_client("ip:a", lambda: scheduler.run("job", lambda: budget.current().remaining()), deadline=5)
    assert 0 < left <= 5


def test_shutdown_fails_queued_work_instead_of_draining_it(make_scheduler):
    scheduler, work = make_scheduler(1), Recorder()
    with ThreadPoolExecutor(1) as pool:
        occupy(pool, scheduler, work)
        queued = [as_client("ip:a", lambda n=n: scheduler.start(f"b{n}", work.job(f"b{n}", wait=False), BATCH, 60))
                  for n in range(50)]
        scheduler.shutdown()
        work.gate.set()
    for future in queued:
        with pytest.raises(SunatBusy):
            future.result(5)
    assert work.started == ["first"]
    with pytest.raises(SunatBusy):
        as_client("ip:a", lambda: scheduler.run("after", work.job("after", wait=False)))
