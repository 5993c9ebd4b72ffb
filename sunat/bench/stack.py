"""The deployed stack under a real load generator: what a cached lookup costs, and its ceilings.

    python -m sunat.bench.stack [--duration 5] [--levels 1,16,64] [--latency 0.05] [--output FILE]

Starts on loopback nginx (the project's template) -> gunicorn (config/gunicorn.py, production
settings plus one benchmark URL: config.settings.bench) -> Django -> PostgreSQL, with a real
redis-server and the SUNAT replica, and drives it with wrk (Debian's) for a fixed time at each
concurrency level (wrk threads: min(c, 2)). In the same run it measures:

  1. cached lookups, /api/ruc/<RUC>, Redis cache
 1k. the same with an API key (Authorization: Bearer): what a key's check and quota cost
 1b. POST /api/ruc/lote with 100 cached RUCs (sunat/bench/wrk/batch.lua): batches/s and RUC/s
  2. the same with LocMem (gunicorn restarted with USE_REDIS=False, its own database)
  3. /bench/constant: a view answering the same bytes with the same json_response and
     require_get, without the lookup (the framework's ceiling; sunat/bench/views.py)
 3b. the same gunicorn and nginx serving those bytes from a bare WSGI callable, no Django in
     the request (gunicorn's ceiling; sunat/bench/bare.py)
  4. nginx serving a static file of the same bytes (the proxy's ceiling)
  5. redis-benchmark GET of a value of the same size on the same redis-server (Redis's ceiling)
  6. cold misses, one connection, a new valid RUC on each request (sunat/bench/wrk/cold.lua),
     against the replica at a fixed latency: the service's time above the upstream's own

Every request carries Host: localhost and X-Forwarded-Proto: https, what the TLS front sends in
production, so Django's HTTPS redirect stays on (sunat/bench/wrk/report.lua). The cache is
warmed before measuring (and one warm-up wrk run, not recorded, precedes each target). (1), (1k)
and (3) take turns at each level, so that a drift of a shared machine weighs on both alike. Before
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
import csv
import io
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

import redis as redis_py
import requests

from sunat.bench import write_report
from sunat.replica import ReplicaServer, make_ruc
from sunat.tests.deployments import create_database, manage, production_env
from sunat.tests.servers import (HOST, gunicorn_server, nginx_server, postgres_server, redis_server,
                                 stop_on_sigterm)

WRK_DIR = Path(__file__).resolve().parent / "wrk"
RUC = "20573215045"  # a captured SUNAT page in the replica: a real answer's keys and sizes
HEADERS = {"Host": "localhost", "X-Forwarded-Proto": "https"}  # as report.lua sends them
STATIC_NAME = "bench/ruc.json"
WORKERS, THREADS = 2, 32  # the documented defaults of config/gunicorn.py
LOOKUP = "cached lookup, Redis"
LOOKUP_KEY = "cached lookup, API key"
BATCH = "lote of 100 cached"
BATCH_SIZE = 100
LOOKUP_LOCMEM = "cached lookup, LocMem"
CONSTANT = "constant view"
BARE = "bare WSGI, no Django"
BARE_APP = "sunat.bench.bare:application"
STATIC = "nginx static file"
REDIS_GET = "redis-benchmark GET"
COLD = "cold miss"
ORDER = [LOOKUP, LOOKUP_KEY, BATCH, LOOKUP_LOCMEM, CONSTANT, BARE, STATIC, REDIS_GET, COLD]

# What the warm-up runs in `manage.py shell`: a lookup through the project's own services (a
# miss: the replica, the database, the cache), then the exact bytes the API answers for it.
_WARM = """
from sunat.responses import json_response
from sunat.services import lookup_ruc
result = lookup_ruc({ruc!r})
open({path!r}, "wb").write(json_response(result.data).content)
print(result.cache_status)
"""
# The RUCs of (1b), each a miss now (the replica) and a cache hit in the batches.
_WARM_BATCH = """
from sunat.services import lookup_ruc
for ruc in {rucs!r}:
    lookup_ruc(ruc)
