"""Cached lookups while SUNAT hangs and misses wait, next to the same with nothing waiting.

    python -m devtools.bench.isolation [--duration 10] [--levels 1,16] [--misses 24] [--output FILE]

The stack of `python -m devtools.bench.stack` (nginx -> gunicorn as config/gunicorn.py ships it ->
Django -> PostgreSQL and redis-server, the SUNAT replica), and wrk on the cached RUC at each
level, twice: (a) with nothing else, (b) with the replica hanging and `--misses` clients (each
its own loopback address, so no share limit applies) keeping one lookup of a new RUC each
waiting the whole time. SUNAT_TIMEOUT is set above SUNAT_DEADLINE, so that no attempt times
out and opens the failure backoff: the misses really wait (504 at the deadline, then the next
one) rather than being turned away at once. The two take turns at each level.

Reported per row: wrk's req/s, p50/p90/p99/max, non-2xx; the workers' RSS (peak) and CPU ms per
answer; for (b), the misses answered during the row and their statuses. JSON in
bench-results/isolation.json.
"""

import argparse
import contextlib
import http.client
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from devtools.bench import write_report
from devtools.bench.load import wrk
from devtools.bench.measure import RssSampler, cpu_seconds, machine, versions
from devtools.bench.serving import RUC, THREADS, WORKERS, gunicorn_workers, migrated, serve
from devtools.deployments import manage, production_env
from devtools.replica import ReplicaServer, make_ruc
from devtools.servers import postgres_server, redis_server, stop_on_sigterm

IDLE = "cached, SUNAT idle"
WAITING = "cached, misses waiting"
_WARM = "from sunat.lookups.services import lookup_ruc; print(lookup_ruc({ruc!r}).cache_status)"


class Misses:
    """`count` clients, each from its own 127.0.0.N, each always waiting on a lookup of a new RUC."""

    def __init__(self, nginx_url: str, count: int):
        self.host, port = nginx_url.removeprefix("http://").split(":")
        self.port, self.count = int(port), count
        self.statuses: Counter = Counter()
        self.elapsed: list[float] = []
        self._stop = threading.Event()
        self._rucs = (make_ruc(f"2075{n:06d}") for n in range(1_000_000))
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(count)]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def take(self) -> tuple[dict, list[float]]:
        with self._lock:
            taken = (dict(self.statuses), self.elapsed)
            self.statuses, self.elapsed = Counter(), []
        return taken

    def _run(self, n: int) -> None:
        while not self._stop.is_set():
            with self._lock:
                ruc = next(self._rucs)
            connection = http.client.HTTPConnection(self.host, self.port, timeout=60,
                                                    source_address=(f"127.0.1.{10 + n}", 0))
            started = time.monotonic()
            try:
                connection.request("GET", f"/api/ruc/{ruc}", headers={"Host": "localhost",
                                                                      "X-Forwarded-Proto": "https"})
                status = connection.getresponse().status
            except OSError as exc:
                status = type(exc).__name__
            finally:
                connection.close()
            with self._lock:
                self.statuses[status] += 1
                self.elapsed.append(round(time.monotonic() - started, 2))


def _row(target, connections, result, cpu_s, peak, **extra) -> dict:
    return {"target": target, "concurrency": connections, "requests": result["requests"],
            "requests_per_s": round(result["requests_per_s"], 1), "p50_ms": round(result["p50_us"] / 1000, 2),
            "p90_ms": round(result["p90_us"] / 1000, 2), "p99_ms": round(result["p99_us"] / 1000, 2),
            "max_ms": round(result["max_us"] / 1000, 2), "non_2xx": result["errors"]["status"],
            "socket_errors": sum(v for k, v in result["errors"].items() if k != "status"),
            "peak_rss_mb": peak, "cpu_ms_per_request": round(cpu_s * 1000 / max(result["requests"], 1), 3), **extra}


