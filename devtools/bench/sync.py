"""SUNAT's daily sync at real size: every register's file from the replica into PostgreSQL, on two days.

    python -m devtools.bench.sync [--padron-rows 18000000] [--changed 0.005] [--stored 100000] [--output FILE]

On a loopback PostgreSQL (devtools.servers, the tests' settings), with the project migrated on
its own database and the replica serving the files at SUNAT's paths (Last-Modified, ETag, 304):

  1. writes the files (not timed): a padrón of --padron-rows rows; the agents' and good
     taxpayers' registers at about their real sizes (serving.REGISTER_SHARES of the companies of
     the padrón's first 700,000 rows, the same seed: their RUCs are the padrón's); the annexed
     establishments, ~2 million rows (no public figure of the real file: importers that refuse a
     zip under 10 MB suggest at least that);
  2. day 1, `manage.py sync_sunat_files` imports all six: its wall time and peak RSS, each file's
     rows/s (its version's own seconds) next to a plain COPY of the same file into an unindexed
     table of text columns (the database's ceiling: no check, no index);
  3. puts --stored SUNAT answers in the database (sunat_rucrecord, fetched a day before), drawn
     at random from the padrón;
  4. day 2, the padrón again with --changed of its rows' condición flipped, the other files as
     they were (their downloads are 304s): the sync's wall time and peak RSS, and the importer's
     comparison (changes recorded against day 1's table + stored answers corrected), with counts.

A CHECKPOINT precedes each timed step. Prints a table and writes it as JSON (bench-results/sync.json).
"""

import argparse
import io
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import datetime
from pathlib import Path

import psycopg

from devtools.bench import write_report
from devtools.bench.measure import RssSampler, machine
from devtools.bench.padron import checkpoint, plain_copy
from devtools.bench.serving import REGISTER_PADRON_ROWS, REGISTER_SHARES
from devtools.deployments import create_database, manage, production_env
from devtools.padron_generator import write_padron
from devtools.register_generator import write_register, zip_name
from devtools.replica import ReplicaServer
from devtools.servers import PROJECT_ROOT, postgres_server, stop_on_sigterm
from sunat.registers.files import ESTABLECIMIENTOS_ANEXOS, PADRON, REGISTERS
from sunat.registers.sources import LIMA

ESTABLISHMENT_PADRON_ROWS, ESTABLISHMENT_SHARE = 6_000_000, 0.4  # ~2.2 million rows
_FILES = {zip_name(register): register for register in REGISTERS.values()}
_COMPARED = re.compile(r"padron imported: .*?; (?P<changes>\w+) changes, (?P<corrected>\w+) stored answers "
                       r"corrected \(in (?P<seconds>[\d.]+) s\)")


def write_files(directory: Path, padron_rows: int) -> dict[str, dict]:
    """Every register's file in `directory`, named as SUNAT's URL names it; their sizes."""
    files = {}
    for name, register in _FILES.items():
        path, started = directory / name, time.monotonic()
        if register is PADRON:
            write_padron(path, padron_rows)
        elif register is ESTABLECIMIENTOS_ANEXOS:
            write_register(path, register.name, ESTABLISHMENT_PADRON_ROWS, share=ESTABLISHMENT_SHARE)
        else:
            write_register(path, register.name, REGISTER_PADRON_ROWS, share=REGISTER_SHARES[register.name])
        files[register.name] = {"file": name, "zip_mb": round(path.stat().st_size / 1e6, 1)}
        print(f"wrote {name} ({files[register.name]['zip_mb']} MB) in {time.monotonic() - started:.0f} s", flush=True)
    return files


def changed_padron(path: Path, share: float) -> int:
    """Rewrite the padrón at `path` with the condición of every 1/share-th row flipped, dated now."""
    every, flipped = round(1 / share), 0
    new = path.with_suffix(".new")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(new, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        member = zipfile.ZipInfo(PADRON.file_name, date_time=datetime.now(LIMA).timetuple()[:6])
        member.compress_type = zipfile.ZIP_DEFLATED
        with source.open(source.infolist()[0]) as raw, target.open(member, "w", force_zip64=True) as out:
            lines = io.BufferedReader(raw, 1 << 20)
            out.write(lines.readline())  # the header
            for number, line in enumerate(lines):
                if number % every == 0:
                    fields = line.split(b"|")
                    fields[3] = b"NO HABIDO" if fields[3] == b"HABIDO" else b"HABIDO"
                    line, flipped = b"|".join(fields), flipped + 1
                out.write(line)
    os.replace(new, path)
    return flipped


def store_answers(database_url: str, count: int, padron_rows: int) -> int:
    """`count` SUNAT answers fetched a day ago, for RUCs drawn at random from the padrón."""
    percent = min(100.0, 100.0 * count / padron_rows * 1.2)
    with psycopg.connect(database_url, autocommit=True) as connection:
        cursor = connection.execute(
            "INSERT INTO sunat_rucrecord (ruc, data, source, fetched_at, razon_social, estado, condicion) "
            "SELECT ruc, jsonb_build_object('ruc', ruc, 'razonSocial', razon_social, 'estado', estado, "
            "'condicion', condicion, 'fuente', 'sunat', 'actualizadoEn', "
            "to_char((now() - interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')), "
            "'sunat', now() - interval '1 day', coalesce(razon_social, ''), coalesce(estado, ''), "
            f"coalesce(condicion, '') FROM sunat_padron TABLESAMPLE BERNOULLI ({percent}) LIMIT {count}")
        return cursor.rowcount


def sync(env: dict) -> dict:
    """`manage.py sync_sunat_files` in its own process: wall time, peak RSS, the comparison's log line."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "manage.py", "sync_sunat_files"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with RssSampler(lambda: [process.pid], interval=0.2) as sampler:
        stdout, stderr = process.communicate(timeout=3600)
    if process.returncode != 0:
        raise RuntimeError(f"sync_sunat_files failed:\n{stdout}\n{stderr}")
    result = {"seconds": round(time.monotonic() - started, 1),
              "peak_rss_mb": round(max(mb for _, mb, _ in sampler.samples), 1), "lines": stdout.splitlines()}
    compared = _COMPARED.search(stderr)
    if compared:
        result["compare_seconds"] = float(compared["seconds"])
        result["changes"], result["corrected"] = compared["changes"], compared["corrected"]
    return result


def versions(database_url: str) -> dict[str, dict]:
    """The latest version of each register: rows and its import's own seconds."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute("SELECT DISTINCT ON (register) register, rows, seconds FROM sunat_padronversion "
                                  "ORDER BY register, id DESC").fetchall()
    return {name: {"rows": count, "seconds": seconds, "rows_per_s": round(count / seconds) if seconds else None}
            for name, count, seconds in rows}