"""
# A key for (1k) whose quotas the run cannot exhaust; the plain key is printed once.
_CREATE_KEY = """
from sunat.api_keys import create_key
print(create_key("bench", per_minute=2_000_000_000, per_day=2_000_000_000)[1])
"""


# -- processes and their memory ------------------------------------------------------------

def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # the command name may hold spaces or ")"


def children(parent: int) -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit() and _ppid(int(name)) == parent]


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids) -> float:
    """User + system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat
    return total / _TICK


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler:
    """Sums the RSS of `pids()` every `interval` seconds in a thread, while in a `with`."""

    def __init__(self, pids, interval: float = 0.2):
        self.pids = pids
        self.interval = interval
        self.samples: list[tuple[float, float, tuple[int, ...]]] = []  # (monotonic, MB, pids)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self):
        pids = tuple(sorted(self.pids()))
        self.samples.append((time.monotonic(), sum(rss_kb(pid) for pid in pids) / 1024, pids))

    def _run(self):
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self):
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
        self._sample()

    def peak_between(self, start: float, end: float) -> float:
        inside = [mb for t, mb, _ in self.samples if start <= t <= end]
        return round(max(inside, default=0.0), 1)

    def summary(self) -> dict:
        values = [mb for _, mb, _ in self.samples]
        return {
            "start_mb": round(values[0], 1),
            "end_mb": round(values[-1], 1),
            "peak_mb": round(max(values), 1),
            "samples": len(values),
            "processes": len(self.samples[-1][2]),
            # A worker that died and was replaced shows up as a new set of pids.
            "process_sets": len({pids for _, _, pids in self.samples}),
        }


# -- load generators --------------------------------------------------------------------------

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
    """One benchmark target: what wrk sends to `url` (a script of sunat/bench/wrk, its args, headers)."""

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


# -- the stack ----------------------------------------------------------------------------------

def _row(target: str, connections: int, result: dict, errors: int, peak_mb: float, cpu_s: float, **extra) -> dict:
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
    """wrk at each level for each target; one unrecorded warm-up run per target first. Targets take turns at each level, so that a drift of the machine (another
    tenant, the CPU's clock) weighs on all of them alike rather than on whichever ran last."""
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
            rows.append(_row(target, connections, result, socket_errors + non_2xx, peak, cpu, non_2xx=non_2xx,
                             nginx_logged=logged))
            print(f"  {target:<22} c={connections:<3} {rows[-1]['requests_per_s']:>9} req/s  "
                  f"p50 {rows[-1]['p50_ms']} ms  p99 {rows[-1]['p99_ms']} ms  errors {rows[-1]['errors']}",
                  flush=True)
    return rows


def _check_same_answer(url: str, expected: bytes, what: str, exact: bool = True,
                       headers=None) -> requests.Response:
    response = requests.get(url, headers={**HEADERS, **(headers or {})}, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"{what}: {url} answered {response.status_code}, not 200:\n{response.text[:500]}")
    if exact and response.content != expected:
        raise RuntimeError(f"{what}: {url} does not answer the same bytes as the cached lookup")
    if not exact and (len(response.content) != len(expected)
                      or set(response.json()) != set(json.loads(expected))):
        raise RuntimeError(f"{what}: {url} does not answer the same keys and size as the cached lookup")
    return response


def _gunicorn_workers(master: int):
    return lambda: children(master)


def _nginx_processes(master: int):
    return lambda: [master, *children(master)]


def _migrated(env: dict, postgres_url: str, database: str) -> dict:
    """The environment on a new, migrated database of the bench's PostgreSQL."""
    env = {**env, "DATABASE_URL": create_database(postgres_url, database)}
    migrated = manage(env, "migrate", "--noinput")
    if migrated.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{migrated.stdout}\n{migrated.stderr}")
    return env


@contextlib.contextmanager
def _serve(env: dict, constant: Path, static_root: Path, workdir: Path, app: str = "config.wsgi"):
    """gunicorn (config/gunicorn.py) serving `app`, and nginx (the project's template) in front of it."""
    with gunicorn_server({**env, "BENCH_CONSTANT_JSON": str(constant)}, WORKERS, THREADS, app) as gunicorn:
        variables = {
            "NGINX_SERVER_NAME": "localhost",
            "GUNICORN_UPSTREAM": f"{HOST}:{gunicorn.port}",
            "STATIC_ROOT": str(static_root),
            "NGINX_PROXY_READ_TIMEOUT": "30",
            "NGINX_API_RATE": "100000r/s",  # the rate limit must not be what is measured
            "NGINX_API_BURST": "100000",
            "NGINX_API_CONNECTIONS": "60000",
        }
        workdir.mkdir(parents=True, exist_ok=True)
        with nginx_server(variables, workdir) as nginx:
            yield gunicorn, nginx


