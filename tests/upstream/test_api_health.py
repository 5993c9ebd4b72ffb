"""/health tells the truth: degraded, with a reason, while SUNAT is paused (the firewall's cooldown, the
failure backoff) or failing (its last requests failed, even without a pause), and while the job queue's
worker has not beaten for over five minutes when schedules exist; it shows that last heartbeat."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule, Success

from sunat import schedules, tasks
from sunat.upstream import status

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads

COMPANY = "20573215045"
OTHERS = ["20550263948", "20100070970", "20131312955"]


@pytest.fixture(autouse=True)
def one_attempt(settings):
    settings.SUNAT_MIN_INTERVAL = 0
    settings.SUNAT_MAX_ATTEMPTS = 1


def health(client) -> dict:
    response = client.get("/health")
    assert response.status_code == 200
    return response.json()


def codes(body: dict) -> list[str]:
    return [reason["code"] for reason in body.get("reasons", [])]


def beat(minutes_ago: float) -> None:
    """A heartbeat as the worker leaves it: the task's Success row, stopped `minutes_ago`."""
    stopped = timezone.now() - timedelta(minutes=minutes_ago)
    Success.objects.create(id=uuid.uuid4().hex, name="latido", func=tasks.HEARTBEAT, args=(), kwargs={},
                           started=stopped, stopped=stopped, result="latido", success=True, group=schedules.HEARTBEAT_NAME)


def test_while_sunat_answers_health_is_ok(client, replica):
    assert client.get(f"/api/ruc/{COMPANY}").status_code == 200
    body = health(client)
    assert body["status"] == "ok" and "reasons" not in body


def test_the_firewall_cooldown_is_degraded_saying_the_service_is_paused(client, replica, settings):
    settings.SUNAT_BLOCK_COOLDOWN = 300
    replica.config.mode = "reject"
    client.get(f"/api/ruc/{COMPANY}")

    body = health(client)

    assert body["status"] == "degraded" and "sunat_bloqueado" in codes(body)
    assert "pausado" in body["reasons"][0]["detail"] and "300 s" in body["reasons"][0]["detail"]
    assert body["upstream"]["pausedFor"] > 290


def test_the_failure_backoff_is_degraded_with_whole_seconds_left(client, replica, settings):
    settings.SUNAT_FAILURE_BACKOFF = 0.4
    replica.config.mode = "reset"
    client.get(f"/api/ruc/{COMPANY}")

    body = health(client)

    assert "sunat_sin_respuesta" in codes(body)
    assert "por 1 s" in body["reasons"][0]["detail"]  # 0.4 s left is not "0 s"


def test_sunat_answering_errors_is_degraded_after_three_in_a_row_and_ok_once_it_answers(client, replica):
    replica.config.mode = "http503"  # an error page: no pause, every new RUC a 503
    for ruc in OTHERS[:2]:
        assert client.get(f"/api/ruc/{ruc}").status_code == 503
    assert health(client)["status"] == "ok"  # two: a blip

    assert client.get(f"/api/ruc/{OTHERS[2]}").status_code == 503
    body = health(client)
    assert body["status"] == "degraded" and codes(body) == ["sunat_con_fallas"]
    assert "Las últimas 3 consultas a SUNAT fallaron" in body["reasons"][0]["detail"]
    assert "error" in body["reasons"][0]["detail"]

    replica.config.mode = "ok"
    assert client.get(f"/api/ruc/{COMPANY}").status_code == 200
    assert health(client)["status"] == "ok"


def test_a_sections_error_pages_are_that_pages_not_sunat_failing(client, replica):
    assert client.get(f"/api/ruc/{COMPANY}").status_code == 200  # the ficha answers
    replica.config.mode = "http503"
    for name in ("representantes", "omisiones", "deuda-coactiva"):
        assert client.get(f"/api/ruc/{COMPANY}/{name}").status_code == 503

    assert "sunat_con_fallas" not in codes(health(client))


def test_what_the_service_refuses_itself_is_not_a_sunat_failure(client, replica):
    from sunat.exceptions import DeadlineExceeded, SunatBlocked, SunatBusy

    waited = DeadlineExceeded("no slot")
    waited.before_sending = True
    for exc in (SunatBusy("full"), SunatBlocked("paused"), waited) * 3:
        status.failed(exc)

    assert "sunat_con_fallas" not in codes(health(client))


def test_without_schedules_no_worker_is_expected_and_its_silence_is_fine(client):
    body = health(client)

    assert body["worker"] == {"expected": False, "lastHeartbeat": None}
    assert body["status"] == "ok"


def test_a_recent_heartbeat_is_shown_and_fine(client):
    schedules.sync_schedules()
    beat(minutes_ago=1)

    body = health(client)

    assert body["status"] == "ok" and body["worker"]["expected"] is True
    assert body["worker"]["lastHeartbeat"] == tasks.last_heartbeat().strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_worker_silent_for_over_five_minutes_is_degraded(client):
    schedules.sync_schedules()
    beat(minutes_ago=20)
    beat(minutes_ago=6)

    body = health(client)

    assert body["status"] == "degraded" and codes(body) == ["worker_sin_latido"]
    assert "no late desde" in body["reasons"][0]["detail"] and "hace 6 min" in body["reasons"][0]["detail"]


def test_a_worker_that_never_beat_is_late_five_minutes_after_its_first_beat_was_due(client):
    schedules.sync_schedules()
    assert health(client)["status"] == "ok"  # just synced: the worker has a few minutes to start

    Schedule.objects.filter(name=schedules.HEARTBEAT_NAME).update(next_run=timezone.now() - timedelta(minutes=6))
    body = health(client)

    assert codes(body) == ["worker_sin_latido"] and "no ha latido nunca" in body["reasons"][0]["detail"]
    assert body["worker"] == {"expected": True, "lastHeartbeat": None}


def test_schedules_without_the_heartbeat_one_mean_a_worker_that_cannot_beat(client):
    Schedule.objects.create(name="entregar-webhooks", func=tasks.DELIVER, schedule_type=Schedule.MINUTES, minutes=1)

    assert codes(health(client)) == ["worker_sin_latido"]


def test_the_heartbeat_task_keeps_only_the_last_ten_minutes_of_beats(client):
    beat(minutes_ago=30)
    beat(minutes_ago=11)
    beat(minutes_ago=2)

    assert tasks.heartbeat() == "latido"

    assert Success.objects.filter(func=tasks.HEARTBEAT).count() == 1
    assert timezone.now() - tasks.last_heartbeat() < timedelta(minutes=3)


def test_the_heartbeat_is_scheduled_every_minute_and_its_result_kept(client):
    schedules.sync_schedules()
    row = Schedule.objects.get(name=schedules.HEARTBEAT_NAME)

    assert (row.func, row.schedule_type, row.minutes, row.repeats) == (tasks.HEARTBEAT, Schedule.MINUTES, 1, -1)
    assert row.kwargs == "q_options={'save': True}"  # Q_CLUSTER saves no success otherwise
