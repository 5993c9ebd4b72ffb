"""PostgreSQL stopped under a running service (issue 26, point 6): SUNAT's answers keep being served,
and they and the admin's counts are in the database once it is back, with nothing asked again."""

import psycopg
import pytest
import requests

from devtools.deployments import create_database, manage, production_env
from devtools.replica import ReplicaServer
from devtools.replica.rucs import make_ruc
from devtools.servers import gunicorn_server, postgres_server, wait_until

# Its own PostgreSQL, stopped and started: run once, in the first pass.
pytestmark = [pytest.mark.standalone, pytest.mark.servers]

RUCS = [make_ruc(f"20{n:08d}") for n in range(60_100_000, 60_100_007)]  # new to the service


def stored(database_url: str) -> tuple[set, dict]:
    with psycopg.connect(database_url) as db:
        records = {row[0] for row in db.execute("SELECT ruc FROM sunat_rucrecord")}
        hits = dict(db.execute("SELECT ruc, hits FROM sunat_ruchits").fetchall())
    return records, hits


def test_what_sunat_answered_while_postgresql_was_down_is_stored_when_it_is_back(tmp_path):
    with postgres_server() as postgres, ReplicaServer() as replica:
        database_url = create_database(postgres.url, "ruc_outage")
        env = production_env(database_url, SUNAT_BASE_URL=replica.url, TALLY_FLUSH_SECONDS="1")
        assert manage(env, "migrate", "--noinput").returncode == 0
        with gunicorn_server(env, workers=1, log_path=tmp_path / "gunicorn.log") as web:
            with postgres.stopped():
                for ruc in RUCS:
                    first = requests.get(f"{web.url}/api/ruc/{ruc}", timeout=30)
                    again = requests.get(f"{web.url}/api/ruc/{ruc}", timeout=30)
                    assert (first.status_code, first.headers["X-Cache"]) == (200, "MISS"), first.text
                    assert (again.status_code, again.headers["X-Cache"]) == (200, "HIT")
                wait_until(lambda: "could not write the usage counts" in (tmp_path / "gunicorn.log").read_text(),
                           timeout=10, what="a flush refused while the database is out")
            asked = replica.stats()["queries"]

            wait_until(lambda: stored(database_url)[0] == set(RUCS), timeout=30,
                       what="every answer stored once PostgreSQL is back")
            wait_until(lambda: all(stored(database_url)[1].get(ruc) == 2 for ruc in RUCS), timeout=30,
                       what="every hit of the outage counted once PostgreSQL is back")
            for ruc in RUCS:  # served from the cache or the stored record: SUNAT is not asked again
                assert requests.get(f"{web.url}/api/ruc/{ruc}", timeout=30).headers["X-Cache"] == "HIT"
            assert replica.stats()["queries"] == asked == len(RUCS)
