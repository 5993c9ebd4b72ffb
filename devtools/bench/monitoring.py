"""What metrics and request logs cost a cached lookup: the gunicorn workers' CPU per answer.

    python -m devtools.bench.monitoring [--duration 10] [--connections 16] [--rounds 2] [--output FILE]

gunicorn (config/gunicorn.py, 2 workers, production settings with LocMem and SQLite: a hit touches
neither Redis nor the database, so what differs is only what is measured) answers the same cached
/api/ruc/<RUC> to wrk, in four set-ups, each started afresh, taking turns for --rounds rounds:

  1. without the monitoring middleware (devtools.bench.settings_without_monitoring):
     no request id, no metrics, no request log line;
  2. as shipped with plain logs: the request's metrics (counter and histogram, in
     prometheus-client's multiprocess files) and its id, no request line;
  3. the same with a request line each in plain text, and
  4. as .env.production ships it: JSON logs with a request line each; the logs of (3) and (4) are
     written to a file, as a container's log is.

CPU ms per answer is the workers' user + system time over the run divided by the answers; the
cost of each set-up is its figure minus (1)'s. The machine's noise (wrk and 64 threads on shared
cores) is larger than what is measured, so the same set-ups are also measured in one thread of
one process (devtools.bench.request_cpu: Django's request path with its test client, the logs to
a file), --rounds + 2 times each in turns: the medians' differences are the middleware's own cost.
Writes bench-results/monitoring.json.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from devtools.bench import write_report
from devtools.bench.load import wrk, wrk_row
from devtools.bench.measure import cpu_seconds, machine
from devtools.bench.serving import RUC, THREADS, WORKERS, gunicorn_workers
from devtools.deployments import manage, production_env
from devtools.replica import ReplicaServer
from devtools.servers import PROJECT_ROOT, gunicorn_server, stop_on_sigterm

BASELINE, METRICS, TEXT_LOGS, JSON_LOGS = ("sin monitoreo", "métricas", "métricas + registro texto",
                                           "métricas + registro JSON")
SETUPS = {
    BASELINE: {"DJANGO_SETTINGS_MODULE": "devtools.bench.settings_without_monitoring"},
    METRICS: {},
    TEXT_LOGS: {"DJANGO_LOG_REQUESTS": "True"},
    JSON_LOGS: {"DJANGO_LOG_FORMAT": "json", "DJANGO_LOG_REQUESTS": "True"},
}


def run_setup(env: dict, workdir: Path, name: str, duration: int, connections: int) -> dict:
    log = workdir / f"{len(list(workdir.glob('*.log')))}.log"
    with gunicorn_server({**env, **SETUPS[name]}, WORKERS, THREADS, log_path=log) as server:
        url = f"{server.url}/api/ruc/{RUC}"
        for _ in range(20):  # each worker's LocMem holds it (a miss, then hits)
            requests.get(url, timeout=30).raise_for_status()
        wrk(url, connections, 2)  # warm-up, not recorded
        pids = gunicorn_workers(server.process.pid)()
        cpu = cpu_seconds(pids)
        result = wrk(url, connections, duration)
        cpu = cpu_seconds(pids) - cpu
    errors = sum(result["errors"].values())
    return wrk_row(name, connections, result, errors, 0.0, cpu, log_bytes=log.stat().st_size)


def in_process(env: dict, workdir: Path, name: str, requests_count: int) -> float:
    """CPU µs per cached lookup in one process (devtools.bench.request_cpu), its log in a file."""
    with open(workdir / f"in-process-{len(list(workdir.glob('in-process-*.log')))}.log", "ab") as log:
        done = subprocess.run([sys.executable, "-m", "devtools.bench.request_cpu", str(requests_count)],
                              cwd=PROJECT_ROOT, env={**env, **SETUPS[name]}, stdout=subprocess.PIPE, stderr=log,
                              timeout=600, check=True)
    return json.loads(done.stdout.decode().strip().splitlines()[-1])["us_per_request"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--in-process-requests", type=int, default=5000)
    parser.add_argument("--output", default="bench-results/monitoring.json")
    args = parser.parse_args(argv)
    stop_on_sigterm()

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-monitoring-") as tmp, ReplicaServer() as sunat:
        workdir = Path(tmp)
        env = production_env(f"sqlite:///{workdir / 'db.sqlite3'}", SUNAT_BASE_URL=sunat.url,
                             DJANGO_SETTINGS_MODULE="config.settings.bench")
        migrated = manage(env, "migrate", "--noinput")
        if migrated.returncode != 0:
            raise RuntimeError(f"migrate failed:\n{migrated.stderr}")
        for round_number in range(args.rounds):
            for name in SETUPS:
                rows.append(run_setup(env, workdir, name, args.duration, args.connections))
                row = rows[-1]
                print(f"  round {round_number + 1} {name:<26} {row['requests_per_s']:>9} req/s  "
                      f"{row['cpu_ms_per_request']} CPU ms/req  p50 {row['p50_ms']} ms  p99 {row['p99_ms']} ms  "
                      f"errors {row['errors']}", flush=True)
        # The same in one thread of one process: what the middleware adds, without the noise of
        # gunicorn's threads and wrk sharing the cores.
        single = {name: [] for name in SETUPS}
        for _ in range(args.rounds + 2):
            for name in SETUPS:
                single[name].append(in_process(env, workdir, name, args.in_process_requests))
        for name, values in single.items():
            print(f"  in one thread: {name:<26} {statistics.median(values):.1f} CPU µs/req "
                  f"({', '.join(f'{value:.0f}' for value in values)})", flush=True)

    cpu = {name: statistics.median(row["cpu_ms_per_request"] for row in rows if row["target"] == name)
           for name in SETUPS}
    report = {
        "machine": machine(), "date": time.strftime("%Y-%m-%d"), "workers": WORKERS, "threads": THREADS,
        "duration_s": args.duration, "connections": args.connections, "rows": rows,
        "cpu_ms_per_request": cpu,
        "cost_cpu_ms_per_request": {name: round(cpu[name] - cpu[BASELINE], 3) for name in SETUPS if name != BASELINE},
        "in_one_thread_cpu_us_per_request": {name: round(statistics.median(v), 1) for name, v in single.items()},
        "in_one_thread_cost_us": {name: round(statistics.median(v) - statistics.median(single[BASELINE]), 1)
                                  for name, v in single.items() if name != BASELINE},
    }
    print(f"CPU ms per cached answer (median of {args.rounds}): " + ", ".join(
        f"{name}: {value:.3f}" for name, value in cpu.items()))
    print("cost over the baseline: " + ", ".join(
        f"{name}: +{value:.3f} ms" for name, value in report["cost_cpu_ms_per_request"].items()))
    print("in one thread, cost over the baseline: " + ", ".join(
        f"{name}: +{value:.1f} µs" for name, value in report["in_one_thread_cost_us"].items()))
    write_report(report, args.output)


if __name__ == "__main__":
    main()
