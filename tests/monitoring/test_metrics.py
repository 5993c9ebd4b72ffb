"""GET /metrics (sunat.monitoring): who may read it, and that each event moves its counter by one:
a hit, a miss, a SUNAT failure, a quota rejection; with two gunicorn workers their counts add up."""

import ipaddress
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from sunat.keys import services as api_keys
from tests.support.padron_files import COMPANY
from tests.watch.test_watch_api import auth

pytestmark = pytest.mark.django_db

OTHER = "20146806679"
INVALID = "20573215046"  # a wrong check digit


def scrape(client, **headers) -> dict:
    """{(sample name, sorted labels): value} of what /metrics answers now."""
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return parse(response.content.decode())


def parse(text: str) -> dict:
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    return sum(v for (sample, sample_labels), v in samples.items()
               if sample == name and set(labels.items()) <= set(sample_labels))


def moved(before: dict, after: dict, name: str, **labels) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_only_allowed_addresses_or_the_token_read_the_metrics(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    outside = client.get("/metrics", REMOTE_ADDR="203.0.113.7")
    assert outside.status_code == 403 and outside.json()["error"] == "acceso_denegado"
    # The connection's own address counts, never a forwarded one.
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="127.0.0.1").status_code == 403
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("172.30.253.0/24")]
    assert client.get("/metrics", REMOTE_ADDR="172.30.253.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7",
                      HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
    settings.METRICS_ALLOWED_NETWORKS = []
    assert client.get("/metrics").status_code == 403
    assert client.post("/metrics").status_code == 405


@pytest.mark.django_db(transaction=True)  # the upstream thread stores what SUNAT answers
def test_a_hit_a_miss_a_sunat_failure_and_a_quota_rejection_each_move_their_counter_by_one(client, replica,
                                                                                         settings):
    settings.SUNAT_MAX_ATTEMPTS = 1
    _, plain = api_keys.create_key("Cuota", per_minute=1)
    before = scrape(client)

    assert client.get(f"/api/ruc/{COMPANY}")["X-Cache"] == "MISS"
    assert client.get(f"/api/ruc/{COMPANY}")["X-Cache"] == "HIT"
    replica.config.mode = "http503"  # a failure, not a refusal of the flow (that walks the others)
    assert client.get(f"/api/ruc/{OTHER}").status_code == 503
    replica.config.mode = "ok"
    assert client.get(f"/api/ruc/{INVALID}", **auth(plain)).status_code == 400  # spends the key's minute
    assert client.get(f"/api/ruc/{INVALID}", **auth(plain)).status_code == 429
    after = scrape(client)

    requests_total = "consulta_ruc_http_request_duration_seconds_count"
    assert moved(before, after, requests_total, endpoint="ruc-detail", status="200", cache="MISS") == 1
    assert moved(before, after, requests_total, endpoint="ruc-detail", status="200", cache="HIT") == 1
    assert moved(before, after, requests_total, endpoint="ruc-detail", status="503") == 1
    assert moved(before, after, requests_total, endpoint="ruc-detail", status="400") == 1
    assert moved(before, after, requests_total, endpoint="ruc-detail", status="429") == 1
    sunat = "consulta_ruc_sunat_requests_total"
    assert moved(before, after, sunat, page="ficha", outcome="ok", client="http") == 1
    assert moved(before, after, sunat, page="ficha", outcome="error_page", client="http") == 1
    assert moved(before, after, sunat) == 2
    assert moved(before, after, "consulta_ruc_sunat_request_duration_seconds_count", page="ficha") == 2
    rejected = api_keys.ApiKey.objects.get(name="Cuota").prefix
    assert moved(before, after, "consulta_ruc_quota_rejections_total", key=f"rk_{rejected}") == 1
    assert moved(before, after, "consulta_ruc_quota_rejections_total") == 1
    assert moved(before, after, "consulta_ruc_http_request_duration_seconds_count", endpoint="ruc-detail") == 5
    assert moved(before, after, "consulta_ruc_http_request_duration_seconds_sum", endpoint="ruc-detail") > 0


def test_state_is_read_at_scrape_time(client, settings):
    samples = scrape(client)

    assert value(samples, "consulta_ruc_sunat_cooldown_seconds") == 0
    assert value(samples, "consulta_ruc_redis_circuit_open") == 0
    assert value(samples, "consulta_ruc_queue_jobs", state="waiting") == 0
    assert ("consulta_ruc_webhook_notices", (("state", "pendiente"),)) in samples


def test_what_the_alerts_watch_is_read_at_scrape_time(client):
    """The queue's oldest job, the registers never imported, the notices failing (deploy/prometheus/alerts.yml)."""
    from datetime import timedelta

    from django.utils import timezone
    from django_q.models import OrmQ
    from django_q.tasks import async_task

    from sunat.models import ChangeEvent, Notification, PadronVersion
    from sunat.registers.files import REGISTERS

    async_task("math.floor", 1.5)
    OrmQ.objects.update(lock=timezone.now() - timedelta(minutes=10))
    PadronVersion.objects.create(register="padron", source="padron_reducido_ruc.zip", rows=3, seconds=0.5)
    key, _ = api_keys.create_key("Con webhook")
    revoked, _ = api_keys.create_key("Revocada")
    event = ChangeEvent.objects.create(ruc=COMPANY, changes=[], source="sunat")
    for owner, delivery, last_error in [
            (key, Notification.PENDING, ""), (key, Notification.PENDING, "respondió HTTP 500"),
            (key, Notification.FAILED, "sin respuesta; venció WEBHOOK_MAX_AGE"), (key, Notification.DELIVERED, ""),
            (revoked, Notification.PENDING, "respondió HTTP 500")]:  # never sent once its key is revoked
        Notification.objects.create(key=owner, event=event, delivery=delivery, last_error=last_error)
    api_keys.revoke(revoked)
    samples = scrape(client)

    assert 600 <= value(samples, "consulta_ruc_queue_oldest_job_age_seconds") < 660
    assert {labels[0][1]: count for (name, labels), count in samples.items()
            if name == "consulta_ruc_register_imported"} == {name: int(name == "padron") for name in REGISTERS}
    assert value(samples, "consulta_ruc_webhook_notices", state="pendiente") == 2
    assert value(samples, "consulta_ruc_webhook_notices", state="fallido") == 1
    assert value(samples, "consulta_ruc_webhook_notices_retrying") == 1


@pytest.mark.django_db(transaction=True)
def test_a_batch_s_size_is_observed(client, replica):
    before = scrape(client)
    client.post("/api/ruc/lote", {"rucs": [COMPANY, COMPANY, OTHER]}, content_type="application/json")
    after = scrape(client)

    assert moved(before, after, "consulta_ruc_batch_size_count") == 1
    assert moved(before, after, "consulta_ruc_batch_size_sum") == 2  # distinct RUCs


@pytest.mark.standalone
@pytest.mark.servers
def test_two_gunicorn_workers_counts_add_up(tmp_path, replica):
    from devtools.deployments import manage, production_env
    from devtools.servers import gunicorn_server

    env = production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", SUNAT_BASE_URL=replica.url)
    assert manage(env, "migrate", "--noinput").returncode == 0
    # config/gunicorn.py makes its own directory when none is given; this one the test can look into.
    metrics_dir = tmp_path / "metrics"
    with gunicorn_server({**env, "GUNICORN_METRICS_DIR": str(metrics_dir)}, workers=2) as web:
        def counting_pids() -> set[str]:  # the workers' files (the arbiter has one too, from its imports)
            return {path.stem.split("_")[-1] for path in metrics_dir.glob("histogram_*.db")} - {str(web.process.pid)}

        sent = 0
        with ThreadPoolExecutor(8) as pool:
            while len(counting_pids()) < 2 and sent < 400:  # until both workers counted some
                statuses = list(pool.map(lambda _: requests.get(f"{web.url}/health", timeout=10).status_code,
                                         range(8)))
                assert statuses == [200] * 8
                sent += 8
        text = requests.get(f"{web.url}/metrics", timeout=10).text

    assert len(counting_pids()) == 2, counting_pids()
    assert value(parse(text), "consulta_ruc_http_request_duration_seconds_count", endpoint="health",
                 status="200") == sent


def test_no_pacing_slot_within_the_deadline_is_not_sent_not_a_timeout(settings):
    import time

    from sunat.exceptions import DeadlineExceeded
    from sunat.monitoring.metrics import outcome_of
    from sunat.upstream import budget, throttle

    settings.SUNAT_MIN_INTERVAL, settings.SUNAT_PROCESSES = 5.0, 1
    with budget.running(budget.Budget(time.monotonic() + 10)):
        throttle.wait_for_turn()  # takes the slot now (this process's, or Redis's): the next is 5 s away
    with budget.running(budget.Budget(time.monotonic() + 0.5)):
        with pytest.raises((DeadlineExceeded, throttle.SunatBusy)) as raised:
            throttle.wait_for_turn()
    assert outcome_of(raised.value) == "not_sent"
    assert outcome_of(DeadlineExceeded("SUNAT did not answer in time")) == "timeout"


@pytest.mark.django_db
def test_a_failure_to_count_never_costs_the_answer(client, monkeypatch, caplog):
    from sunat.monitoring import metrics

    def broken(*labels):
        raise OSError("the metrics directory is gone")

    monkeypatch.setattr(metrics.REQUESTS, "labels", broken)
    response = client.get("/health")
    assert response.status_code == 200 and response["X-Request-ID"]
    assert "could not count or log the request" in caplog.text
