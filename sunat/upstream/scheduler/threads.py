"""A few threads per process ask SUNAT; request threads queue work for them and wait, bounded.

gunicorn's gthread workers answer hits and misses from the same threads. A miss therefore
never does its SUNAT work (pacing waits, attempts, backoff) itself: it hands a job to this
process's SUNAT_CONCURRENCY upstream threads and waits for the answer until its deadline.
Waiting on a future costs a thread nothing but its stack, and at most SUNAT_QUEUE_SIZE request
threads may wait at once, so the other GUNICORN_THREADS always answer hits.

- Bounded: past SUNAT_QUEUE_SIZE waiting requests, or SUNAT_BACKLOG pending batch items and
  background refreshes, the answer is SunatBusy at once (503 sunat_ocupado, or the stale answer).
- Fair: one client holds at most SUNAT_CLIENT_SHARE of the waiting requests and at most
  LOTE_PENDING_PER_CLIENT pending batch items; within a priority, jobs are taken in start-time
  fair order (a client's n-th job after every other client's (n-1)-th).
- Prioritised: LIVE lookups before BATCH items before BACKGROUND refreshes, and one upstream
  thread only ever takes LIVE work, so a live miss never waits behind a backlog.
- One job per key: whoever asks for a key that is queued or running shares that job (raising
  its priority if need be). A job is kept while someone wants it: a waiter until its deadline,
  a batch item for LOTE_PENDING_TTL after it was last asked for. Once nobody does, it is dropped
  from the queue, or cancelled at its next wait if it runs (sunat.upstream.budget).
"""

import contextlib
import logging
import math
import threading
import time
from collections import Counter
from concurrent.futures import Future, wait

from django.conf import settings
from django.db import close_old_connections

from sunat.exceptions import DeadlineExceeded, SunatBusy
from sunat.monitoring import logs
from sunat.upstream import asker, budget
from sunat.upstream.scheduler.queue import BACKGROUND, BATCH, DONE, LIVE, QUEUED, RUNNING, FairQueue, Job

logger = logging.getLogger(__name__)