def run(padron_rows: int, changed: float, stored: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as workdir, postgres_server() as postgres:
        files_dir = Path(workdir) / "files"
        files_dir.mkdir()
        files = write_files(files_dir, padron_rows)
        database_url = create_database(postgres.url, "bench_sync")
        with ReplicaServer(files_dir=files_dir) as sunat:
            urls = {register.url_setting: sunat.file_url(name) for name, register in _FILES.items()}
            env = production_env(database_url, **urls)
            migrated = manage(env, "migrate", "--noinput")
            if migrated.returncode != 0:
                raise RuntimeError(f"migrate failed:\n{migrated.stdout}\n{migrated.stderr}")

            checkpoint(database_url)
            first = sync(env)
            print(*first.pop("lines"), sep="\n", flush=True)
            imported = versions(database_url)
            for name, register in ((register.name, register) for register in _FILES.values()):
                checkpoint(database_url)
                seconds = plain_copy(database_url, files_dir / files[name]["file"], register)
                imported[name].update(plain_copy_seconds=round(seconds, 2),
                                      plain_copy_rows_per_s=round(imported[name]["rows"] / seconds))
                files[name].update(imported[name])

            answers = store_answers(database_url, stored, padron_rows)
            flipped = changed_padron(files_dir / files[PADRON.name]["file"], changed)
            print(f"stored {answers:,} SUNAT answers; flipped the condición of {flipped:,} padrón rows", flush=True)
            checkpoint(database_url)
            second = sync(env)
            print(*second.pop("lines"), sep="\n", flush=True)
            second["padron"] = versions(database_url)[PADRON.name]
        version = subprocess.run(["psql", database_url, "-Atc", "SHOW server_version"],
                                 capture_output=True, text=True).stdout.strip()
    return {"postgresql": version, "files": files, "day1": first,
            "day2": {**second, "stored_answers": answers, "flipped_rows": flipped}}


def print_table(report: dict) -> None:
    print()
    print(f"Daily sync into PostgreSQL {report['postgresql']}, {report['machine']['nproc']} CPUs "
          f"({report['machine']['cpu_model']})")
    print(f"{'register':<24}{'rows':>12}{'zip MB':>8}{'import s':>10}{'rows/s':>10}{'COPY s':>8}{'COPY rows/s':>13}")
    for name, file in report["files"].items():
        print(f"{name:<24}{file['rows']:>12,}{file['zip_mb']:>8}{file['seconds']:>10}{file['rows_per_s']:>10,}"
              f"{file['plain_copy_seconds']:>8}{file['plain_copy_rows_per_s']:>13,}")
    day1, day2 = report["day1"], report["day2"]
    print(f"day 1, every file imported: sync {day1['seconds']} s, peak RSS {day1['peak_rss_mb']} MB")
    print(f"day 2, the padrón with {day2['flipped_rows']:,} rows changed, the rest unchanged: sync {day2['seconds']} s "
          f"(padrón import {day2['padron']['seconds']} s), peak RSS {day2['peak_rss_mb']} MB; comparison "
          f"{day2.get('compare_seconds')} s: {day2.get('changes')} changes recorded, {day2.get('corrected')} of "
          f"{day2['stored_answers']:,} stored answers corrected")


def main(argv=None) -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--padron-rows", type=int, default=18_000_000)
    parser.add_argument("--changed", type=float, default=0.005)
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--output", default="bench-results/sync.json")
    args = parser.parse_args(argv)
    started = time.monotonic()
    report = {"machine": machine(), **run(args.padron_rows, args.changed, args.stored)}
    report["total_s"] = round(time.monotonic() - started, 1)
    print_table(report)
    print(f"total {report['total_s']} s")
    write_report(report, args.output)


if __name__ == "__main__":
    main()
