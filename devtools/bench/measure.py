"""What the benches measure of processes and the machine: CPU time, RSS, the machine, versions."""

import os
import platform
import subprocess
import threading
import time
from pathlib import Path


def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # the command name may hold spaces or ")"


def children(parent: int) -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit() and _ppid(int(name)) == parent]


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids) -> float:
    """User + system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat
    return total / _TICK


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler:
    """Sums the RSS of `pids()` every `interval` seconds in a thread, while in a `with`."""

    def __init__(self, pids, interval: float = 0.2):
        self.pids = pids
        self.interval = interval
        self.samples: list[tuple[float, float, tuple[int, ...]]] = []  # (monotonic, MB, pids)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self):
        pids = tuple(sorted(self.pids()))
        self.samples.append((time.monotonic(), sum(rss_kb(pid) for pid in pids) / 1024, pids))

    def _run(self):
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self):
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
        self._sample()

    def peak_between(self, start: float, end: float) -> float:
        inside = [mb for t, mb, _ in self.samples if start <= t <= end]
        return round(max(inside, default=0.0), 1)

    def summary(self) -> dict:
        values = [mb for _, mb, _ in self.samples]
        return {
            "start_mb": round(values[0], 1),
            "end_mb": round(values[-1], 1),
            "peak_mb": round(max(values), 1),
            "samples": len(values),
            "processes": len(self.samples[-1][2]),
            # A worker that died and was replaced shows up as a new set of pids.
            "process_sets": len({pids for _, _, pids in self.samples}),
        }


def cpu_accounts() -> tuple[float, float, float]:
    """(monotonic, CPU seconds the whole machine was busy, CPU seconds of this process and its reaped
    descendants): every server the bench starts is waited for, so all of them count as ours at the end."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    times = os.times()
    ours = times.user + times.system + times.children_user + times.children_system
    return time.monotonic(), (user + nice + system + irq + softirq + steal) / _TICK, ours


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    return {"nproc": len(os.sched_getaffinity(0)), "cpu_model": model, "memory_total_mb": round(mem_kb / 1024),
            "kernel": platform.release()}


def versions() -> dict:
    def first_line(command):
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=10)
        except OSError:
            return None
        return (done.stdout or done.stderr).strip().splitlines()[0]

    import django
    import gunicorn

    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "wrk": first_line(["wrk", "--version"]),
        "nginx": first_line(["nginx", "-v"]),
        "redis": first_line(["redis-server", "--version"]),
    }
