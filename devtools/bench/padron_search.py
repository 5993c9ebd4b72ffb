"""What /api/buscar costs on a large padrón: searches the service runs, and the ones it refuses.

Run by devtools.bench.padron after its large import, on the same database. Each accepted
search goes through sunat.registers.search in a `manage.py shell` of the production settings
(statement timeout and all), best of three; each refused one is timed as the plain SQL it
would have run before the limits (no statement timeout), to show what refusing it saves.
"""

import json
import subprocess
import sys
import time

import psycopg

from devtools.servers import PROJECT_ROOT

# (label, q, pagina, por_pagina)
ACCEPTED = (
    ("persona", "QUISPE MAMANI JUAN", 1, 20),
    ("empresa", "INVERSIONES ANDINA", 1, 20),
    ("palabra frecuente, página 1", "INVERSIONES", 1, 100),
    ("palabra frecuente, la página más honda", "INVERSIONES", 10, 100),
)
REFUSED = (
    ("solo forma societaria, página 100 de 100", "S.A.C.", 100, 100),
    ("palabra frecuente, página 100 de 100", "INVERSIONES", 100, 100),
)

_SHELL = """
import json, time
from sunat.registers import search
out = {}
for label, q, page, per_page in json.loads(%r):
    best = None
    for _ in range(3):
        started = time.perf_counter()
        try:
            hits = len(search.search(q, page, per_page).results)
        except search.SearchUnavailable:
            hits = "503"
        seconds = time.perf_counter() - started
        best = seconds if best is None else min(best, seconds)
    out[label] = {"ms": round(best * 1000, 1), "hits": hits}
print(json.dumps(out))
"""


def measure(env: dict, database_url: str) -> dict:
    script = _SHELL % json.dumps(ACCEPTED)
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"search bench failed:\n{done.stdout}\n{done.stderr}")
    accepted = json.loads(done.stdout.strip().splitlines()[-1])
    refused = {label: {"ms_before_limits": round(_plain_sql_seconds(database_url, q, page, per_page) * 1000, 1)}
               for label, q, page, per_page in REFUSED}
    return {"accepted": accepted, "refused": refused}


def _plain_sql_seconds(database_url: str, text: str, page: int, per_page: int) -> float:
    """The trigram query as it ran before the limits: no statement timeout, any page."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        started = time.perf_counter()
        connection.execute(
            "SELECT * FROM sunat_padron WHERE %(q)s <%% razon_social ORDER BY razon_social = %(q)s DESC, "
            "word_similarity(%(q)s, razon_social) DESC, similarity(%(q)s, razon_social) DESC, ruc "
            "LIMIT %(limit)s OFFSET %(offset)s",
            {"q": text, "limit": per_page + 1, "offset": (page - 1) * per_page},
        ).fetchall()
        return time.perf_counter() - started


def print_table(report: dict) -> None:
    print("\n/api/buscar on the large padrón (sunat.registers.search, best of 3):")
    for label, result in report["accepted"].items():
        print(f"  {label:<45}{result['ms']:>9} ms  ({result['hits']} hits)")
    print("refused now (400), as plain SQL before the limits:")
    for label, result in report["refused"].items():
        print(f"  {label:<45}{result['ms_before_limits']:>9} ms")
