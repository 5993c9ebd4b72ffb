"""The deployed stack under a real load generator: what a cached lookup costs, and its ceilings.

    python -m devtools.bench.stack [--duration 5] [--levels 1,16,64] [--latency 0.05] [--output FILE]

Starts on loopback nginx (the project's template) -> gunicorn (config/gunicorn.py, production
settings plus one benchmark URL: config.settings.bench) -> Django -> PostgreSQL, with a real
redis-server and the SUNAT replica, and drives it with wrk (Debian's) for a fixed time at each
concurrency level (wrk threads: min(c, 2)). Both databases hold SUNAT's four agents' and good
taxpayers' registers at about their real sizes (devtools.bench.serving.register_files), so every
answer carries their fields, as deployed. In the same run it measures:

  1. cached lookups, /api/ruc/<RUC>, Redis cache
 1k. the same with an API key (Authorization: Bearer): what a key's check and quota cost
 1t. GET /api/tipo-cambio of a published day, cached (its stand-in, devtools/tipocambio, asked once)
 1c. POST /api/comprobantes/validar of one comprobante, cached (SUNAT's API stand-in, devtools/cpe, asked once)
 1b. POST /api/ruc/lote with 100 cached RUCs (devtools/bench/wrk/batch.lua): batches/s and RUC/s
  2. the same with LocMem (gunicorn restarted with USE_REDIS=False, its own database)
  3. /bench/constant: a view answering the same bytes with the same json_response and
     require_get, without the lookup (the framework's ceiling; devtools/bench/views.py)
 3b. the same gunicorn and nginx serving those bytes from a bare WSGI callable, no Django in
     the request (gunicorn's ceiling; devtools/bench/bare.py)
  4. nginx serving a static file of the same bytes (the proxy's ceiling)
  5. redis-benchmark GET of a value of the same size on the same redis-server (Redis's ceiling)
  6. cold misses, one connection, a new valid RUC on each request (devtools/bench/wrk/cold.lua),
     against the replica at a fixed latency: the service's time above the upstream's own

Every request carries Host: localhost and X-Forwarded-Proto: https, what the TLS front sends in
production, so Django's HTTPS redirect stays on (devtools/bench/wrk/report.lua). The cache is
warmed before measuring (and one warm-up wrk run, not recorded, precedes each target). (1), (1k),
(1t), (1c) and (3) take turns at each level, so that a drift of a shared machine weighs on both alike. Before
any load, the harness checks that (1), (3), (3b) and (4) answer the very same bytes.

errors = wrk's socket errors (connect, read, write, timeout) + non-2xx answers. wrk itself
counts only statuses >= 400, so for the proxied targets the non-2xx answers are counted from
nginx's access log instead (a 301 would count too; a 499, wrk closing its connections at
the end of a run, does not). The static location has no access log: wrk's count is used.

Memory: the RSS of the gunicorn workers (children of the master, /proc), summed, sampled every
0.2 s during each target's runs: the peak per run, and start / end / peak per target. For (4)
it is nginx's processes, for (5) redis-server's. The same processes' CPU time (user + system)
over each run, per answer, is the "CPU ms/req" column: steadier than req/s when the machine
is not quiet. The run also reports how much CPU other processes on the machine used meanwhile,
and warns when it was more than 5% of the machine: then the figures are not comparable.

Prints a table and writes it, with the machine and the setup, as JSON (bench-results/stack.json),
including ratio_cached_redis_to_constant per level: req/s of (1) / req/s of (3),
cpu_ratio_constant_to_cached_redis: the workers' CPU ms per answer of (3) / that of (1), and
api_key_cpu_ms_per_request: the workers' CPU ms per answer of (1k) minus that of (1).
The load generator shares the machine's cores with the servers it measures.
"""

import argparse
import contextlib
import shutil
import tempfile
import time
from pathlib import Path

from devtools.bench import targets, write_report
from devtools.bench.measure import cpu_accounts, machine, versions
from devtools.bench.serving import HEADERS, RUC, THREADS, WORKERS, migrated, register_files, serve
from devtools.bench.targets import BARE_APP, BATCH, COLD, CONSTANT, LOOKUP, LOOKUP_KEY, ORDER
from devtools.cpe import CpeStandin
from devtools.deployments import production_env
from devtools.replica import ReplicaServer
from devtools.servers import postgres_server, redis_server, stop_on_sigterm
from devtools.tipocambio import TipoCambioStandin


