"""The scheduler's jobs, and the priority queue that orders them fairly between clients."""

import heapq
import itertools
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass, field

from django.conf import settings

LIVE, BATCH, BACKGROUND = 0, 1, 2
QUEUED, RUNNING, DONE = "queued", "running", "done"


@dataclass(eq=False)
class Job:
    key: str
    function: object
    priority: int
    wanted_until: float  # monotonic; nobody wants the answer after it
    future: Future = field(default_factory=Future)
    state: str = QUEUED
    started_at: float | None = None
    backlog_clients: set = field(default_factory=set)  # clients whose pending items it counts as
    in_backlog: bool = False
    counted_running: bool = False  # among the non-live jobs running (see Scheduler._may_take)
    request_id: str | None = None  # the first asker's: its log lines carry it (sunat.monitoring.logs)

    def deadline(self) -> float:
        end = self.wanted_until
        if self.started_at is not None:
            end = min(end, self.started_at + settings.SUNAT_DEADLINE)
        return end


class FairQueue:
    """Queued jobs by priority, then in start-time fair order between clients.

    A job queued again at a higher priority leaves its older entry behind; entries whose job is no
    longer queued at that priority are skipped when met. Not thread-safe: the scheduler's lock
    guards it.
    """

    def __init__(self):
        self._heap: list = []
        self._seq = itertools.count()
        self._virtual_time = Counter()  # per priority: the rank of the job taken last
        self._last_rank: dict[tuple, int] = {}  # (client, priority) -> rank of its newest job

    def push(self, job: Job, client: str) -> None:
        # A client's next job ranks after its previous one, and never before the rank served now.
        rank = max(self._virtual_time[job.priority], self._last_rank.get((client, job.priority), -1) + 1)
        self._last_rank[(client, job.priority)] = rank
        heapq.heappush(self._heap, (job.priority, rank, next(self._seq), job))
        if len(self._last_rank) > 10_000:
            self._last_rank = {k: r for k, r in self._last_rank.items() if r >= self._virtual_time[k[1]]}

    def head(self) -> Job | None:
        """The first job still queued, or None."""
        while self._heap:
            priority, _, _, job = self._heap[0]
            if job.state == QUEUED and priority == job.priority:
                return job
            heapq.heappop(self._heap)  # taken, dropped, or queued again at a higher priority
        return None

    def pop(self, served: bool = True) -> Job:
        """Remove the head (after head()); a served job moves the fair order on, a dropped one does not."""
        priority, rank, _, job = heapq.heappop(self._heap)
        if served:
            self._virtual_time[priority] = rank
        return job

    def compact(self, queued: int) -> None:
        """Drop skipped entries once they outnumber the `queued` jobs."""
        if len(self._heap) > 2 * queued + 64:
            self._heap = [entry for entry in self._heap if entry[3].state == QUEUED]
            heapq.heapify(self._heap)