def run(duration: int, levels: list[int], misses: int) -> dict:
    rows = []
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-isolation-")))
        replica = stack.enter_context(ReplicaServer())
        redis = stack.enter_context(redis_server())
        postgres = stack.enter_context(postgres_server())
        env = production_env("", DJANGO_SETTINGS_MODULE="config.settings.bench", DJANGO_ALLOWED_HOSTS="localhost",
                             DJANGO_STATIC_ROOT=str(workdir / "static"), SUNAT_BASE_URL=replica.url,
                             USE_REDIS="True", REDIS_URL=redis.url, SUNAT_TIMEOUT="60", SUNAT_DEADLINE="20")
        env = migrated(env, postgres.url, "bench_isolation")
        warmed = manage_shell(env, _WARM.format(ruc=RUC))
        constant = workdir / "answer.json"
        constant.write_text("{}")
        (workdir / "static").mkdir()
        with serve(env, constant, workdir / "static", workdir / "nginx") as (gunicorn, nginx):
            url = f"{nginx.url}/api/ruc/{RUC}"
            workers = gunicorn_workers(gunicorn.process.pid)
            wrk(url, 16, 1)  # warm-up: every worker's threads and connections
            with RssSampler(workers) as sampler, contextlib.ExitStack() as waiting:
                for connections in levels:
                    for target in (IDLE, WAITING):
                        misses_running = None
                        if target == WAITING:
                            replica.config.mode = "hang"
                            misses_running = waiting.enter_context(Misses(nginx.url, misses))
                            time.sleep(2)  # every miss queued or in flight before measuring
                            misses_running.take()
                        pids = sampler.pids()
                        start, cpu = time.monotonic(), cpu_seconds(pids)
                        result = wrk(url, connections, duration)
                        cpu = cpu_seconds(pids) - cpu
                        extra = {}
                        if misses_running is not None:
                            statuses, _ = misses_running.take()
                            extra = {"misses_waiting": misses, "misses_answered_during_run": statuses}
                        rows.append(_row(target, connections, result, cpu, sampler.peak_between(
                            start, time.monotonic()), **extra))
                        print(f"  {target:<24} c={connections:<3} {rows[-1]['requests_per_s']:>8} req/s  "
                              f"p50 {rows[-1]['p50_ms']} ms  p99 {rows[-1]['p99_ms']} ms  "
                              f"max {rows[-1]['max_ms']} ms  non-2xx {rows[-1]['non_2xx']}", flush=True)
                        if misses_running is not None:
                            waiting.close()  # the misses stop (their last ones end at the deadline)
                            statuses, elapsed = misses_running.take()
                            rows[-1]["misses_answered_after_run"] = {
                                "statuses": statuses, "max_s": max(elapsed, default=None)}
                            replica.config.mode = "ok"
                memory = sampler.summary()
    return {"warm_lookup": warmed, "rows": rows, "memory_gunicorn_workers": memory}


def manage_shell(env: dict, script: str) -> str:
    done = manage(env, "shell", "-c", script)
    if done.returncode != 0:
        raise RuntimeError(f"warming the cache failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


def main(argv=None) -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (below SUNAT_DEADLINE)")
    parser.add_argument("--levels", default="1,16", help="wrk connections on the cached RUC")
    parser.add_argument("--misses", type=int, default=24, help="clients each keeping one miss waiting")
    parser.add_argument("--output", default="bench-results/isolation.json")
    args = parser.parse_args(argv)
    started = time.monotonic()
    report = {"machine": machine(), "versions": versions(),
              "setup": {"gunicorn_workers": WORKERS, "gunicorn_threads": THREADS, "duration_s": args.duration,
                        "levels": args.levels, "misses": args.misses, "ruc": RUC,
                        "sunat": "replica hanging; SUNAT_TIMEOUT 60 > SUNAT_DEADLINE 20"}}
    report.update(run(args.duration, [int(level) for level in args.levels.split(",")], args.misses))
    report["total_s"] = round(time.monotonic() - started, 1)
    print(f"\n{'target':<26}{'c':>4}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'non-2xx':>9}"
          f"{'RSS MB':>8}{'CPU ms/req':>12}")
    for row in report["rows"]:
        print(f"{row['target']:<26}{row['concurrency']:>4}{row['requests_per_s']:>9}{row['p50_ms']:>9}"
              f"{row['p99_ms']:>9}{row['max_ms']:>9}{row['non_2xx']:>9}{row['peak_rss_mb']:>8}"
              f"{row['cpu_ms_per_request']:>12}")
    memory = report["memory_gunicorn_workers"]
    print(f"gunicorn workers' RSS: {memory['start_mb']} -> {memory['end_mb']} MB (peak {memory['peak_mb']})")
    print(f"total {report['total_s']} s")
    write_report(report, args.output)


if __name__ == "__main__":
    main()
