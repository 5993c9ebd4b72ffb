"""The job queue's worker (`manage.py qcluster`, the worker service) as a deployment runs it: it
delivers a register import's change to a real receiver, and when it is killed mid-delivery the
next worker delivers it again, so that no event is lost (the receiver de-duplicates on X-Evento-Id)."""

import json
import os
import signal
import sqlite3
from pathlib import Path

import pytest
import requests

from devtools import deployments
from devtools.deployments import job_worker, kill_worker, manage
from devtools.servers import gunicorn_server, wait_until
from devtools.webhook_receiver import Receiver
from tests.support.padron_files import COMPANY, HANDMADE, later, write_rows

# Its own SQLite file and processes: run once, in the first pass of make test.
pytestmark = [pytest.mark.standalone, pytest.mark.servers]


def deployment(tmp_path, receiver) -> dict:
    env = deployments.production_env(
        f"sqlite:///{tmp_path / 'db.sqlite3'}", WEBHOOK_ALLOW_PRIVATE="True",
        QUEUE_RETRY="4",  # a killed worker's job runs again this soon (production: 3700 s; the per-minute run too)
        WEBHOOK_CLAIM_SECONDS="2")
    for command in (("migrate", "--noinput"), ("sync_schedules",)):
        assert manage(env, *command).returncode == 0
    assert manage(env, "create_api_key", "ERP").returncode == 0
    setup = ("from sunat.models import ApiKey; from sunat.watch import services, webhooks; "
             f"key = ApiKey.objects.get(); services.watch(key.id, '{COMPANY}'); "
             f"webhooks.configure(key.id, '{receiver.url}', None)")
    assert manage(env, "shell", "-c", setup).returncode == 0
    assert manage(env, "import_padron", str(write_rows(tmp_path / "old.zip", HANDMADE))).returncode == 0
    return env


def import_no_habido(env, tmp_path):
    rows = [[*row[:3], "NO HABIDO" if row[0] == COMPANY else row[3], *row[4:]] for row in HANDMADE]
    assert manage(env, "import_padron", str(write_rows(tmp_path / "new.zip", rows, date_time=later()))).returncode == 0


def deliveries(tmp_path) -> list[tuple]:
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        return db.execute("SELECT delivery, attempts FROM sunat_notification").fetchall()


def test_the_worker_delivers_a_register_change(tmp_path):
    receiver = Receiver().start()
    try:
        env = deployment(tmp_path, receiver)
        with job_worker(env, tmp_path / "worker.log"):
            import_no_habido(env, tmp_path)
            wait_until(lambda: deliveries(tmp_path) == [("entregado", 1)], timeout=30, what="the delivery")
    finally:
        receiver.stop()

    (event,) = receiver.events()
    assert event["ruc"] == COMPANY and event["cambios"][0]["despues"] == "NO HABIDO"


def test_killing_the_worker_mid_delivery_loses_no_event(tmp_path):
    receiver = Receiver(hold_first=20).start()  # the first POST gets no answer for a while
    try:
        env = deployment(tmp_path, receiver)
        with job_worker(env, tmp_path / "worker.log") as worker:
            import_no_habido(env, tmp_path)
            wait_until(lambda: len(receiver.received) == 1, timeout=30, what="the first attempt")
            kill_worker(worker)  # SIGKILL, mid-delivery
        assert deliveries(tmp_path) == [("pendiente", 1)]  # the attempt counted when it was claimed

        with job_worker(env, tmp_path / "worker.log"):
            wait_until(lambda: deliveries(tmp_path) == [("entregado", 2)], timeout=60, what="the delivery after restart")
    finally:
        receiver.stop()

    ids = [request["headers"]["X-Evento-Id"] for request in receiver.received]
    assert len(ids) == 2 and len(set(ids)) == 1  # sent twice, the same event: once after de-duplication
    assert json.loads(receiver.received[1]["body"])["ruc"] == COMPANY


