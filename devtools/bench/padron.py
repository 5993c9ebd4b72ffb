"""Importing the Padrón Reducido into PostgreSQL, next to the database's own COPY ceiling.

    python -m devtools.bench.padron [--rows 2000000] [--small-rows 200000] [--output FILE]

On a loopback PostgreSQL (devtools.servers, the same settings as the tests), with the
project migrated on its own database:

  1. writes a generated padrón of --rows rows as a zip (devtools.padron_generator; not timed);
  2. runs `manage.py import_padron` on it as a separate process: rows/s for the whole import
     (read, check, COPY, primary key and trigram index, swap) and for its load phase alone
     (read, check, COPY: up to the "indexando" line), and the peak RSS of that process;
  3. COPYs the same file's text, straight from the zip, into an unindexed table of 16 text
     columns (FORMAT text, DELIMITER '|', NULL '-', ENCODING LATIN1, HEADER): the
     database's own ceiling for these rows, with no checking and no index;
  4. imports a --small-rows file the same way: the import's peak RSS should not depend
     on the file's size;
  5. on the large register, times /api/buscar's searches (devtools.bench.padron_search).

A CHECKPOINT precedes each timed step, so that none pays for the writes of the one before.

Prints a table and writes it as JSON (bench-results/padron.json).
"""

import argparse
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import psycopg

from devtools.bench import padron_search, write_report
from devtools.bench.measure import RssSampler, machine
from devtools.deployments import create_database, manage, production_env
from devtools.padron_generator import write_padron
from devtools.servers import PROJECT_ROOT, postgres_server, stop_on_sigterm
from sunat.registers.files import PADRON, Register

_PHASE = re.compile(r"padrón: (?P<phase>\w+), (?P<rows>[\d,]+) filas.*?, (?P<seconds>[\d.]+) s$")


def import_with_command(env: dict, path: Path) -> dict:
    """`manage.py import_padron path` in its own process: wall time, load phase, peak RSS."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "manage.py", "import_padron", str(path)], cwd=PROJECT_ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with RssSampler(lambda: [process.pid], interval=0.1) as sampler:
        stdout, stderr = process.communicate(timeout=3600)
    seconds = time.monotonic() - started
    if process.returncode != 0:
        raise RuntimeError(f"import_padron failed:\n{stdout}\n{stderr}")
    phases = {m["phase"]: float(m["seconds"]) for m in map(_PHASE.search, stdout.splitlines()) if m}
    peak = max(mb for _, mb, _ in sampler.samples)
    return {"seconds": round(seconds, 2), "load_seconds": phases.get("indexando"), "peak_rss_mb": round(peak, 1)}


def checkpoint(database_url: str) -> None:
    """Flush what the last step wrote, so that the next one does not pay for it."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("CHECKPOINT")


def table_mb(database_url: str) -> float:
    """The padrón's table on disk with its indexes (the primary key, the search's trigram index), MB."""
    size = subprocess.run(["psql", database_url, "-Atc", "SELECT pg_total_relation_size('sunat_padron')"],
                          capture_output=True, text=True, check=True).stdout.strip()
    return round(int(size) / 1e6, 1)


def plain_copy(database_url: str, path: Path, register: Register = PADRON) -> float:
    """Seconds to COPY the zip's text into an unindexed table: the database's ceiling (PostgreSQL
    takes a lone CR as a line end too, as the agents' files have it)."""
    columns = ", ".join(f"c{i} text" for i in range(len(register.columns) + 1))  # + the trailing "|"'s empty field
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS plain_copy")
        connection.execute(f"CREATE TABLE plain_copy ({columns})")
        started = time.monotonic()
        with zipfile.ZipFile(path) as archive, archive.open(archive.infolist()[0]) as text:
            with connection.cursor() as cursor, cursor.copy(
                f"COPY plain_copy FROM STDIN (FORMAT text, DELIMITER '|', NULL '-', ENCODING '{register.pg_encoding}', HEADER true)"
            ) as copy:
                while chunk := text.read(1024 * 1024):
                    copy.write(chunk)
        seconds = time.monotonic() - started
        connection.execute("DROP TABLE plain_copy")
    return seconds


