"""The targets of `python -m devtools.bench.stack`: their names, the warmed cache and how each is measured."""

import dataclasses
import json
import time
from pathlib import Path

import redis as redis_py
import requests

from devtools.bench.load import AccessLog, Load, measure, redis_benchmark, wrk, wrk_row
from devtools.bench.measure import RssSampler, cpu_seconds
from devtools.bench.serving import HEADERS, RUC, check_same_answer, gunicorn_workers, nginx_processes
from devtools.deployments import manage
from devtools.replica import make_ruc
from devtools.servers import HOST

STATIC_NAME = "bench/ruc.json"
LOOKUP = "cached lookup, Redis"
LOOKUP_KEY = "cached lookup, API key"
BATCH = "lote of 100 cached"
BATCH_SIZE = 100
EXCHANGE = "cached tipo de cambio"
COMPROBANTE = "cached comprobante"
LOOKUP_LOCMEM = "cached lookup, LocMem"
CONSTANT = "constant view"
BARE = "bare WSGI, no Django"
BARE_APP = "devtools.bench.bare:application"
STATIC = "nginx static file"
REDIS_GET = "redis-benchmark GET"
COLD = "cold miss"
ORDER = [LOOKUP, LOOKUP_KEY, EXCHANGE, COMPROBANTE, BATCH, LOOKUP_LOCMEM, CONSTANT, BARE, STATIC, REDIS_GET, COLD]

# A published day (a Friday): its rate is final, cached once asked. A comprobante the stand-in of SUNAT's API
# knows (stack.py adds it), as POST /api/comprobantes/validar takes it.
EXCHANGE_DATE = "2026-11-06"
COMPROBANTE_BODY = {"rucEmisor": "20131312955", "tipo": "01", "serie": "F001", "numero": "1520",
                    "fechaEmision": "2026-11-02", "monto": 1180.0}

# What the warm-up runs in `manage.py shell`: a lookup through the project's own services (a
# miss: the replica, the database, the cache), then the exact bytes the API answers for it.
_WARM = """
from sunat.responses import json_response
from sunat.lookups.services import lookup_ruc
from sunat.registers.annotations import annotate
result = lookup_ruc({ruc!r})
open({path!r}, "wb").write(json_response(annotate(result.data)).content)
print(result.cache_status)
"""
# The RUCs of (1b), each a miss now (the replica) and a cache hit in the batches.
_WARM_BATCH = """
from sunat.lookups.services import lookup_ruc
for ruc in {rucs!r}:
    lookup_ruc(ruc)
"""
# A key for (1k) whose quotas the run cannot exhaust; the plain key is printed once.
_CREATE_KEY = """
from sunat.keys.services import create_key
print(create_key("bench", per_minute=2_000_000_000, per_day=2_000_000_000)[1])
"""


@dataclasses.dataclass
class Runs:
    """What every target runs with (wrk's levels, seconds per run and of warm-up), and what they measured."""

    levels: list[int]
    duration: int
    warmup: int
    rows: list[dict] = dataclasses.field(default_factory=list)
    memory: dict = dataclasses.field(default_factory=dict)

    def measure(self, targets: list[Load], sampler: RssSampler, log: AccessLog | None) -> list[dict]:
        return measure(targets, sampler, self.levels, self.duration, self.warmup, log)


def prepare(env: dict, workdir: Path, constant_path: Path, static_root: Path) -> tuple[bytes, dict, Path]:
    """Static files, the warmed cache (RUC's and the batch's) and an API key: (the answer's bytes, the
    key's headers, the batch's body)."""
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
    return answer, key_headers, batch_body


def check_batch(url: str, body: Path) -> None:
    """Every RUC of the (1b) batch is answered from the cache at once: none pending, none failed."""
    response = requests.post(url, data=body.read_bytes(), timeout=30,
                             headers={**HEADERS, "Content-Type": "application/json"})
    summary = response.json().get("resumen") if response.status_code == 200 else None
    if summary != {"total": BATCH_SIZE, "ok": BATCH_SIZE, "error": 0, "pendiente": 0}:
        raise RuntimeError(f"{BATCH}: {url} answered {response.status_code} {response.text[:500]}")