class Scheduler:
    def __init__(self, threads: int):
        self._lock = threading.Lock()
        self._work_ready = threading.Condition(self._lock)
        self._queue = FairQueue()
        self._jobs: dict[str, Job] = {}
        self._waiting = Counter()  # client -> request threads waiting
        self._waiting_total = 0
        self._backlog = Counter()  # client -> pending non-live jobs it asked for
        self._backlog_total = 0
        self._running_nonlive = 0
        self._stopping = False
        self._threads = [threading.Thread(target=self._work, name=f"sunat-upstream-{n}", daemon=True)
                         for n in range(threads)]
        self._local = threading.local()
        for thread in self._threads:
            thread.start()

    # Request threads ---------------------------------------------------------------------------

    def run(self, key: str, function, priority: int = LIVE):
        """function()'s result, computed by an upstream thread, waited for until the asker's deadline.

        SunatBusy when this process already has as many waiting requests as it may (or this
        client its share of them); DeadlineExceeded when the deadline passes first.
        """
        if getattr(self._local, "upstream", False):
            return function()  # already on an upstream thread: queueing would wait on itself
        who = asker.current()
        with self._waiting_slot(who.client):
            job = self._enqueue(key, function, priority, who.deadline)
            return self._result(job, who.deadline)

    def start(self, key: str, function, priority: int, keep_for: float) -> Future:
        """Queue function() without waiting (batch items, background refreshes): its future.

        The job is kept for `keep_for` seconds from now (or longer, if others want it). SunatBusy
        when the backlog, or this client's share of it, is full.
        """
        client = asker.current().client if priority == BATCH else None
        with self._lock:
            self._check_open()
            if self._backlog_total >= settings.SUNAT_BACKLOG:
                self._prune()
            job = self._jobs.get(key)
            joins_backlog = job is None or not job.in_backlog
            joins_client = client is not None and (job is None or client not in job.backlog_clients)
            if (joins_backlog and self._backlog_total >= settings.SUNAT_BACKLOG) or (
                    joins_client and self._backlog[client] >= settings.LOTE_PENDING_PER_CLIENT):
                raise SunatBusy(f"{self._backlog_total} SUNAT lookups pending here ({self._backlog[client]} of "
                                f"{client})", retry_after=self._retry_after())
            job = self._enqueue_locked(key, function, priority, time.monotonic() + keep_for)
            if joins_backlog:
                job.in_backlog = True
                self._backlog_total += 1
            if joins_client:
                job.backlog_clients.add(client)
                self._backlog[client] += 1
            return job.future

    def wait(self, futures, timeout: float) -> None:
        """Wait for `futures` (a batch's items) in this request thread, counted as one waiting request."""
        with self._waiting_slot(asker.current().client):
            wait(futures, timeout=max(0.0, timeout))

    def stats(self) -> dict:
        with self._lock:
            queued = Counter(job.priority for job in self._jobs.values() if job.state == QUEUED)
            return {"waiting": self._waiting_total, "backlog": self._backlog_total,
                    "running": sum(job.state == RUNNING for job in self._jobs.values()),
                    "queued": {name: queued[p] for name, p in (("live", LIVE), ("batch", BATCH),
                                                               ("background", BACKGROUND))}}

    def shutdown(self, wait_for: float = 0) -> None:
        """Stop taking work and fail what is queued (a stopping worker does not drain it); with
        `wait_for`, give what runs that many seconds to end."""
        with self._lock:
            self._stopping = True
            dropped = [job for job in self._jobs.values() if job.state == QUEUED]
            for job in dropped:
                self._forget(job)
            self._work_ready.notify_all()
        for job in dropped:
            job.future.set_exception(SunatBusy("this worker is stopping"))
        deadline = time.monotonic() + wait_for
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    # Admission ----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _waiting_slot(self, client: str):
        """Count this request thread among those waiting for SUNAT, or SunatBusy if that is full."""
        with self._lock:
            self._check_open()
            share = max(1, int(settings.SUNAT_QUEUE_SIZE * settings.SUNAT_CLIENT_SHARE))
            if self._waiting_total >= settings.SUNAT_QUEUE_SIZE or self._waiting[client] >= share:
                raise SunatBusy(f"{self._waiting_total} requests wait for SUNAT here ({self._waiting[client]} of "
                                f"{client})", retry_after=self._retry_after())
            self._waiting[client] += 1
            self._waiting_total += 1
        try:
            yield
        finally:
            with self._lock:
                self._waiting_total -= 1
                self._waiting[client] -= 1
                if not self._waiting[client]:
                    del self._waiting[client]

    def _check_open(self) -> None:
        if self._stopping:
            raise SunatBusy("this worker is stopping")

    def _retry_after(self) -> int:
        queued = sum(job.state == QUEUED and job.priority == LIVE for job in self._jobs.values())
        return max(2, min(30, math.ceil((queued + 1) * max(settings.SUNAT_MIN_INTERVAL, 0.5))))

    # The queue ----------------------------------------------------------------------------------

    def _enqueue(self, key, function, priority, wanted_until) -> Job:
        with self._lock:
            self._check_open()
            return self._enqueue_locked(key, function, priority, wanted_until)

    def _enqueue_locked(self, key, function, priority, wanted_until) -> Job:
        job = self._jobs.get(key)
        if job is None:
            job = self._jobs[key] = Job(key, function, priority, wanted_until, request_id=logs.current())
            self._queue.push(job, asker.current().client)
        else:
            job.wanted_until = max(job.wanted_until, wanted_until)
            if priority < job.priority:
                job.priority = priority
                if job.state == QUEUED:
                    self._queue.push(job, asker.current().client)  # its older entry is skipped when met
        self._work_ready.notify()
        return job

    def _result(self, job: Job, deadline: float):
        done, _ = wait([job.future], timeout=max(0.0, deadline - time.monotonic()))
        if done:
            return job.future.result()
        with self._lock:
            if job.state == QUEUED and job.wanted_until <= time.monotonic():
                self._forget(job)  # nobody else wants it: out of the queue now
        raise DeadlineExceeded("SUNAT did not answer within the request's deadline")

    def _prune(self) -> None:
        """Drop queued jobs that nobody wants any more (their entries in the heap are skipped)."""
        now = time.monotonic()
        for job in [job for job in self._jobs.values() if job.state == QUEUED and job.wanted_until <= now]:
            self._forget(job)
        self._queue.compact(len(self._jobs))

    def _forget(self, job: Job) -> None:
        if self._jobs.get(job.key) is job:
            del self._jobs[job.key]
        job.state = DONE
        if job.in_backlog:
            self._backlog_total -= 1
            for client in job.backlog_clients:
                self._backlog[client] -= 1
                if not self._backlog[client]:
                    del self._backlog[client]
            job.in_backlog = False
        if job.counted_running:
            self._running_nonlive -= 1
            job.counted_running = False
            self._work_ready.notify()

    # Upstream threads ---------------------------------------------------------------------------

    def _work(self) -> None:
        self._local.upstream = True
        while True:
            with self._lock:
                job = self._take()
            if job is None:
                return
            self._execute(job)

    def _take(self) -> Job | None:
        while not self._stopping:
            now = time.monotonic()
            while (job := self._queue.head()) is not None:
                if job.wanted_until <= now:
                    self._queue.pop(served=False)
                    self._forget(job)
                    job.future.set_exception(DeadlineExceeded("nobody waits for this lookup any more"))
                    continue
                if not self._may_take(job.priority):
                    break  # the head is not live and only live work may take the last thread
                self._queue.pop()
                job.state, job.started_at = RUNNING, now
                if job.priority != LIVE:
                    self._running_nonlive += 1
                    job.counted_running = True
                return job
            self._work_ready.wait()
        return None

    def _may_take(self, priority: int) -> bool:
        return priority == LIVE or self._running_nonlive < max(1, len(self._threads) - 1)

    def _execute(self, job: Job) -> None:
        close_old_connections()  # no request cycle closes this thread's connections
        request = logs.begin(job.request_id)
        try:
            with budget.running(budget.Budget(job.deadline, yields=lambda: job.priority == BACKGROUND)):
                result = job.function()
        except BaseException as exc:  # handed to whoever waits, like a result
            outcome, error = None, exc
        else:
            outcome, error = result, None
        finally:
            logs.end(request)
            close_old_connections()
            with self._lock:
                self._forget(job)
        if error is not None:
            job.future.set_exception(error)
        else:
            job.future.set_result(outcome)
