"""How long a SUNAT miss takes with each client, against the replica at a fixed latency.

    python -m devtools.bench.clients [--latency 0.2] [--lookups 20] [--cold 5] [--output FILE]

Measures, against the same replica: the plain HTTP client, the Selenium client with a warm
browser (started before timing), and with a cold one (each lookup starts its own browser).
Prints a table and writes it as JSON.
"""

import argparse
import os
import statistics
import time
from pathlib import Path

from devtools.bench import percentile, write_report
from devtools.servers import stop_on_sigterm


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    # The clients' own cost is measured here, not the deployment's pacing between requests.
    os.environ.setdefault("SUNAT_MIN_INTERVAL", "0")
    import django

    django.setup()


def _summary(name: str, seconds: list[float], latency: float, **extra) -> dict:
    ordered = sorted(seconds)
    p95 = percentile(ordered, 0.95)
    median = statistics.median(ordered)
    return {
        "client": name,
        "lookups": len(ordered),
        "median_ms": round(median * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "min_ms": round(ordered[0] * 1000, 1),
        "above_upstream_ms": round((median - latency) * 1000, 1),
        **extra,
    }


def _timed(lookup, rucs) -> list[float]:
    seconds = []
    for ruc in rucs:
        start = time.perf_counter()
        lookup(ruc)
        seconds.append(time.perf_counter() - start)
    return seconds


def _browser_rss_mb() -> float:
    from sunat.upstream.clients.browser_processes import browser_processes

    total = 0
    for pid, owner in browser_processes().items():
        if owner != os.getpid():
            continue
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


def run(latency: float, lookups: int, cold: int) -> list[dict]:
    _setup_django()
    from devtools.replica import ReplicaConfig, ReplicaServer, make_ruc
    from sunat.upstream.clients.browser import BrowserClient
    from sunat.upstream.clients.http import HttpClient

    rucs = iter(make_ruc(f"2065{n:06d}") for n in range(1_000_000))
    results = []
    with ReplicaServer(config=ReplicaConfig(latency=latency)) as replica:
        http = HttpClient(base_url=replica.url, timeout=30, max_attempts=1)
        http.lookup(next(rucs))  # session cookie, connection
        results.append(_summary("http", _timed(http.lookup, [next(rucs) for _ in range(lookups)]), latency))

        browser = BrowserClient(base_url=replica.url, timeout=30, max_attempts=1)
        try:
            browser.lookup(next(rucs))  # browser started before timing
            warm = _timed(browser.lookup, [next(rucs) for _ in range(lookups)])
            results.append(_summary("selenium (warm browser)", warm, latency, browser_rss_mb=_browser_rss_mb()))
        finally:
            browser.close()

        def cold_lookup(ruc):
            client = BrowserClient(base_url=replica.url, timeout=30, max_attempts=1)
            try:
                client.lookup(ruc)
            finally:
                client.close()

        results.append(_summary("selenium (cold browser)", _timed(cold_lookup, [next(rucs) for _ in range(cold)]),
                                latency))
    return results


def print_table(results: list[dict], latency: float) -> None:
    print(f"SUNAT miss, replica latency {latency * 1000:.0f} ms (per lookup)")
    print(f"{'client':<26}{'n':>4}{'median ms':>11}{'p95 ms':>9}{'min ms':>9}{'above upstream':>16}{'browser RSS MB':>16}")
    for row in results:
        rss = row.get("browser_rss_mb", "")
        print(f"{row['client']:<26}{row['lookups']:>4}{row['median_ms']:>11}{row['p95_ms']:>9}"
              f"{row['min_ms']:>9}{row['above_upstream_ms']:>16}{rss:>16}")


def main(argv=None) -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.2, help="replica latency in seconds")
    parser.add_argument("--lookups", type=int, default=20)
    parser.add_argument("--cold", type=int, default=5)
    parser.add_argument("--output", default="bench-results/clients.json")
    args = parser.parse_args(argv)
    results = run(args.latency, args.lookups, args.cold)
    print_table(results, args.latency)
    write_report({"latency_s": args.latency, "results": results}, args.output)


if __name__ == "__main__":
    main()