def warm_exchange_and_comprobante(nginx, workdir: Path) -> tuple[Load, Load]:
    """(1t) and (1c): asked once (a miss, the stand-ins), then a hit; their loads."""
    exchange_url = f"{nginx.url}/api/tipo-cambio?fecha={EXCHANGE_DATE}"
    comprobante_url = f"{nginx.url}/api/comprobantes/validar"
    body = workdir / "comprobante.json"
    body.write_text(json.dumps(COMPROBANTE_BODY))
    for _ in range(2):
        rate = requests.get(exchange_url, headers=HEADERS, timeout=30)
        validity = requests.post(comprobante_url, data=body.read_bytes(), timeout=30,
                                 headers={**HEADERS, "Content-Type": "application/json"})
    if rate.status_code != 200 or rate.json().get("publicadoEl") != EXCHANGE_DATE:
        raise RuntimeError(f"{EXCHANGE}: {exchange_url} answered {rate.status_code} {rate.text[:500]}")
    if validity.status_code != 200 or validity.headers.get("X-Cache") != "HIT":
        raise RuntimeError(f"{COMPROBANTE}: {validity.status_code} X-Cache {validity.headers.get('X-Cache')} "
                           f"{validity.text[:500]}")
    return Load(EXCHANGE, exchange_url), Load(COMPROBANTE, comprobante_url, "batch.lua", (body,))


def cached(runs: Runs, gunicorn, nginx, workdir: Path, answer: bytes, key_headers: dict, batch_body: Path):
    """(1), (1k), (1t), (1c), (3), then (1b), then (4) on the Redis stack; returns its access log and workers for
    (6)."""
    lookup_url = f"{nginx.url}/api/ruc/{RUC}"
    constant_url = f"{nginx.url}/bench/constant"
    static_url = f"{nginx.url}/static/{STATIC_NAME}"
    hit = check_same_answer(lookup_url, answer, LOOKUP)
    if hit.headers.get("X-Cache") != "HIT":
        raise RuntimeError(f"the warmed lookup was not a cache hit: X-Cache {hit.headers.get('X-Cache')}")
    keyed = check_same_answer(lookup_url, answer, LOOKUP_KEY, headers=key_headers)
    if "X-RateLimit-Remaining-Minute" not in keyed.headers:
        raise RuntimeError(f"{LOOKUP_KEY}: the key was not counted (no X-RateLimit-Remaining-Minute)")
    check_batch(f"{nginx.url}/api/ruc/lote", batch_body)
    check_same_answer(constant_url, answer, CONSTANT)
    check_same_answer(static_url, answer, STATIC)
    exchange, comprobante = warm_exchange_and_comprobante(nginx, workdir)
    log = AccessLog(workdir / "nginx-redis" / "access.log")
    workers = gunicorn_workers(gunicorn.process.pid)

    with RssSampler(workers) as sampler:
        runs.rows += runs.measure([Load(LOOKUP, lookup_url), Load(LOOKUP_KEY, lookup_url, headers=key_headers),
                                   exchange, comprobante, Load(CONSTANT, constant_url)], sampler, log)
    runs.memory[f"{LOOKUP} + {LOOKUP_KEY} + {EXCHANGE} + {COMPROBANTE} + {CONSTANT}"] = {
        "of": "gunicorn workers", **sampler.summary()}
    with RssSampler(workers) as sampler:
        batch_rows = runs.measure([Load(BATCH, f"{nginx.url}/api/ruc/lote", "batch.lua", (batch_body,))],
                                  sampler, log)
    for row in batch_rows:
        row["rucs_per_s"] = round(row["requests_per_s"] * BATCH_SIZE, 1)
    runs.rows += batch_rows
    runs.memory[BATCH] = {"of": "gunicorn workers", **sampler.summary()}
    with RssSampler(nginx_processes(nginx.process.pid)) as sampler:
        runs.rows += runs.measure([Load(STATIC, static_url)], sampler, None)
    runs.memory[STATIC] = {"of": "nginx (master + worker)", **sampler.summary()}
    return log, workers


