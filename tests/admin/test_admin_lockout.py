"""The admin login's lockout (django-axes): per client address, with the address the rest of the
service uses (nginx's X-Real-IP only from nginx's addresses, REAL_IP_FROM), a Spanish page, and an end."""

import ipaddress
from datetime import timedelta

import pytest
from axes.middleware import AxesMiddleware
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from sunat.admin.lockout import client_ip
from sunat.upstream.middleware import client_of

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
LIMIT = django_settings.AXES_FAILURE_LIMIT
STRANGER = {"HTTP_X_REAL_IP": "198.51.100.7"}  # through nginx: a loopback peer passes it on
ADMIN = {"HTTP_X_REAL_IP": "198.51.100.8"}


def log_in(client, username="admin", password="password", **headers):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, **headers)


def fail(client, times=LIMIT, username="admin", **headers):
    return [log_in(client, username, "wrong-password", **headers).status_code for _ in range(times)]


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_wrong_passwords_lock_the_address_even_for_the_right_one(client, admin_user):
    assert fail(client) == [200] * (LIMIT - 1) + [429]  # the try that reaches the limit is refused too

    response = log_in(client)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_spray_over_many_usernames_locks_the_address(client, admin_user):
    for n in range(LIMIT):
        log_in(client, f"usuario{n}", "Verano2026!", **STRANGER)

    assert log_in(client, **STRANGER).status_code == 429


def test_a_stranger_does_not_lock_out_the_admin_elsewhere(client, admin_user):
    fail(client, **STRANGER)  # wrong passwords for the admin's own username

    assert log_in(client, **STRANGER).status_code == 429
    assert logged_in(log_in(client, **ADMIN))


def test_x_real_ip_from_a_public_peer_is_ignored(client, admin_user):
    for n in range(LIMIT):
        log_in(client, "admin", "wrong-password", REMOTE_ADDR="200.37.10.9", HTTP_X_REAL_IP=f"10.0.0.{n}")

    assert log_in(client, REMOTE_ADDR="200.37.10.9", HTTP_X_REAL_IP="10.0.0.99").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"200.37.10.9"}
    assert logged_in(log_in(client, REMOTE_ADDR="200.37.10.10"))


def test_forged_x_real_ip_from_a_private_peer_that_is_not_nginx_is_ignored(client, admin_user):
    # Another container of the deployment, straight to gunicorn: a new address per try got it nowhere.
    statuses = [log_in(client, "admin", "wrong-password", REMOTE_ADDR="172.30.252.23",
                       HTTP_X_REAL_IP=f"198.51.100.{n}").status_code for n in range(20)]

    assert statuses[LIMIT - 1:] == [429] * (20 - LIMIT + 1)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"172.30.252.23"}


@override_settings(REAL_IP_FROM=(ipaddress.ip_network("172.30.252.10/32"),))
def test_x_real_ip_from_nginx_is_the_address(client, admin_user):
    fail(client, times=1, REMOTE_ADDR="172.30.252.10", HTTP_X_REAL_IP="2001:db8::1")

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["2001:db8::1"]


def test_an_x_real_ip_that_is_no_address_counts_against_the_peer(client, admin_user):
    # Only a peer in REAL_IP_FROM that bypassed nginx can send it; PostgreSQL's inet column would refuse it.
    assert fail(client, times=1, HTTP_X_REAL_IP="not-an-address") == [200]

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["127.0.0.1"]


@override_settings(REAL_IP_FROM=(ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.1.2.0/24")))
def test_the_lockout_uses_the_address_the_api_uses():
    factory = RequestFactory()
    cases = [
        ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "198.51.100.7"}, "198.51.100.7"),
        ({"REMOTE_ADDR": "10.1.2.3", "HTTP_X_REAL_IP": "198.51.100.7"}, "198.51.100.7"),
        ({"REMOTE_ADDR": "10.1.3.3", "HTTP_X_REAL_IP": "198.51.100.7"}, "10.1.3.3"),
        ({"REMOTE_ADDR": "127.0.0.2", "HTTP_X_REAL_IP": "198.51.100.7"}, "127.0.0.2"),
        ({"REMOTE_ADDR": "200.37.10.9", "HTTP_X_REAL_IP": "198.51.100.7"}, "200.37.10.9"),
        ({"REMOTE_ADDR": "200.37.10.9"}, "200.37.10.9"),
    ]
    for meta, address in cases:
        request = factory.post(LOGIN, **meta)
        assert (client_ip(request), client_of(request)) == (address, f"ip:{address}")


def test_the_lockout_ends_after_the_cooloff(client, admin_user):
    fail(client)
    assert log_in(client).status_code == 429

    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time
                                 - timedelta(hours=django_settings.AXES_COOLOFF_TIME, seconds=1))

    assert logged_in(log_in(client))


def test_axes_reset_unlocks(client, admin_user):
    fail(client)
    assert log_in(client).status_code == 429

    call_command("axes_reset")

    assert logged_in(log_in(client))


def test_axes_reset_ip_unlocks_only_that_address(client, admin_user):
    fail(client, **STRANGER)
    fail(client, **ADMIN)

    call_command("axes_reset_ip", "198.51.100.8")

    assert log_in(client, **STRANGER).status_code == 429
    assert logged_in(log_in(client, **ADMIN))


def test_a_successful_login_forgets_the_failures(client, admin_user):
    fail(client, times=LIMIT - 1)
    assert logged_in(log_in(client))
    client.logout()

    assert fail(client, times=LIMIT - 1) == [200] * (LIMIT - 1)
    assert logged_in(log_in(client))


def test_the_lockout_page_is_spanish(client, admin_user, settings):
    settings.AXES_COOLOFF_TIME = 0.25  # hours, as axes reads a float: AXES_COOLOFF_MINUTES=15
    fail(client)

    response = log_in(client)
    content = response.content.decode()

    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert "Acceso bloqueado" in content and "Demasiados intentos fallidos" in content
    assert "Podrá intentarlo de nuevo en 15 minutos" in content
    assert response["Retry-After"] == "900"
    assert "no-store" in response["Cache-Control"]


def test_the_lockout_is_json_for_a_script(client, admin_user, settings):
    settings.AXES_COOLOFF_TIME = 1  # an int is hours to axes
    fail(client)

    response = log_in(client, HTTP_ACCEPT="application/json")

    assert response.status_code == 429
    assert response.json() == {
        "error": "demasiados_intentos",
        "detail": "Demasiados intentos fallidos de inicio de sesión desde esta dirección. Intente de nuevo en 1 hora.",
    }
    assert response["Retry-After"] == "3600"
    assert "Access-Control-Allow-Origin" not in response  # axes' own JSON would allow any origin


def test_a_superuser_sees_the_attempts_in_the_admin(client, admin_client, admin_user):
    fail(client, **STRANGER)

    index = admin_client.get("/admin/").content.decode()
    attempts = admin_client.get("/admin/axes/accessattempt/")

    assert "/admin/axes/accessattempt/" in index and "/admin/axes/accesslog/" in index
    assert attempts.status_code == 200 and "198.51.100.7" in attempts.content.decode()
    assert admin_client.get("/admin/axes/accesslog/").status_code == 200


def test_the_middleware_costs_api_requests_nothing(django_assert_num_queries):
    # Outside a login axes sets nothing on the request, and its middleware only looks for that.
    middleware = AxesMiddleware(lambda request: HttpResponse("ok"))
    request = RequestFactory().get("/api/ruc/20573215045")

    with django_assert_num_queries(0):
        assert middleware(request).content == b"ok"
    assert not hasattr(request, "axes_locked_out")
