"""The benches' load generators (wrk, redis-benchmark) and wrk's runs at each concurrency level."""

import csv
import io
import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import NamedTuple

from devtools.bench.measure import RssSampler, cpu_seconds
from devtools.servers import HOST

WRK_DIR = Path(__file__).resolve().parent / "wrk"


class AccessLog:
    """Non-2xx answers nginx logged since the last call (499, wrk hanging up at the end, aside)."""

    STATUS = re.compile(r'" (\d{3}) ')

    def __init__(self, path: Path):
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def non_2xx_since_last(self) -> tuple[int, int]:
        if not self.path.exists():
            return 0, 0
        with self.path.open("rb") as log:
            log.seek(self.offset)
            text = log.read().decode("utf-8", "replace")
            self.offset = log.tell()
        statuses = [int(m.group(1)) for m in map(self.STATUS.search, text.splitlines()) if m]
        return sum(1 for s in statuses if not 200 <= s < 300 and s != 499), len(statuses)


class Load(NamedTuple):
    """One benchmark target: what wrk sends to `url` (a script of devtools/bench/wrk, its args, headers)."""

    target: str
    url: str
    script: str = "fixed.lua"
    args: tuple = ()
    headers: dict | None = None

    def run(self, connections: int, duration: int) -> dict:
        return wrk(self.url, connections, duration, self.script, self.args, self.headers)


def wrk(url: str, connections: int, duration: int, script: str = "fixed.lua", args=(), headers=None) -> dict:
    threads = min(connections, 2)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency",
               "--timeout", "10s", "-s", str(WRK_DIR / script)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    if args:
        command += ["--", *map(str, args)]
    env = {**os.environ, "LUA_PATH": f"{WRK_DIR}/?.lua;;"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=duration + 60)
    lines = [line for line in done.stdout.splitlines() if line.startswith("WRK_JSON ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    result = json.loads(lines[-1].removeprefix("WRK_JSON "))
    result["command"] = " ".join(command)
    return result


def redis_benchmark(port: int, size: int, clients: int, total: int) -> dict:
    command = ["redis-benchmark", "-h", HOST, "-p", str(port), "-t", "get", "-d", str(size), "-n", str(total),
               "-c", str(clients), "--threads", str(min(clients, 2)), "--csv"]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"redis-benchmark failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    row = next(r for r in csv.DictReader(io.StringIO(done.stdout)) if r["test"] == "GET")
    return {
        "requests": total,
        "duration_s": round(elapsed, 3),
        "requests_per_s": float(row["rps"]),
        "p50_ms": float(row["p50_latency_ms"]),
        "p99_ms": float(row["p99_latency_ms"]),
        "max_ms": float(row["max_latency_ms"]),
        "command": " ".join(command),
    }


def wrk_row(target: str, connections: int, result: dict, errors: int, peak_mb: float, cpu_s: float, **extra) -> dict:
    """A report row of one wrk run."""
    return {
        "target": target,
        "concurrency": connections,
        "requests": result["requests"],
        "duration_s": round(result["duration_s"], 3),
        "requests_per_s": round(result["requests_per_s"], 1),
        "p50_ms": round(result["p50_us"] / 1000, 2),
        "p90_ms": round(result["p90_us"] / 1000, 2),
        "p99_ms": round(result["p99_us"] / 1000, 2),
        "max_ms": round(result["max_us"] / 1000, 2),
        "errors": errors,
        "wrk_errors": result["errors"],
        "peak_rss_mb": peak_mb,
        # CPU the measured server processes spent per answer: less swayed than req/s by what
        # else runs on the machine (wrk included).
        "cpu_ms_per_request": round(cpu_s * 1000 / max(result["requests"], 1), 3),
        **extra,
    }


def measure(targets: list[Load], sampler: RssSampler, levels, duration: int, warmup: int,
            log: AccessLog | None) -> list[dict]:
    """wrk at each level for each target; one unrecorded warm-up run per target first. Targets take turns
    at each level, so that a drift of the machine (another tenant, the CPU's clock) weighs on all of them
    alike rather than on whichever ran last."""
    rows = []
    for load in targets:
        if warmup > 0:
            load.run(16, warmup)
    if log:
        log.non_2xx_since_last()
    for connections in levels:
        for load in targets:
            target = load.target
            pids = sampler.pids()
            start, cpu = time.monotonic(), cpu_seconds(pids)
            result = load.run(connections, duration)
            cpu = cpu_seconds(pids) - cpu
            peak = sampler.peak_between(start, time.monotonic())
            socket_errors = sum(v for k, v in result["errors"].items() if k != "status")
            if log:
                non_2xx, logged = log.non_2xx_since_last()
            else:
                non_2xx, logged = result["errors"]["status"], None
            rows.append(wrk_row(target, connections, result, socket_errors + non_2xx, peak, cpu, non_2xx=non_2xx,
                                 nginx_logged=logged))
            print(f"  {target:<22} c={connections:<3} {rows[-1]['requests_per_s']:>9} req/s  "
                  f"p50 {rows[-1]['p50_ms']} ms  p99 {rows[-1]['p99_ms']} ms  errors {rows[-1]['errors']}",
                  flush=True)
    return rows