def run(duration: int, levels: list[int], latency: float, warmup: int, redis_requests: int) -> dict:
    for tool in ("wrk", "redis-benchmark"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed (make bench-deps installs it)")
    runs = targets.Runs(levels, duration, warmup)
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-stack-")))
        replica = stack.enter_context(ReplicaServer())
        rates = stack.enter_context(TipoCambioStandin())
        sunat_api = stack.enter_context(CpeStandin())
        item = targets.COMPROBANTE_BODY
        sunat_api.add(item["rucEmisor"], item["tipo"], item["serie"], item["numero"], item["fechaEmision"],
                      f"{item['monto']:.2f}")
        redis = stack.enter_context(redis_server())
        postgres = stack.enter_context(postgres_server())
        static_root = workdir / "static"
        constant_path = workdir / "answer.json"
        base_env = production_env(
            "",
            DJANGO_SETTINGS_MODULE="config.settings.bench",
            DJANGO_ALLOWED_HOSTS="localhost",
            DJANGO_SECURE_SSL_REDIRECT="True",  # nginx and a TLS front, as deployed
            DJANGO_STATIC_ROOT=str(static_root),
            SUNAT_BASE_URL=replica.url,
            SUNAT_MIN_INTERVAL="0",  # pacing would be all that (6) measures
            SUNAT_TIPO_CAMBIO_URL=rates.url, SUNAT_TIPO_CAMBIO_TXT_URL=rates.txt_url,
            SUNAT_API_TOKEN_URL=sunat_api.token_url, SUNAT_API_URL=sunat_api.api_url,
            SUNAT_API_CLIENT_ID=sunat_api.client_id, SUNAT_API_CLIENT_SECRET=sunat_api.client_secret,
            SUNAT_API_RUC="20131312955",
        )
        base_env.pop("BENCH_CONSTANT_JSON", None)
        registers = register_files(workdir)

        # -- Redis: (1), (3), (4), (5), (6) ----------------------------------------------------
        print(f"Redis stack: gunicorn {WORKERS} workers x {THREADS} threads", flush=True)
        env = migrated({**base_env, "USE_REDIS": "True", "REDIS_URL": redis.url}, postgres.url, "bench_redis", registers)
        answer, key_headers, batch_body = targets.prepare(env, workdir, constant_path, static_root)
        with serve(env, constant_path, static_root, workdir / "nginx-redis") as (gunicorn, nginx):
            log, workers = targets.cached(runs, gunicorn, nginx, workdir, answer, key_headers, batch_body)
            stored = targets.redis_get(runs, redis, answer, redis_requests)
            targets.cold(runs, nginx, replica, latency, workers, log)

        # -- LocMem: (2) -------------------------------------------------------------------
        print("LocMem stack (gunicorn restarted with USE_REDIS=False)", flush=True)
        env = migrated({**base_env, "USE_REDIS": "False"}, postgres.url, "bench_locmem", registers)
        with serve(env, constant_path, static_root, workdir / "nginx-locmem") as (gunicorn, nginx):
            targets.locmem(runs, gunicorn, nginx, workdir, answer)

        # -- (3b) the same gunicorn and nginx with a bare WSGI callable: no Django ---------------
        print("gunicorn with a bare WSGI app (devtools/bench/bare.py)", flush=True)
        with serve(env, constant_path, static_root, workdir / "nginx-bare", app=BARE_APP) as (gunicorn, nginx):
            targets.bare(runs, gunicorn, nginx, workdir, answer)

    rows, memory = runs.rows, runs.memory
    rows.sort(key=lambda row: (ORDER.index(row["target"]), row["concurrency"]))
    rps = {(row["target"], row["concurrency"]): row["requests_per_s"] for row in rows}
    ratios = {str(c): round(rps[(LOOKUP, c)] / rps[(CONSTANT, c)], 3) for c in levels}
    # The same comparison by the workers' CPU per answer, which a busy neighbour disturbs less.
    cpu = {(row["target"], row["concurrency"]): row["cpu_ms_per_request"] for row in rows}
    cpu_ratios = {str(c): round(cpu[(CONSTANT, c)] / cpu[(LOOKUP, c)], 3) for c in levels}
    key_cost = {str(c): round(cpu[(LOOKUP_KEY, c)] - cpu[(LOOKUP, c)], 3) for c in levels}
    return {"answer_bytes": len(answer), "redis_value_bytes": stored, "rows": rows, "memory": memory,
            "ratio_cached_redis_to_constant": ratios, "cpu_ratio_constant_to_cached_redis": cpu_ratios,
            "api_key_cpu_ms_per_request": key_cost}


def print_table(report: dict) -> None:
    setup = report["setup"]
    print()
    print(f"nginx -> gunicorn ({setup['gunicorn_workers']} workers x {setup['gunicorn_threads']} threads, "
          f"gthread) -> Django, wrk {setup['duration_s']:g} s per run, answer {report['answer_bytes']} bytes, "
          f"{report['machine']['nproc']} CPUs ({report['machine']['cpu_model']})")
    print(f"{'target':<24}{'c':>4}{'req/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'peak RSS MB':>13}"
          f"{'CPU ms/req':>12}")
    for row in report["rows"]:
        errors = "" if row["errors"] is None else row["errors"]
        print(f"{row['target']:<24}{row['concurrency']:>4}{row['requests_per_s']:>11}{row['p50_ms']:>9}"
              f"{row['p99_ms']:>9}{errors:>8}{row['peak_rss_mb']:>13}{row['cpu_ms_per_request']:>12}")
    print("peak RSS and CPU: the gunicorn workers (summed); nginx's processes for the static file; "
          "redis-server for GET")
    print("memory over each target's runs (MB): " + "; ".join(
        f"{target}: {m['start_mb']} -> {m['end_mb']} (peak {m['peak_mb']})" for target, m in report["memory"].items()))
    print("cached lookup (Redis) / constant view, req/s: " + ", ".join(
        f"c={c}: {ratio}" for c, ratio in report["ratio_cached_redis_to_constant"].items()))
    print("the same by CPU per answer, constant view / cached lookup (Redis): " + ", ".join(
        f"c={c}: {ratio}" for c, ratio in report["cpu_ratio_constant_to_cached_redis"].items()))
    print("an API key's cost, CPU ms per answer above the cached lookup: " + ", ".join(
        f"c={c}: {cost}" for c, cost in report["api_key_cpu_ms_per_request"].items()))
    print(f"{BATCH}: " + ", ".join(f"c={row['concurrency']}: {row['rucs_per_s']} RUC/s"
                                    for row in report["rows"] if row["target"] == BATCH))
    cold = next(row for row in report["rows"] if row["target"] == COLD)
    others = report["other_processes"]
    print(f"other processes on the machine used {others['cpu_s']} CPU s during the run "
          f"({others['share_of_machine']:.0%} of it)"
          + ("  -- WARNING: not a quiet machine, the figures are not comparable" if others["busy"] else ""))
    print(f"cold miss: p50 {cold['p50_ms']} ms with the replica at {cold['replica_latency_ms']:g} ms: "
          f"{cold['above_upstream_p50_ms']} ms above the upstream ({cold['requests']} lookups, "
          f"{cold['replica_queries']} replica queries)")


def main(argv=None) -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (wrk takes whole seconds)")
    parser.add_argument("--levels", default="1,16,64", help="concurrency levels (wrk connections)")
    parser.add_argument("--latency", type=float, default=0.05, help="replica latency in seconds for (6)")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of unrecorded load before each target, 0: none")
    parser.add_argument("--redis-requests", type=int, default=100_000, help="GETs per redis-benchmark level")
    parser.add_argument("--output", default="bench-results/stack.json")
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.levels.split(",")]
    started = time.monotonic()
    accounts_before = cpu_accounts()
    report = {
        "machine": machine(),
        "versions": versions(),
        "setup": {"gunicorn_workers": WORKERS, "gunicorn_threads": THREADS, "duration_s": args.duration,
                  "warmup_s": args.warmup, "levels": levels, "wrk_threads": "min(c, 2)", "ruc": RUC,
                  "settings": "config.settings.bench", "nginx_worker_processes": 1,
                  "headers": HEADERS, "replica_latency_cold_s": args.latency,
                  "redis_benchmark_requests": args.redis_requests},
    }
    report.update(run(args.duration, levels, args.latency, args.warmup, args.redis_requests))
    report["total_s"] = round(time.monotonic() - started, 1)
    # CPU the machine spent on anything but the bench and the servers it ran (all reaped by now).
    (t0, busy0, ours0), (t1, busy1, ours1) = accounts_before, cpu_accounts()
    others = max(0.0, (busy1 - busy0) - (ours1 - ours0))
    share = others / ((t1 - t0) * report["machine"]["nproc"])
    report["other_processes"] = {"cpu_s": round(others, 1), "share_of_machine": round(share, 3),
                                 "busy": share > 0.05}
    print_table(report)
    print(f"total {report['total_s']} s")
    write_report(report, args.output)


if __name__ == "__main__":
    main()
