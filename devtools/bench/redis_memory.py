"""What a cached RUC costs Redis: the project's own cache writes of N answers into a fresh redis-server.

    python -m devtools.bench.redis_memory [--rucs 20000] [--output bench-results/redis_memory.json]

Each answer is SUNAT's captured page of a company (the replica's copy, parsed by the service's
parser) under another RUC, written with sunat.lookups.ruc_cache.put (django-redis: pickled, its TTL
set), as a lookup leaves it. Redis's used_memory before and after, divided by N: the bytes per cached
RUC, key, value, expiry and Redis's own bookkeeping included. For docs/scaling.md's table.
"""

import argparse
import os
import sys

from devtools.bench import write_report
from devtools.replica import make_ruc
from devtools.replica.catalog import PAGES_DIR
from devtools.servers import redis_server

PAGE = "consPorRuc_20573215045_company_2025.html"


def measure(rucs: int) -> dict:
    with redis_server() as redis:
        os.environ.update({"DJANGO_SETTINGS_MODULE": "config.settings.test", "USE_REDIS": "True",
                           "REDIS_URL": redis.url, "DATABASE_URL": "sqlite:///:memory:"})
        import django

        django.setup()
        import redis as redis_py

        from sunat.lookups import ruc_cache
        from sunat.responses import json_response
        from sunat.upstream.parser import parse_ruc_page

        answer = parse_ruc_page((PAGES_DIR / PAGE).read_bytes().decode("iso-8859-1"))
        client = redis_py.Redis.from_url(redis.url)
        before = client.info("memory")["used_memory"]
        for n in range(rucs):
            ruc = make_ruc(f"20{n:08d}")
            ruc_cache.put(ruc, {**answer, "ruc": ruc})
        after = client.info("memory")["used_memory"]
        value = client.strlen(next(client.scan_iter("*sunat:ruc:*")))
        return {"rucs": rucs, "used_memory_before": before, "used_memory_after": after,
                "bytes_per_ruc": round((after - before) / rucs, 1), "value_bytes": value,
                "answer_json_bytes": len(json_response(answer).content)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rucs", type=int, default=20000)
    parser.add_argument("--output", default="bench-results/redis_memory.json")
    args = parser.parse_args(argv)
    report = measure(args.rucs)
    print(f"{report['rucs']} cached RUCs: {report['bytes_per_ruc']} bytes of Redis memory each "
          f"(value {report['value_bytes']} bytes; the answer's JSON {report['answer_json_bytes']} bytes)")
    write_report(report, args.output)


if __name__ == "__main__":
    sys.exit(main())