def run(rows: int, small_rows: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-padron-") as workdir, postgres_server() as postgres:
        database_url = create_database(postgres.url, "bench_padron")
        env = production_env(database_url)
        migrated = manage(env, "migrate", "--noinput")
        if migrated.returncode != 0:
            raise RuntimeError(f"migrate failed:\n{migrated.stdout}\n{migrated.stderr}")

        results = {}
        for label, count in (("small", small_rows), ("large", rows)):
            path = Path(workdir) / f"padron_{count}.zip"
            started = time.monotonic()
            write_padron(path, count)
            print(f"generated {count:,} rows in {time.monotonic() - started:.1f} s "
                  f"({path.stat().st_size / 1e6:.1f} MB zipped)", flush=True)
            checkpoint(database_url)
            imported = import_with_command(env, path)
            imported["rows"] = count
            imported["table_mb"] = table_mb(database_url)
            imported["rows_per_s"] = round(count / imported["seconds"])
            if imported["load_seconds"]:
                imported["load_rows_per_s"] = round(count / imported["load_seconds"])
            checkpoint(database_url)
            copy_seconds = plain_copy(postgres.url.rsplit("/", 1)[0] + "/bench_padron", path)
            imported["plain_copy_seconds"] = round(copy_seconds, 2)
            imported["plain_copy_rows_per_s"] = round(count / copy_seconds)
            imported["ratio_import_to_copy"] = round(imported["rows_per_s"] / imported["plain_copy_rows_per_s"], 3)
            if imported.get("load_rows_per_s"):
                imported["ratio_load_to_copy"] = round(imported["load_rows_per_s"] / imported["plain_copy_rows_per_s"], 3)
            results[label] = imported
            if label == "large":
                searches = padron_search.measure(env, database_url)
            print(f"  {count:>10,} rows: import {imported['seconds']} s ({imported['rows_per_s']:,} rows/s; "
                  f"load phase {imported['load_seconds']} s), plain COPY {imported['plain_copy_seconds']} s "
                  f"({imported['plain_copy_rows_per_s']:,} rows/s), import peak RSS {imported['peak_rss_mb']} MB, "
                  f"table and indexes {imported['table_mb']} MB on disk",
                  flush=True)
        version = subprocess.run(["psql", database_url, "-Atc", "SHOW server_version"],
                                 capture_output=True, text=True).stdout.strip()
    return {"postgresql": version, "results": results, "search": searches}


def print_table(report: dict) -> None:
    print()
    print(f"Padrón import into PostgreSQL {report['postgresql']}, {report['machine']['nproc']} CPUs "
          f"({report['machine']['cpu_model']})")
    print(f"{'rows':>10}{'import s':>10}{'rows/s':>10}{'load s':>8}{'load rows/s':>13}{'COPY s':>8}"
          f"{'COPY rows/s':>13}{'import/COPY':>13}{'load/COPY':>11}{'peak RSS MB':>13}")
    for result in report["results"].values():
        print(f"{result['rows']:>10,}{result['seconds']:>10}{result['rows_per_s']:>10,}"
              f"{result['load_seconds'] or '':>8}{result.get('load_rows_per_s', ''):>13,}"
              f"{result['plain_copy_seconds']:>8}{result['plain_copy_rows_per_s']:>13,}"
              f"{result['ratio_import_to_copy']:>13}{result.get('ratio_load_to_copy', ''):>11}"
              f"{result['peak_rss_mb']:>13}")
    print("import = manage.py import_padron end to end (read, check, COPY, primary key, trigram index, swap); "
          "load = up to the indexes; COPY = the same text into an unindexed table")
    padron_search.print_table(report["search"])


def main(argv=None) -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--small-rows", type=int, default=200_000)
    parser.add_argument("--output", default="bench-results/padron.json")
    args = parser.parse_args(argv)
    started = time.monotonic()
    report = {"machine": machine(), **run(args.rows, args.small_rows)}
    report["total_s"] = round(time.monotonic() - started, 1)
    print_table(report)
    print(f"total {report['total_s']} s")
    write_report(report, args.output)


if __name__ == "__main__":
    main()
