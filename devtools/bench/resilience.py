"""Cached lookups while Redis is healthy, killed, and frozen: the latency a caller sees.

    python -m devtools.bench.resilience [--requests 2000] [--concurrency 16] [--output FILE]

Runs gunicorn (production settings, 2 workers x 4 threads, SQLite) with a real
redis-server on loopback, warms 20 RUCs from the replica, then fires the same load of
cached lookups three times: Redis up, Redis killed (SIGKILL), Redis frozen (SIGSTOP).
"""

import argparse
import signal
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from devtools.bench import percentile, write_report
from devtools.deployments import manage, production_env
from devtools.replica import ReplicaServer, make_ruc
from devtools.servers import gunicorn_server, redis_server, stop_on_sigterm, wait_until

RUCS = [make_ruc(f"2071{n:06d}") for n in range(20)]


def _fire(base_url: str, total: int, concurrency: int) -> dict:
    latencies, errors, lock = [], 0, threading.Lock()
    per_thread = total // concurrency

    def worker(_):
        nonlocal errors
        with requests.Session() as session:
            for i in range(per_thread):
                start = time.perf_counter()
                try:
                    ok = session.get(f"{base_url}/api/ruc/{RUCS[i % len(RUCS)]}", timeout=30).status_code == 200
                except requests.RequestException:
                    ok = False
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    errors += not ok

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    duration = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "errors": errors,
        "requests_per_s": round(len(ordered) / duration, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def _wait_health(base_url: str, status: str) -> None:
    wait_until(lambda: requests.get(f"{base_url}/health", timeout=10).json()["status"] == status,
               20, f"/health saying {status}")


def run(total: int, concurrency: int) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as workdir, ReplicaServer() as replica, redis_server() as redis:
        env = production_env(f"sqlite:///{workdir}/db.sqlite3", USE_REDIS="True", REDIS_URL=redis.url,
                             SUNAT_BASE_URL=replica.url, REDIS_RETRY_INTERVAL="1", SUNAT_MIN_INTERVAL="0")
        assert manage(env, "migrate", "--noinput").returncode == 0
        with gunicorn_server(env, workers=2) as gunicorn:
            base_url = gunicorn.url
            for ruc in RUCS:
                requests.get(f"{base_url}/api/ruc/{ruc}", timeout=30)
            _fire(base_url, total // 4, concurrency)  # warm-up
            results.append({"redis": "up", **_fire(base_url, total, concurrency)})

            redis.process.send_signal(signal.SIGSTOP)
            results.append({"redis": "frozen (SIGSTOP)", **_fire(base_url, total, concurrency)})
            redis.process.send_signal(signal.SIGCONT)
            _wait_health(base_url, "ok")

            redis.process.kill()
            redis.process.wait()
            results.append({"redis": "killed", **_fire(base_url, total, concurrency)})
    return results


def main(argv=None) -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--output", default="bench-results/resilience.json")
    args = parser.parse_args(argv)
    results = run(args.requests, args.concurrency)
    print(f"Cached lookups through gunicorn, {args.concurrency} concurrent clients (Python requests)")
    print(f"{'redis':<18}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for row in results:
        print(f"{row['redis']:<18}{row['requests']:>9}{row['errors']:>8}{row['requests_per_s']:>9}"
              f"{row['p50_ms']:>9}{row['p99_ms']:>9}{row['max_ms']:>9}")
    write_report({"results": results}, args.output)


if __name__ == "__main__":
    main()