def session_processes(session: int) -> set[int]:
    """The live processes of a session (job_worker starts its own): orphans keep it."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def test_kill_9_of_the_worker_s_main_process_leaves_no_process_of_it(tmp_path):
    env = deployments.production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert manage(env, "migrate", "--noinput").returncode == 0
    with job_worker(env, tmp_path / "worker.log") as worker:
        # The main process, the sentinel, the pusher, the monitor and QUEUE_WORKERS workers.
        wait_until(lambda: len(session_processes(worker.pid)) >= 5, timeout=30, what="the cluster's processes")

        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        try:
            wait_until(lambda: not session_processes(worker.pid), timeout=15, what="the end of the cluster's processes")
        finally:
            left = session_processes(worker.pid)
            for pid in left:  # orphans of a failed run: not left running after the test
                os.kill(pid, signal.SIGKILL)
        assert not left


def test_the_worker_runs_the_daily_sync_of_sunats_files_when_it_is_due(tmp_path):
    from devtools.replica import ReplicaServer
    from tests.registers.test_sync import FILES, write_file

    files = tmp_path / "files"
    files.mkdir()
    for name in FILES:
        write_file(files, name)
    with ReplicaServer(files_dir=files) as sunat:
        from sunat.registers.files import REGISTERS

        urls = {register.url_setting: sunat.file_url(FILES[name]) for name, register in REGISTERS.items()}
        env = deployments.production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", **urls)
        assert manage(env, "migrate", "--noinput").returncode == 0
        assert manage(env, "sync_schedules").returncode == 0
        due = ("from django.utils import timezone; from django_q.models import Schedule; "
               "Schedule.objects.filter(name='sincronizar-archivos-sunat').update(next_run=timezone.now())")
        assert manage(env, "shell", "-c", due).returncode == 0

        with job_worker(env, tmp_path / "worker.log"):
            def imported():
                with sqlite3.connect(tmp_path / "db.sqlite3") as db:
                    return db.execute("SELECT count(DISTINCT register) FROM sunat_padronversion").fetchone()[0]

            wait_until(lambda: imported() == len(FILES), timeout=90, interval=1, what="the scheduled sync")

    log = (tmp_path / "worker.log").read_text()
    assert "Padrón Reducido RUC (padron): importado" in log


def test_the_worker_refreshes_a_stale_answer_the_web_served(tmp_path):
    """The web answers STALE at once and queues the refresh; the worker, not the web, asks SUNAT."""
    from devtools.replica import ReplicaServer

    with ReplicaServer() as sunat:
        env = deployments.production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", SUNAT_BASE_URL=sunat.url,
                                         RUC_CACHE_TTL="1", SUNAT_MIN_INTERVAL="0")
        assert manage(env, "migrate", "--noinput").returncode == 0
        with gunicorn_server(env, workers=1) as web:
            def answer():
                return requests.get(f"{web.url}/api/ruc/{COMPANY}", timeout=30)

            assert answer().headers["X-Cache"] == "MISS"
            wait_until(lambda: answer().headers["X-Cache"] == "STALE", timeout=10, what="the answer to age")

            def queued():
                with sqlite3.connect(tmp_path / "db.sqlite3") as db:
                    return db.execute("SELECT count(*) FROM django_q_ormq").fetchone()[0]

            def fetched_at():
                with sqlite3.connect(tmp_path / "db.sqlite3") as db:
                    return db.execute("SELECT fetched_at FROM sunat_rucrecord").fetchone()[0]

            assert queued() == 1 and sunat.stats()["queries"] == 1  # nobody asked SUNAT yet
            before = fetched_at()
            with job_worker(env, tmp_path / "worker.log"):
                wait_until(lambda: fetched_at() != before, timeout=30, what="the worker's refresh")
                wait_until(lambda: queued() == 0, timeout=10, what="the job to end")
            assert sunat.stats()["queries"] == 2


def test_the_worker_beats_and_health_says_when_it_last_did(tmp_path):
    """The heartbeat schedule runs on a real worker, its result is kept although Q_CLUSTER keeps no other
    success, and /health shows it; once the worker has been silent over five minutes, /health says so."""
    env = deployments.production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}",
                                     SUNAT_CANARY_MINUTES="0")  # no check of the real SUNAT from here
    for command in (("migrate", "--noinput"), ("sync_schedules",)):
        assert manage(env, *command).returncode == 0
    with gunicorn_server(env, workers=1) as web:
        def health() -> dict:
            return requests.get(f"{web.url}/health", timeout=10).json()

        assert health()["worker"] == {"expected": True, "lastHeartbeat": None}
        with job_worker(env, tmp_path / "worker.log"):
            wait_until(lambda: health()["worker"]["lastHeartbeat"] is not None, timeout=60, interval=1,
                       what="the worker's first heartbeat")
        assert health()["status"] == "ok"

        with sqlite3.connect(tmp_path / "db.sqlite3") as db:  # the worker stopped six minutes ago
            db.execute("UPDATE django_q_task SET stopped = datetime('now', '-6 minutes') WHERE func = ?",
                       ("sunat.tasks.heartbeat",))
        body = health()
        assert body["status"] == "degraded" and [r["code"] for r in body["reasons"]] == ["worker_sin_latido"]
