"""What a view-only operator may do in the admin: look, never change (issue 26, point 1). Every action
and page that changes something asks for the matching change or delete permission; revoking a key,
which cannot be undone, asks once more."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone
from django_q.models import Failure, OrmQ

from sunat.keys import services as api_keys
from sunat.lookups import ruc_cache
from sunat.models import ApiKey, ChangeEvent, Notification, Webhook

pytestmark = pytest.mark.django_db

KEYS = reverse("admin:sunat_apikey_changelist")
RECORD = {"ruc": "20573215045", "razonSocial": "LEAD WORKING PARTNER SAC"}


@pytest.fixture
def viewer(client):
    """A staff user with every view permission and nothing else."""
    user = User.objects.create_user("mirada", password="solo-mirar-123", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(user)
    return client


@pytest.fixture
def customer():
    key, _ = api_keys.create_key("ERP del cliente")
    webhook = Webhook.objects.create(key=key, url="https://erp.example.com/sunat", secret="s" * 64)
    event = ChangeEvent.objects.create(ruc=RECORD["ruc"], changes=[], source="sunat")
    notice = Notification.objects.create(key=key, event=event, delivery=Notification.FAILED, attempts=8)
    return key, webhook, notice


def actions_offered(response) -> set[str]:
    assert response.status_code == 200, response.status_code
    select = re.search(r'<select name="action".*?</select>', response.content.decode(), re.S)
    return set(re.findall(r'<option value="([^"]+)"', select.group(0))) - {""} if select else set()


def test_a_view_only_operator_is_offered_no_action_on_any_page(viewer, customer):
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert actions_offered(viewer.get(url)) == set(), url


def test_posting_the_actions_anyway_changes_nothing(viewer, customer):
    key, webhook, notice = customer
    ruc_cache.put(RECORD["ruc"], RECORD)
    failure = Failure.objects.create(id="a" * 32, name="fallida", func="sunat.tasks.nothing", started=timezone.now(),
                                     stopped=timezone.now(), success=False)

    posts = [
        (KEYS, "revoke", key.pk, {"post": "yes"}),
        (reverse("admin:sunat_rucrecord_changelist"), "remove_from_cache", RECORD["ruc"], {}),
        (reverse("admin:sunat_notification_changelist"), "resend", notice.pk, {}),
        (reverse("admin:django_q_failure_changelist"), "resubmit_task", failure.pk, {}),
        (reverse("admin:sunat_webhook_changelist"), "delete_selected", webhook.pk, {"post": "yes"}),
    ]
    for url, action, pk, extra in posts:
        viewer.post(url, {"action": action, "_selected_action": [pk], **extra})

    key.refresh_from_db()
    notice.refresh_from_db()
    assert key.revoked_at is None
    assert ruc_cache.get(RECORD["ruc"]) is not None
    assert (notice.delivery, notice.attempts) == (Notification.FAILED, 8)
    assert Failure.objects.filter(pk=failure.pk).exists() and not OrmQ.objects.exists()
    assert Webhook.objects.filter(pk=webhook.pk).exists()
    delete_page = reverse("admin:sunat_webhook_delete", args=[webhook.pk])
    assert viewer.get(delete_page).status_code == 403 and viewer.post(delete_page, {"post": "yes"}).status_code == 403


def test_revoking_says_it_is_final_and_asks_again(admin_client, customer):
    key, _, _ = customer
    other, _ = api_keys.create_key("Otro sistema")

    confirm = admin_client.post(KEYS, {"action": "revoke", "_selected_action": [key.pk, other.pk]})

    page = confirm.content.decode()
    assert confirm.status_code == 200 and "La revocación es definitiva" in page
    assert "ERP del cliente" in page and "Otro sistema" in page
    assert not ApiKey.objects.filter(revoked_at__isnull=False).exists()  # nothing yet

    done = admin_client.post(KEYS, {"action": "revoke", "_selected_action": [key.pk], "post": "yes"})
    assert done.status_code == 302
    key.refresh_from_db()
    other.refresh_from_db()
    assert key.revoked_at is not None and other.revoked_at is None


def test_operators_who_may_change_still_can(admin_client, customer):
    key, webhook, notice = customer
    Failure.objects.create(id="b" * 32, name="fallida", func="sunat.tasks.nothing", started=timezone.now(),
                           stopped=timezone.now(), success=False)  # an empty list shows no actions
    assert {"revoke"} <= actions_offered(admin_client.get(KEYS))
    assert {"resend"} <= actions_offered(admin_client.get(reverse("admin:sunat_notification_changelist")))
    assert {"resubmit_task"} <= actions_offered(admin_client.get(reverse("admin:django_q_failure_changelist")))

    admin_client.post(reverse("admin:sunat_notification_changelist"), {"action": "resend",
                                                                       "_selected_action": [notice.pk]})
    notice.refresh_from_db()
    assert notice.delivery == Notification.PENDING
    admin_client.post(reverse("admin:sunat_webhook_delete", args=[webhook.pk]), {"post": "yes"})
    assert not Webhook.objects.filter(pk=webhook.pk).exists()