def redis_get(runs: Runs, redis, answer: bytes, redis_requests: int) -> dict:
    """(5) on the same redis-server; returns the sizes of the cache's values it holds."""
    # redis-benchmark GETs the key "key:__rand_int__" (no -r): set it to the answer's size.
    client = redis_py.Redis(host=HOST, port=redis.port)
    client.set("key:__rand_int__", b"x" * len(answer))
    stored = {key.decode(): client.strlen(key) for key in client.scan_iter("*sunat:ruc:*")}
    hits_before = client.info("stats")
    with RssSampler(lambda: [redis.process.pid]) as sampler:
        for clients in runs.levels:
            start, cpu = time.monotonic(), cpu_seconds([redis.process.pid])
            result = redis_benchmark(redis.port, len(answer), clients, redis_requests)
            cpu = cpu_seconds([redis.process.pid]) - cpu
            runs.rows.append({"target": REDIS_GET, "concurrency": clients, **result, "errors": None,
                              "peak_rss_mb": sampler.peak_between(start, time.monotonic()),
                              "cpu_ms_per_request": round(cpu * 1000 / redis_requests, 4),
                              "value_bytes": len(answer)})
            print(f"  {REDIS_GET:<22} c={clients:<3} {result['requests_per_s']:>9} req/s  "
                  f"p50 {result['p50_ms']} ms  p99 {result['p99_ms']} ms", flush=True)
    runs.memory[REDIS_GET] = {"of": "redis-server", **sampler.summary()}
    hits_after = client.info("stats")
    if hits_after["keyspace_misses"] != hits_before["keyspace_misses"]:
        raise RuntimeError("redis-benchmark GET missed its key: it did not read a value of the answer's size")
    client.delete("key:__rand_int__")
    client.close()
    return stored


def cold(runs: Runs, nginx, replica, latency: float, workers, log: AccessLog) -> None:
    """(6): the replica answers after `latency`; one connection, a new RUC each time."""
    replica.config.latency = latency
    if runs.warmup > 0:  # a requests.Session per gunicorn thread, its cookie: not what is measured
        wrk(f"{nginx.url}/", 1, runs.warmup, "cold.lua", args=[500000])
    with RssSampler(workers) as sampler:
        log.non_2xx_since_last()
        replica.reset_stats()
        pids = sampler.pids()
        start, cpu = time.monotonic(), cpu_seconds(pids)
        result = wrk(f"{nginx.url}/", 1, runs.duration, "cold.lua", args=[0])
        cpu = cpu_seconds(pids) - cpu
        peak = sampler.peak_between(start, time.monotonic())
        non_2xx, logged = log.non_2xx_since_last()
        upstream = replica.stats()
    runs.memory[COLD] = {"of": "gunicorn workers", **sampler.summary()}
    socket_errors = sum(v for k, v in result["errors"].items() if k != "status")
    row = wrk_row(COLD, 1, result, socket_errors + non_2xx, peak, cpu, non_2xx=non_2xx, nginx_logged=logged,
                  replica_latency_ms=latency * 1000,
                  above_upstream_p50_ms=round(result["p50_us"] / 1000 - latency * 1000, 2),
                  replica_queries=upstream["queries"], replica_form_page_gets=upstream["form_page_gets"])
    runs.rows.append(row)
    print(f"  {COLD:<22} c=1   {row['requests_per_s']:>9} req/s  p50 {row['p50_ms']} ms  "
          f"(replica {latency * 1000:g} ms: {row['above_upstream_p50_ms']} ms above)  "
          f"errors {row['errors']}", flush=True)
    replica.config.latency = 0


def locmem(runs: Runs, gunicorn, nginx, workdir: Path, answer: bytes) -> None:
    """(2): the cached lookup on a gunicorn with USE_REDIS=False."""
    lookup_url = f"{nginx.url}/api/ruc/{RUC}"
    # Each worker has its own LocMem: the first request is a miss (the replica), the
    # warm-up run fills every worker's. Same keys and size as (1), not the same bytes: the
    # answer's time of fetching differs, and the copy read back from PostgreSQL (jsonb)
    # has its keys in another order.
    check_same_answer(lookup_url, answer, LOOKUP_LOCMEM, exact=False)
    log = AccessLog(workdir / "nginx-locmem" / "access.log")
    with RssSampler(gunicorn_workers(gunicorn.process.pid)) as sampler:
        runs.rows += runs.measure([Load(LOOKUP_LOCMEM, lookup_url)], sampler, log)
    runs.memory[LOOKUP_LOCMEM] = {"of": "gunicorn workers", **sampler.summary()}
    check_same_answer(lookup_url, answer, LOOKUP_LOCMEM, exact=False)


def bare(runs: Runs, gunicorn, nginx, workdir: Path, answer: bytes) -> None:
    """(3b): the same gunicorn and nginx serving the answer from a bare WSGI callable."""
    bare_url = f"{nginx.url}/api/ruc/{RUC}"
    check_same_answer(bare_url, answer, BARE)
    log = AccessLog(workdir / "nginx-bare" / "access.log")
    with RssSampler(gunicorn_workers(gunicorn.process.pid)) as sampler:
        runs.rows += runs.measure([Load(BARE, bare_url)], sampler, log)
    runs.memory[BARE] = {"of": "gunicorn workers", **sampler.summary()}
