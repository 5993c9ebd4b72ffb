"""What a SUNAT miss costs under each defense the replica can put up, with the default client (auto).

    python -m devtools.bench.flows [--latency 0.2] [--lookups 10] [--interval 1.0] [--output FILE]

For each mode (devtools.replica.DEFENSES: plain, numrnd, numrnd_once, cookie, js), on a new client
and a new choice of flow: the first lookup (it walks the refused flows and opens a session), then
`--lookups` cold misses of new RUCs, timed, with the SUNAT requests the replica saw per new RUC.
Without pacing (the client's own cost, as devtools.bench.clients measures it), then the first
lookup again at SUNAT_MIN_INTERVAL `--interval` (what the walk costs a deployment at its pacing).
"""

import argparse
import os
import statistics
import time
from collections import Counter

from devtools.bench import percentile, write_report
from devtools.servers import stop_on_sigterm

MODES = ("plain", "numrnd", "numrnd_once", "cookie", "js")


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["SUNAT_CLIENT"] = "auto"
    os.environ["TALLY_FLUSH_SECONDS"] = str(10**6)  # no database here: the admin's counts stay unwritten
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)  # a refused flow is the point here, not news


def _client(replica):
    from sunat.upstream.clients.auto import AutoClient
    from sunat.upstream.flows import choice

    choice.forget()
    return AutoClient(base_url=replica.url, timeout=30, max_attempts=1)


def _requests(replica) -> int:
    return len(replica.stats()["timeline"])


def _measure(replica, mode: str, lookups: int, rucs) -> dict:
    from sunat.upstream.flows import choice

    client = _client(replica)
    try:
        replica.reset_stats()
        started = time.perf_counter()
        client.lookup(next(rucs))
        first_ms = (time.perf_counter() - started) * 1000
        first_requests = _requests(replica)
        replica.reset_stats()
        seconds = []
        for _ in range(lookups):
            started = time.perf_counter()
            client.lookup(next(rucs))
            seconds.append(time.perf_counter() - started)
        stats = replica.stats()
        ordered = sorted(seconds)
        return {
            "mode": mode,
            "flow": choice.in_use()["flow"],
            "first_lookup_ms": round(first_ms, 1),
            "first_lookup_requests": first_requests,
            "lookups": lookups,
            "median_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(percentile(ordered, 0.95) * 1000, 1),
            "requests_per_ruc": round(len(stats["timeline"]) / lookups, 2),
            # By kind: form, alias (jcrS00Alias POSTs), captcha, other (what a browser's page loads itself).
            "per_ruc_by_kind": {kind: round(n / lookups, 2) for kind, n in Counter(
                kind for _, kind in stats["timeline"]).items()},
        }
    finally:
        client.close()


def _first_lookup_paced(replica, rucs, interval: float) -> float:
    from django.test import override_settings

    with override_settings(SUNAT_MIN_INTERVAL=interval):
        client = _client(replica)
        try:
            started = time.perf_counter()
            client.lookup(next(rucs))
            return round((time.perf_counter() - started) * 1000, 1)
        finally:
            client.close()


def run(latency: float, lookups: int, interval: float) -> list[dict]:
    _setup_django()
    from devtools.replica import DEFENSES, ReplicaConfig, ReplicaServer, make_ruc

    rucs = iter(make_ruc(f"2066{n:06d}") for n in range(1_000_000))
    results = []
    with ReplicaServer(config=ReplicaConfig(latency=latency)) as replica:
        for mode in MODES:
            replica.config.update(**DEFENSES[mode])
            row = _measure(replica, mode, lookups, rucs)
            row["first_lookup_paced_ms"] = _first_lookup_paced(replica, rucs, interval)
            results.append(row)
            print_row(row)
    return results


HEADER = (f"{'mode':<12}{'flow':<16}{'first ms':>10}{'first req':>10}{'paced first ms':>16}"
          f"{'median ms':>11}{'p95 ms':>9}{'req/RUC':>9}  per RUC by kind")


def print_row(row: dict) -> None:
    print(f"{row['mode']:<12}{row['flow']:<16}{row['first_lookup_ms']:>10}{row['first_lookup_requests']:>10}"
          f"{row.get('first_lookup_paced_ms', ''):>16}{row['median_ms']:>11}{row['p95_ms']:>9}"
          f"{row['requests_per_ruc']:>9}  {row['per_ruc_by_kind']}")


def main(argv=None) -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.2, help="replica latency per query, seconds")
    parser.add_argument("--lookups", type=int, default=10, help="timed cold misses per mode")
    parser.add_argument("--interval", type=float, default=1.0, help="SUNAT_MIN_INTERVAL for the paced first lookup")
    parser.add_argument("--output", default="bench-results/flows.json")
    args = parser.parse_args(argv)
    os.environ["SUNAT_MIN_INTERVAL"] = "0"  # the client's own cost; the paced row sets its own
    print(f"SUNAT miss by defense, default client (auto), replica latency {args.latency * 1000:.0f} ms per query")
    print(HEADER)
    results = run(args.latency, args.lookups, args.interval)
    write_report({"latency_s": args.latency, "interval_s": args.interval, "results": results}, args.output)


if __name__ == "__main__":
    main()
