"""What an operator meets first in the admin: the service's own section first, the time zone its
times are in, a "Revocar" button on a key's page, empty lists that say what fills them, and an
overview that names the registers never imported."""

from datetime import timedelta

import pytest
from django.urls import reverse

from sunat.keys import services as api_keys
from sunat.models import ApiKey
from sunat.registers.files import REGISTERS
from sunat.registers.importer import import_padron
from tests.support.padron_files import HANDMADE, write_rows

pytestmark = pytest.mark.django_db


def test_the_index_lists_the_service_first_and_says_its_times_are_limas(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()

    assert page.index("Consulta RUC (SUNAT)") < page.index("Autenticación y autorización")
    assert page.index("Consulta RUC (SUNAT)") < page.index("Bloqueos de acceso al admin")
    assert 'id="zona-horaria"' in page and "Horas de Lima (UTC−5)" in page


def test_a_keys_page_revokes_it_after_asking_once(admin_client):
    key, _ = api_keys.create_key("Facturador")
    page = admin_client.get(reverse("admin:sunat_apikey_change", args=[key.pk])).content.decode()
    revoke = reverse("admin:sunat_apikey_revoke", args=[key.pk])

    asked = admin_client.get(revoke)
    still = ApiKey.objects.get(pk=key.pk).revoked_at
    done = admin_client.post(revoke, {"action": "revoke", "post": "yes"})
    after = admin_client.get(reverse("admin:sunat_apikey_change", args=[key.pk])).content.decode()

    assert f'href="{revoke}"' in page and 'id="revocar-clave"' in page
    assert asked.status_code == 200 and "La revocación es definitiva" in asked.content.decode() and still is None
    assert done.status_code == 302 and done["Location"] == reverse("admin:sunat_apikey_change", args=[key.pk])
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert 'id="revocar-clave"' not in after and 'id="rotar-clave"' not in after


def test_a_revoked_or_unknown_key_cannot_be_revoked_again(admin_client):
    key, _ = api_keys.create_key("Vieja")
    api_keys.revoke(key)

    again = admin_client.post(reverse("admin:sunat_apikey_revoke", args=[key.pk]), {"post": "yes"}, follow=True)
    unknown = admin_client.get(reverse("admin:sunat_apikey_revoke", args=[999999]))

    assert "Ninguna de las claves seleccionadas está activa" in again.content.decode()
    assert unknown.status_code == 404


@pytest.mark.parametrize("model", ["padronentry", "padronversion", "apikey", "sunatcheck", "watch", "rucrecord",
                                   "comprobantecheck"])
def test_an_empty_list_says_what_fills_it(admin_client, model):
    page = admin_client.get(reverse(f"admin:sunat_{model}_changelist")).content.decode()

    assert 'id="lista-vacia"' in page


def test_a_list_with_rows_or_a_search_that_finds_nothing_shows_no_hint(admin_client, tmp_path):
    empty = admin_client.get(reverse("admin:sunat_padronentry_changelist")).content.decode()
    import_padron(str(write_rows(tmp_path / "padron.zip", HANDMADE)))

    filled = admin_client.get(reverse("admin:sunat_padronentry_changelist")).content.decode()
    searched = admin_client.get(reverse("admin:sunat_padronentry_changelist"), {"q": "NADIE SE LLAMA ASI"})

    assert "python manage.py sync_sunat_files" in empty
    assert 'id="lista-vacia"' not in filled and 'id="lista-vacia"' not in searched.content.decode()


def test_the_overview_names_each_register_never_imported(admin_client, tmp_path):
    import_padron(str(write_rows(tmp_path / "padron.zip", HANDMADE)))

    page = admin_client.get(reverse("admin-overview")).content.decode()

    never = page.count('class="nunca-importado"')
    assert never == len(REGISTERS) - 1
    assert f"{REGISTERS['padron'].title} (padron)</td><td>" in page
    assert all(f"{register.title} ({name})" in page for name, register in REGISTERS.items())


@pytest.mark.django_db(transaction=True)  # SUNAT is asked, and the answer stored, from the scheduler's threads
def test_a_ruc_fetched_a_moment_ago_counts_its_lookup(admin_client, client, replica):
    client.get("/api/ruc/20573215045")  # counted by this process, not written yet (TALLY_FLUSH_SECONDS)

    page = admin_client.get(reverse("admin:sunat_rucrecord_changelist")).content.decode()

    assert '<td class="field-hits">1</td>' in page


def test_the_overview_says_whether_the_worker_beats(admin_client):
    from django.core.management import call_command
    from django.utils import timezone
    from django_q.models import Success

    from sunat import tasks

    alone = admin_client.get(reverse("admin-overview")).content.decode()
    call_command("sync_schedules")
    Success.objects.create(id="latido-1", name="latido", func=tasks.HEARTBEAT, started=timezone.now(),
                           stopped=timezone.now(), success=True)
    beating = admin_client.get(reverse("admin-overview")).content.decode()
    Success.objects.filter(func=tasks.HEARTBEAT).update(stopped=timezone.now() - timedelta(minutes=10))
    silent = admin_client.get(reverse("admin-overview")).content.decode()

    assert "ninguno esperado" in alone
    assert "vivo: último latido hace" in beating
    assert "sin latido" in silent and "el último, hace 10" in silent