def _versions() -> dict:
    def first_line(command):
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=10)
        except OSError:
            return None
        return (done.stdout or done.stderr).strip().splitlines()[0]

    import django
    import gunicorn

    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "wrk": first_line(["wrk", "--version"]),
        "nginx": first_line(["nginx", "-v"]),
        "redis": first_line(["redis-server", "--version"]),
    }


def _cpu_accounts() -> tuple[float, float, float]:
    """(monotonic, CPU seconds the whole machine was busy, CPU seconds of this process and its reaped
    descendants): every server the bench starts is waited for, so all of them count as ours at the end."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    times = os.times()
    ours = times.user + times.system + times.children_user + times.children_system
    return time.monotonic(), (user + nice + system + irq + softirq + steal) / _TICK, ours


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    return {"nproc": len(os.sched_getaffinity(0)), "cpu_model": model, "memory_total_mb": round(mem_kb / 1024),
            "kernel": platform.release()}


def run(duration: int, levels: list[int], latency: float, warmup: int, redis_requests: int) -> dict:
    for tool in ("wrk", "redis-benchmark"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed (make bench-deps installs it)")
    rows, memory = [], {}
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-stack-")))
        replica = stack.enter_context(ReplicaServer())
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
        )
        base_env.pop("BENCH_CONSTANT_JSON", None)

        # -- Redis: (1), (3), (4), (5), (6) ----------------------------------------------------
        print(f"Redis stack: gunicorn {WORKERS} workers x {THREADS} threads", flush=True)
        env = _migrated({**base_env, "USE_REDIS": "True", "REDIS_URL": redis.url}, postgres.url, "bench_redis")
        collected = manage(env, "collectstatic", "--noinput")
        if collected.returncode != 0:
            raise RuntimeError(f"collectstatic failed:\n{collected.stderr}")
        batch_rucs = [make_ruc(f"2074{n:06d}") for n in range(BATCH_SIZE)]
        for script in (_WARM.format(ruc=RUC, path=str(constant_path)), _WARM_BATCH.format(rucs=batch_rucs)):
            warmed = manage(env, "shell", "-c", script)
            if warmed.returncode != 0:
                raise RuntimeError(f"warming the cache failed:\n{warmed.stdout}\n{warmed.stderr}")
        created = manage(env, "shell", "-c", _CREATE_KEY)
        if created.returncode != 0:
            raise RuntimeError(f"creating the API key failed:\n{created.stdout}\n{created.stderr}")
        key_headers = {"Authorization": f"Bearer {created.stdout.split()[-1]}"}
        batch_body = workdir / "lote.json"
        batch_body.write_text(json.dumps({"rucs": batch_rucs}))
        answer = constant_path.read_bytes()
        (static_root / STATIC_NAME).parent.mkdir(parents=True, exist_ok=True)
        (static_root / STATIC_NAME).write_bytes(answer)

        with _serve(env, constant_path, static_root, workdir / "nginx-redis") as (gunicorn, nginx):
            lookup_url = f"{nginx.url}/api/ruc/{RUC}"
            constant_url = f"{nginx.url}/bench/constant"
            static_url = f"{nginx.url}/static/{STATIC_NAME}"
            hit = _check_same_answer(lookup_url, answer, LOOKUP)
            if hit.headers.get("X-Cache") != "HIT":
                raise RuntimeError(f"the warmed lookup was not a cache hit: X-Cache {hit.headers.get('X-Cache')}")
            keyed = _check_same_answer(lookup_url, answer, LOOKUP_KEY, headers=key_headers)
            if "X-RateLimit-Remaining-Minute" not in keyed.headers:
                raise RuntimeError(f"{LOOKUP_KEY}: the key was not counted (no X-RateLimit-Remaining-Minute)")
            _check_batch(f"{nginx.url}/api/ruc/lote", batch_body)
            _check_same_answer(constant_url, answer, CONSTANT)
            _check_same_answer(static_url, answer, STATIC)
            log = AccessLog(workdir / "nginx-redis" / "access.log")
            workers = _gunicorn_workers(gunicorn.process.pid)

            with RssSampler(workers) as sampler:
                rows += measure([Load(LOOKUP, lookup_url), Load(LOOKUP_KEY, lookup_url, headers=key_headers),
                                 Load(CONSTANT, constant_url)], sampler, levels, duration, warmup, log)
            memory[f"{LOOKUP} + {LOOKUP_KEY} + {CONSTANT}"] = {"of": "gunicorn workers", **sampler.summary()}
            with RssSampler(workers) as sampler:
                batch_rows = measure([Load(BATCH, f"{nginx.url}/api/ruc/lote", "batch.lua", (batch_body,))],
                                     sampler, levels, duration, warmup, log)
            for row in batch_rows:
                row["rucs_per_s"] = round(row["requests_per_s"] * BATCH_SIZE, 1)
            rows += batch_rows
            memory[BATCH] = {"of": "gunicorn workers", **sampler.summary()}
            with RssSampler(_nginx_processes(nginx.process.pid)) as sampler:
                rows += measure([Load(STATIC, static_url)], sampler, levels, duration, warmup, None)
            memory[STATIC] = {"of": "nginx (master + worker)", **sampler.summary()}

            # (5) redis-benchmark GETs the key "key:__rand_int__" (no -r): set it to the answer's size.
            client = redis_py.Redis(host=HOST, port=redis.port)
            client.set("key:__rand_int__", b"x" * len(answer))
            stored = {key.decode(): client.strlen(key) for key in client.scan_iter("*sunat:ruc:*")}
            hits_before = client.info("stats")
            with RssSampler(lambda: [redis.process.pid]) as sampler:
                for clients in levels:
                    start, cpu = time.monotonic(), cpu_seconds([redis.process.pid])
                    result = redis_benchmark(redis.port, len(answer), clients, redis_requests)
                    cpu = cpu_seconds([redis.process.pid]) - cpu
                    rows.append({"target": REDIS_GET, "concurrency": clients, **result, "errors": None,
                                 "peak_rss_mb": sampler.peak_between(start, time.monotonic()),
                                 "cpu_ms_per_request": round(cpu * 1000 / redis_requests, 4),
                                 "value_bytes": len(answer)})
                    print(f"  {REDIS_GET:<22} c={clients:<3} {result['requests_per_s']:>9} req/s  "
                          f"p50 {result['p50_ms']} ms  p99 {result['p99_ms']} ms", flush=True)
            memory[REDIS_GET] = {"of": "redis-server", **sampler.summary()}
            hits_after = client.info("stats")
            if hits_after["keyspace_misses"] != hits_before["keyspace_misses"]:
                raise RuntimeError("redis-benchmark GET missed its key: it did not read a value of the answer's size")
            client.delete("key:__rand_int__")
            client.close()

            # (6) cold misses: the replica answers after `latency`; one connection, a new RUC each time.
            replica.config.latency = latency
            if warmup > 0:  # a requests.Session per gunicorn thread, its cookie: not what is measured
                wrk(f"{nginx.url}/", 1, warmup, "cold.lua", args=[500000])
            with RssSampler(workers) as sampler:
                log.non_2xx_since_last()
                replica.reset_stats()
                pids = sampler.pids()
                start, cpu = time.monotonic(), cpu_seconds(pids)
                result = wrk(f"{nginx.url}/", 1, duration, "cold.lua", args=[0])
                cpu = cpu_seconds(pids) - cpu
                peak = sampler.peak_between(start, time.monotonic())
                non_2xx, logged = log.non_2xx_since_last()
                upstream = replica.stats()
            memory[COLD] = {"of": "gunicorn workers", **sampler.summary()}
            socket_errors = sum(v for k, v in result["errors"].items() if k != "status")
            cold = _row(COLD, 1, result, socket_errors + non_2xx, peak, cpu, non_2xx=non_2xx, nginx_logged=logged,
                        replica_latency_ms=latency * 1000,
                        above_upstream_p50_ms=round(result["p50_us"] / 1000 - latency * 1000, 2),
                        replica_queries=upstream["queries"], replica_form_page_gets=upstream["form_page_gets"])
            rows.append(cold)
            print(f"  {COLD:<22} c=1   {cold['requests_per_s']:>9} req/s  p50 {cold['p50_ms']} ms  "
                  f"(replica {latency * 1000:g} ms: {cold['above_upstream_p50_ms']} ms above)  "
                  f"errors {cold['errors']}", flush=True)
            replica.config.latency = 0

        # -- LocMem: (2) -------------------------------------------------------------------
        print("LocMem stack (gunicorn restarted with USE_REDIS=False)", flush=True)
        env = _migrated({**base_env, "USE_REDIS": "False"}, postgres.url, "bench_locmem")
        with _serve(env, constant_path, static_root, workdir / "nginx-locmem") as (gunicorn, nginx):
            lookup_url = f"{nginx.url}/api/ruc/{RUC}"
            # Each worker has its own LocMem: the first request is a miss (the replica), the
            # warm-up run fills every worker's. Same keys and size as (1), not the same bytes: the
            # answer's time of fetching differs, and the copy read back from PostgreSQL (jsonb)
            # has its keys in another order.
            _check_same_answer(lookup_url, answer, LOOKUP_LOCMEM, exact=False)
            log = AccessLog(workdir / "nginx-locmem" / "access.log")
            with RssSampler(_gunicorn_workers(gunicorn.process.pid)) as sampler:
                rows += measure([Load(LOOKUP_LOCMEM, lookup_url)], sampler, levels, duration, warmup, log)
            memory[LOOKUP_LOCMEM] = {"of": "gunicorn workers", **sampler.summary()}
            _check_same_answer(lookup_url, answer, LOOKUP_LOCMEM, exact=False)

        # -- (3b) the same gunicorn and nginx with a bare WSGI callable: no Django ---------------
        print("gunicorn with a bare WSGI app (sunat/bench/bare.py)", flush=True)
        with _serve(env, constant_path, static_root, workdir / "nginx-bare", app=BARE_APP) as (gunicorn, nginx):
            bare_url = f"{nginx.url}/api/ruc/{RUC}"
            _check_same_answer(bare_url, answer, BARE)
            log = AccessLog(workdir / "nginx-bare" / "access.log")
            with RssSampler(_gunicorn_workers(gunicorn.process.pid)) as sampler:
                rows += measure([Load(BARE, bare_url)], sampler, levels, duration, warmup, log)
            memory[BARE] = {"of": "gunicorn workers", **sampler.summary()}

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


def _check_batch(url: str, body: Path) -> None:
    """Every RUC of the (1b) batch is answered from the cache at once: none pending, none failed."""
    response = requests.post(url, data=body.read_bytes(), timeout=30,
                             headers={**HEADERS, "Content-Type": "application/json"})
    summary = response.json().get("resumen") if response.status_code == 200 else None
    if summary != {"total": BATCH_SIZE, "ok": BATCH_SIZE, "error": 0, "pendiente": 0}:
        raise RuntimeError(f"{BATCH}: {url} answered {response.status_code} {response.text[:500]}")


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
    accounts_before = _cpu_accounts()
    report = {
        "machine": machine(),
        "versions": _versions(),
        "setup": {"gunicorn_workers": WORKERS, "gunicorn_threads": THREADS, "duration_s": args.duration,
                  "warmup_s": args.warmup, "levels": levels, "wrk_threads": "min(c, 2)", "ruc": RUC,
                  "settings": "config.settings.bench", "nginx_worker_processes": 1,
                  "headers": HEADERS, "replica_latency_cold_s": args.latency,
                  "redis_benchmark_requests": args.redis_requests},
    }
    report.update(run(args.duration, levels, args.latency, args.warmup, args.redis_requests))
    report["total_s"] = round(time.monotonic() - started, 1)
    # CPU the machine spent on anything but the bench and the servers it ran (all reaped by now).
    (t0, busy0, ours0), (t1, busy1, ours1) = accounts_before, _cpu_accounts()
    others = max(0.0, (busy1 - busy0) - (ours1 - ours0))
    share = others / ((t1 - t0) * report["machine"]["nproc"])
    report["other_processes"] = {"cpu_s": round(others, 1), "share_of_machine": round(share, 3),
                                 "busy": share > 0.05}
    print_table(report)
    print(f"total {report['total_s']} s")
    write_report(report, args.output)


if __name__ == "__main__":
    main()
