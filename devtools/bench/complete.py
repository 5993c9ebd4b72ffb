"""What GET /api/ruc/<ruc>/completo costs: SUNAT requests and wall time, cold and warm.

    python -m devtools.bench.complete [--latency 0.2] [--rucs 3] [--warm 50] [--output FILE]

gunicorn (production settings, 2 workers, SQLite, LocMem) in front of the replica answering
every request after --latency seconds. For --rucs companies whose ficha offers every sub-page
(1 ficha + 10 sub-pages), and for a person (whose ficha offers 6 of them), a cold /completo
(nothing cached), a second one at once (what was pending finishes), then --warm cached ones.
Three deployments: the default pacing (SUNAT_MIN_INTERVAL 1 s) with Redis (one SUNAT request a
second for the deployment) and without it (each of the 2 workers paces itself at 2 s), and no
pacing (SUNAT_MIN_INTERVAL 0: only the replica's latency and SUNAT_CONCURRENCY upstream threads). SUNAT requests are the
replica's own count of POSTs to jcrS00Alias (each client session also GETs the form page once).
"""

import argparse
import contextlib
import statistics
import tempfile
import time

import requests

from devtools.bench import write_report
from devtools.deployments import manage, production_env
from devtools.replica import PERSON_RUC, ReplicaServer, make_ruc
from devtools.replica.subpages import PAGES
from devtools.servers import gunicorn_server, redis_server, stop_on_sigterm


def every_button_rucs(count: int, start: int) -> list[str]:
    rucs = []
    for n in range(start, start + 1000):
        ruc = make_ruc(f"20602{n:05d}")
        if all(page.applies(ruc) for page in PAGES):
            rucs.append(ruc)
        if len(rucs) == count:
            return rucs
    raise RuntimeError("not enough synthetic RUCs with every button")


def timed_get(url: str) -> tuple[float, dict]:
    started = time.perf_counter()
    response = requests.get(url, timeout=60)
    seconds = time.perf_counter() - started
    response.raise_for_status()
    return seconds, response.json()


def measure(base_url: str, replica: ReplicaServer, rucs: list[str], warm: int) -> list[dict]:
    rows = []
    for ruc in rucs:
        before = replica.stats()["alias_posts"]
        cold_s, body = timed_get(f"{base_url}/api/ruc/{ruc}/completo")
        cold_requests = replica.stats()["alias_posts"] - before
        # What was pending keeps running: the next /completo waits for it (up to COMPLETO_TIMEOUT).
        retry_s, retried = timed_get(f"{base_url}/api/ruc/{ruc}/completo")
        before = replica.stats()["alias_posts"]
        warm_s = [timed_get(f"{base_url}/api/ruc/{ruc}/completo")[0] for _ in range(warm)]
        rows.append({
            "ruc": ruc,
            "sections_offered": len(body["ficha"]["secciones"]),
            "cold_s": round(cold_s, 2),
            "cold_sunat_requests": cold_requests,
            "cold_summary": body["resumen"],
            "retry_s": round(retry_s, 2),
            "retry_summary": retried["resumen"],
            "warm_median_ms": round(statistics.median(warm_s) * 1000, 1),
            "warm_max_ms": round(max(warm_s) * 1000, 1),
            "warm_sunat_requests": replica.stats()["alias_posts"] - before,
        })
    return rows


# (label, SUNAT_MIN_INTERVAL, with Redis, first synthetic RUC number)
VARIANTS = (
    ("paced, Redis", "1", True, 0),
    ("paced, no Redis", "1", False, 300),
    ("unpaced, no Redis", "0", False, 600),
)


def run(latency: float, count: int, warm: int) -> dict:
    results = {}
    for label, interval, with_redis, start in VARIANTS:
        with contextlib.ExitStack() as stack:
            workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-complete-"))
            replica = stack.enter_context(ReplicaServer())
            replica.config.latency = latency
            env = production_env(f"sqlite:///{workdir}/db.sqlite3", SUNAT_BASE_URL=replica.url,
                                 SUNAT_MIN_INTERVAL=interval)
            if with_redis:
                env.update(USE_REDIS="True", REDIS_URL=stack.enter_context(redis_server()).url)
            if manage(env, "migrate", "--noinput").returncode != 0:
                raise RuntimeError("migrate failed")
            with gunicorn_server(env, workers=2) as gunicorn:
                rucs = [*every_button_rucs(count, start), PERSON_RUC]
                results[label] = measure(gunicorn.url, replica, rucs, warm)
    return {"latency_s": latency, "results": results}


def print_table(report: dict) -> None:
    print(f"\n/api/ruc/<ruc>/completo against the replica at {report['latency_s'] * 1000:.0f} ms per request")
    print(f"{'':20}{'ruc':>13}{'offered':>9}{'cold s':>8}{'SUNAT req':>11}{'pending':>9}{'retry s':>9}"
          f"{'pending':>9}{'warm ms p50':>13}{'warm max':>10}{'warm req':>10}")
    for label, rows in report["results"].items():
        for row in rows:
            print(f"{label:20}{row['ruc']:>13}{row['sections_offered']:>9}{row['cold_s']:>8}"
                  f"{row['cold_sunat_requests']:>11}{row['cold_summary']['pendiente']:>9}{row['retry_s']:>9}"
                  f"{row['retry_summary']['pendiente']:>9}{row['warm_median_ms']:>13}{row['warm_max_ms']:>10}"
                  f"{row['warm_sunat_requests']:>10}")


def main(argv=None) -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--rucs", type=int, default=3)
    parser.add_argument("--warm", type=int, default=50)
    parser.add_argument("--output", default="bench-results/complete.json")
    args = parser.parse_args(argv)
    report = run(args.latency, args.rucs, args.warm)
    print_table(report)
    write_report(report, args.output)


if __name__ == "__main__":
    main()
