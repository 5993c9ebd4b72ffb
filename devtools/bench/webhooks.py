"""Webhook deliveries and change detection: what watching RUCs costs.

    python -m devtools.bench.webhooks [--keys 10] [--dead 5] [--steady 200] [--burst 2000]
                                      [--padron-rows 2000000] [--watched 100000] [--output FILE]

On a loopback PostgreSQL (devtools.servers, the tests' settings) with the project migrated,
production settings and `manage.py qcluster` (2 workers, the worker service) running:

  1. --keys keys, each watching the same RUCs, with a webhook at a receiver on loopback that
     answers 200 at once; changes are recorded as the service records them (sunat.changes.events)
     from a `manage.py shell` of their own: --steady of them one every 50 ms, then a --burst of
     that many in one transaction. Delivered per second (the burst), and the delay from the
     change's detection to its delivery (detected_at to delivered_at, p50 and p99, both loads).
     --dead more keys watch the same RUCs with a webhook at a receiver that takes connections and
     never answers (each attempt lasts its 10 s): what they cost the others is the difference
     with --dead 0;
  2. a generated padrón of --padron-rows rows imported, then the next day's with 0.5% of its
     rows' condición changed, twice: with nobody watching, and with --watched RUCs watched by one
     key (they and the changed rows drawn independently, as a purchasing team's suppliers are):
     the import's comparison time with and without, i.e. what finding the watched RUCs' changes
     and writing their events and notices costs (--padron-rows 0: skipped).
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from devtools.bench import percentile, write_report
from devtools.bench.measure import machine
from devtools.bench.sync import _COMPARED, changed_padron
from devtools.deployments import create_database, job_worker, manage, production_env
from devtools.padron_generator import write_padron
from devtools.servers import PROJECT_ROOT, postgres_server, stop_on_sigterm, wait_until
from devtools.webhook_receiver import Receiver, Silent

_SETUP = """
from sunat.keys import services as api_keys
from sunat.models import PadronEntry
from sunat.watch import services, webhooks
rucs = list(PadronEntry.objects.order_by("ruc").values_list("ruc", flat=True)[:{watched}])
for n, url in enumerate({urls!r}):
    key, _ = api_keys.create_key(f"bench {{n}}", watch_limit=1_000_000)
    services.watch_many(key.id, rucs)
    webhooks.configure(key.id, url, None)
"""
_CHANGES = """
import time
from django.db import transaction
from sunat.models import Watch
from sunat.changes import events
rucs = list(Watch.objects.values_list("ruc", flat=True).distinct()[:1000])
for n in range({steady}):
    with transaction.atomic():
        events.record(rucs[n % len(rucs)], [{{"campo": "condicion", "antes": "HABIDO", "despues": f"NO HABIDO {{n}}"}}], "sunat")
    time.sleep(0.05)
with transaction.atomic():
    for n in range({burst}):
        events.record(rucs[n % len(rucs)], [{{"campo": "estado", "antes": "ACTIVO", "despues": f"BAJA {{n}}"}}], "sunat")
"""


def delays(database_url: str, first_id: int, last_id: int) -> dict:
    """Detection to delivery of the notices of events first_id..last_id (delivered: the live keys')."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT EXTRACT(EPOCH FROM n.delivered_at - e.detected_at) FROM sunat_notification n "
            "JOIN sunat_changeevent e ON e.id = n.event_id WHERE n.delivered_at IS NOT NULL "
            "AND e.id BETWEEN %s AND %s ORDER BY 1", [first_id, last_id]).fetchall()
    values = [float(value) for (value,) in rows]
    return {"count": len(values), "p50_ms": round(percentile(values, 0.5) * 1000, 1),
            "p99_ms": round(percentile(values, 0.99) * 1000, 1)} if values else {"count": 0}


def scalar(database_url: str, sql: str, params=()):
    with psycopg.connect(database_url) as connection:
        return connection.execute(sql, params).fetchone()[0]


def deliveries(env: dict, database_url: str, workdir: Path, keys: int, steady: int, burst: int, dead: int) -> dict:
    receiver = Receiver().start()
    silent = [Silent() for _ in range(dead)]
    try:
        urls = [receiver.url] * keys + [each.url for each in silent]
        setup = _SETUP.format(urls=urls, watched=1000)
        if manage(env, "shell", "-c", setup).returncode != 0:
            raise RuntimeError("setup failed")
        with job_worker(env, workdir / "worker.log"):
            started = time.monotonic()
            changes = subprocess.Popen([sys.executable, "manage.py", "shell", "-c",
                                        _CHANGES.format(steady=steady, burst=burst)], cwd=PROJECT_ROOT, env=env)
            changes.wait(timeout=600)
            recorded = time.monotonic()
            total = (steady + burst) * keys
            wait_until(lambda: scalar(database_url, "SELECT count(*) FROM sunat_notification WHERE delivered_at IS "
                                      "NOT NULL") >= total, timeout=1800, interval=0.5, what="every live delivery")
            done = time.monotonic()
        steady_last = scalar(database_url, "SELECT min(id) FROM sunat_changeevent WHERE changes::text LIKE %s",
                             ['%"BAJA %'])
        with psycopg.connect(database_url) as connection:
            first_burst = connection.execute("SELECT min(delivered_at), max(delivered_at) FROM sunat_notification n "
                                             "JOIN sunat_changeevent e ON e.id = n.event_id WHERE e.id >= %s",
                                             [steady_last]).fetchone()
        burst_seconds = (first_burst[1] - first_burst[0]).total_seconds() if first_burst[0] else None
        return {
            "keys": keys, "dead_keys": dead, "steady_changes": steady, "burst_changes": burst, "notices": total,
            "received": len(receiver.received), "wall_s": round(done - started, 1),
            "recording_s": round(recorded - started, 1),
            "burst_delivered_per_s": round(burst * keys / burst_seconds) if burst_seconds else None,
            "steady_delay": delays(database_url, 0, steady_last - 1) if steady else None,
            "burst_delay": delays(database_url, steady_last, 2**62),
        }
    finally:
        receiver.stop()
        for each in silent:
            each.stop()


def detection(env: dict, database_url: str, workdir: Path, padron_rows: int, watched: int) -> dict:
    day1, day2 = workdir / "day1.zip", workdir / "day2.zip"
    write_padron(day1, padron_rows)
    write_padron(day2, padron_rows)
    changed_padron(day2, 0.005)
    result = {}
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("DELETE FROM sunat_watch")
    for label, watching in (("without_watches", 0), ("with_watches", watched)):
        for path in (day1, day2):
            imported = manage(env, "import_padron", "--force", str(path))
            if imported.returncode != 0:
                raise RuntimeError(imported.stderr)
            if path is day1 and watching:
                with psycopg.connect(database_url, autocommit=True) as connection:
                    key = connection.execute("SELECT id FROM sunat_apikey ORDER BY id LIMIT 1").fetchone()[0]
                    connection.execute("DELETE FROM sunat_watch")
                    connection.execute(
                        "INSERT INTO sunat_watch (key_id, ruc, created_at) SELECT %s, ruc, now() FROM sunat_padron "
                        f"TABLESAMPLE BERNOULLI ({100 * watching / padron_rows * 1.2}) LIMIT {watching}", [key])
        compared = _COMPARED.search(imported.stderr)
        result[label] = {"compare_s": float(compared["seconds"]), "changes": compared["changes"],
                         "watched": scalar(database_url, "SELECT count(*) FROM sunat_watch") if watching else 0,
                         "events": scalar(database_url, "SELECT count(*) FROM sunat_changeevent WHERE source = 'padron'")}
    result["detection_cost_s"] = round(result["with_watches"]["compare_s"] - result["without_watches"]["compare_s"], 2)
    return result


def run(keys: int, steady: int, burst: int, padron_rows: int, watched: int, dead: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as workdir, postgres_server() as postgres:
        database_url = create_database(postgres.url, "bench_webhooks")
        env = production_env(database_url, WEBHOOK_ALLOW_PRIVATE="True")
        migrated = manage(env, "migrate", "--noinput")
        if migrated.returncode != 0:
            raise RuntimeError(f"migrate failed:\n{migrated.stdout}\n{migrated.stderr}")
        manage(env, "sync_schedules")
        small = Path(workdir) / "small.zip"
        write_padron(small, 5000)
        manage(env, "import_padron", str(small))
        sent = deliveries(env, database_url, Path(workdir), keys, steady, burst, dead)
        print(sent, flush=True)
        found = detection(env, database_url, Path(workdir), padron_rows, watched) if padron_rows else None
        print(found, flush=True)
    return {"deliveries": sent, "detection": found}


def print_table(report: dict) -> None:
    sent, found = report["deliveries"], report["detection"]
    print(f"\nWebhooks, {report['machine']['nproc']} CPUs: {sent['keys']} keys (and {sent['dead_keys']} whose "
          f"receiver never answers), {sent['notices']:,} notices, {sent['received']:,} POSTs received in "
          f"{sent['wall_s']} s")
    print(f"  burst of {sent['burst_changes']:,} changes: {sent['burst_delivered_per_s']} deliveries/s; delay "
          f"p50 {sent['burst_delay'].get('p50_ms')} ms, p99 {sent['burst_delay'].get('p99_ms')} ms")
    if sent["steady_delay"]:
        print(f"  steady, a change every 50 ms: delay p50 {sent['steady_delay'].get('p50_ms')} ms, "
              f"p99 {sent['steady_delay'].get('p99_ms')} ms")
    if found is None:
        return
    print(f"Padrón import's comparison: {found['without_watches']['compare_s']} s watching nothing, "
          f"{found['with_watches']['compare_s']} s with {found['with_watches']['watched']:,} watched RUCs "
          f"({found['with_watches']['events']:,} events): detection costs {found['detection_cost_s']} s")


def main(argv=None) -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, default=10)
    parser.add_argument("--dead", type=int, default=5, help="more keys whose receiver never answers")
    parser.add_argument("--steady", type=int, default=200)
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--padron-rows", type=int, default=2_000_000)
    parser.add_argument("--watched", type=int, default=100_000)
    parser.add_argument("--output", default="bench-results/webhooks.json")
    args = parser.parse_args(argv)
    started = time.monotonic()
    report = {"machine": machine(), **run(args.keys, args.steady, args.burst, args.padron_rows, args.watched, args.dead)}
    report["total_s"] = round(time.monotonic() - started, 1)
    print_table(report)
    write_report(report, args.output)


if __name__ == "__main__":
    main()
