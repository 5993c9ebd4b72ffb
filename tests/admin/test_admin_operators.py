"""The admin as operators use it: branded and in grammatical Spanish; stored lookups with their
age, hits and freshness, refreshed from their page; the padrón's rows counted by estimate; API
keys filtered, rotated and with their use per day; and the overview page. SQLite and PostgreSQL."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task

from sunat.keys import services as api_keys
from sunat.models import ApiKey, PadronEntry, RucRecord, RucSectionRecord, ServiceHour
from sunat.monitoring import tally
from sunat.registers.importer import import_padron
from tests.support.padron_files import COMPANY, HANDMADE, write_rows
from tests.watch.test_watch_api import auth

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads

RECORDS = reverse("admin:sunat_rucrecord_changelist")
KEYS = reverse("admin:sunat_apikey_changelist")


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode().replace("\xa0", " ")  # timesince's non-breaking spaces


@pytest.fixture
def stored(client, replica):
    client.get(f"/api/ruc/{COMPANY}")
    return RucRecord.objects.get(ruc=COMPANY)


def test_the_admin_is_branded_and_links_the_overview(admin_client):
    index = text(admin_client.get(reverse("admin:index")))
    assert "<title>Administración del servicio | Consulta RUC</title>" in index
    assert '<a href="/admin/">Consulta RUC</a>' in index
    assert "Django" not in re.sub(r"<[^>]+>", "", index).replace("django", "")
    assert reverse("admin-overview") in index


def test_a_stored_lookup_shows_its_age_hits_and_freshness(admin_client, client, stored):
    for _ in range(3):
        client.get(f"/api/ruc/{COMPANY}")
    tally.flush()
    listing = text(admin_client.get(RECORDS))
    assert "antigüedad" in listing.lower() and "menos de un minuto" in listing
    assert re.search(r'<td class="field-hits">4</td>', listing)  # the first lookup and three more

    RucRecord.objects.filter(ruc=COMPANY).update(fetched_at=timezone.now() - timedelta(days=9))
    stale = text(admin_client.get(RECORDS, {"vigencia": "vencida"}))
    assert COMPANY in stale and "1 semana (vencida)" in stale
    assert COMPANY not in text(admin_client.get(RECORDS, {"vigencia": "vigente"}))


def test_the_source_filter_lists_only_what_exists(admin_client, stored):
    listing = text(admin_client.get(RECORDS))
    assert "SUNAT (una consulta)" in listing
    assert "revisión de vigilados" not in listing and "corregida por el padrón" not in listing
    RucRecord.objects.filter(ruc=COMPANY).update(source="revision")
    listing = text(admin_client.get(RECORDS))
    assert "revisión de vigilados" in listing and "SUNAT (una consulta)" not in listing
    assert COMPANY in text(admin_client.get(RECORDS, {"fuente": "revision"}))
    assert COMPANY not in text(admin_client.get(RECORDS, {"fuente": "sunat"}))


@pytest.mark.browser
def test_refrescar_desde_sunat_from_the_lookup_s_page(admin_client, stored, replica):
    page = text(admin_client.get(reverse("admin:sunat_rucrecord_change", args=[COMPANY])))
    assert "Refrescar desde SUNAT" in page
    before = replica.stats()["queries"]
    refresh = reverse("admin:sunat_rucrecord_refresh", args=[COMPANY])

    assert admin_client.get(refresh).status_code == 405
    answer = admin_client.post(refresh, follow=True)

    assert replica.stats()["queries"] == before + 1
    assert "1 RUC actualizado(s) desde SUNAT." in text(answer)
    replica.config.mode = "error"
    kept = admin_client.post(refresh, follow=True)
    assert "se conservan los datos guardados" in text(kept)


def test_a_lookup_links_its_stored_sub_pages_and_back(admin_client, client, stored):
    client.get(f"/api/ruc/{COMPANY}/representantes")
    section = RucSectionRecord.objects.get(ruc=COMPANY, section="representantes")
    section_url = reverse("admin:sunat_rucsectionrecord_change", args=[section.pk])

    assert section_url in text(admin_client.get(reverse("admin:sunat_rucrecord_change", args=[COMPANY])))
    back = text(admin_client.get(section_url))
    assert reverse("admin:sunat_rucrecord_change", args=[COMPANY]) in back
    assert "representantes" in text(admin_client.get(reverse("admin:sunat_rucsectionrecord_changelist")))


def test_the_padron_s_rows_are_searched_by_ruc_and_name_and_never_counted_whole(admin_client, tmp_path):
    import_padron(str(write_rows(tmp_path / "padron.zip", HANDMADE)))
    listing_url = reverse("admin:sunat_padronentry_changelist")
    with CaptureQueriesContext(connection) as queries:
        listing = text(admin_client.get(listing_url))
    assert COMPANY in listing
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "sunat_padron" in q["sql"]]
    assert counts == []  # the estimate, not a COUNT(*) over millions of rows

    assert COMPANY in text(admin_client.get(listing_url, {"q": COMPANY}))
    name = PadronEntry.objects.get(ruc=COMPANY).razon_social
    found = text(admin_client.get(listing_url, {"q": name.split()[0].lower() + " " + name.split()[1]}))
    assert COMPANY in found
    assert COMPANY not in text(admin_client.get(listing_url, {"q": "zz"}))  # too short: nothing
    detail = text(admin_client.get(reverse("admin:sunat_padronentry_change", args=[COMPANY])))
    assert name in detail and 'name="_save"' not in detail


def test_keys_are_filtered_by_state_and_show_their_use_per_day(admin_client, client, replica):
    active, plain = api_keys.create_key("Facturador")
    revoked, _ = api_keys.create_key("Antiguo")
    api_keys.revoke(revoked)
    for _ in range(3):
        client.get(f"/api/ruc/{COMPANY}", **auth(plain))
    tally.flush()

    assert "Facturador" in text(admin_client.get(KEYS, {"estado": "activas"}))
    assert "Antiguo" not in text(admin_client.get(KEYS, {"estado": "activas"}))
    assert "Antiguo" in text(admin_client.get(KEYS, {"estado": "revocadas"}))
    page = text(admin_client.get(reverse("admin:sunat_apikey_change", args=[active.pk])))
    assert "uso de los últimos 30 días" in page.lower()
    assert re.search(rf"<td>{timezone.localdate():%d/%m/%Y}</td><td[^>]*>3</td>", page)
    assert "Rotar la clave" in page
    assert "Rotar la clave" not in text(admin_client.get(reverse("admin:sunat_apikey_change", args=[revoked.pk])))


def test_a_key_s_messages_are_grammatical(admin_client):
    key, _ = api_keys.create_key("ERP")
    answer = admin_client.post(reverse("admin:sunat_apikey_change", args=[key.pk]),
                               {"name": "ERP central", "per_minute": 60, "per_day": 1000, "watch_limit": 10},
                               follow=True)
    content = text(answer)
    assert re.search(r"La clave de API “<a [^>]+>ERP central \(rk_\w+…\)</a>” se cambió correctamente", content)
    assert "El clave" not in content


@pytest.mark.parametrize("grace, old_still_works", [(3600, True), (0, False)])
def test_rotating_a_key_shows_the_new_one_once_and_keeps_the_old_for_the_grace_chosen(
        admin_client, client, replica, grace, old_still_works):
    key, old = api_keys.create_key("ERP")
    rotate = reverse("admin:sunat_apikey_rotate", args=[key.pk])
    assert "La clave anterior sigue valiendo" in text(admin_client.get(rotate))

    shown = text(admin_client.post(rotate, {"grace": str(grace)}))
    (new,) = re.findall(r'<code id="api-key"[^>]*>(rk_[^<]+)</code>', shown)

    assert new != old and new.startswith(f"rk_{key.prefix}_")
    assert client.get(f"/api/ruc/{COMPANY}", **auth(new)).status_code == 200
    assert (client.get(f"/api/ruc/{COMPANY}", **auth(old)).status_code == 200) is old_still_works
    ApiKey.objects.filter(pk=key.pk).update(previous_valid_until=timezone.now() - timedelta(seconds=1))
    api_keys.forget(key.prefix)
    assert client.get(f"/api/ruc/{COMPANY}", **auth(old)).status_code == 401  # the grace is over
    assert new not in text(admin_client.get(reverse("admin:sunat_apikey_change", args=[key.pk])))


def test_the_overview_shows_the_last_hour_the_state_imports_and_the_queue(admin_client, client, replica, tmp_path):
    client.get(f"/api/ruc/{COMPANY}")
    client.get(f"/api/ruc/{COMPANY}")
    tally.flush()
    import_padron(str(write_rows(tmp_path / "padron.zip", HANDMADE)))
    async_task("sunat.watch.delivery.deliver_due", task_name="entregar-webhooks")
    assert ServiceHour.objects.get().hits == 1

    page = text(admin_client.get(reverse("admin-overview")))

    for heading in ("Consultas y SUNAT", "Estado ahora", "Última importación de cada registro", "Cola de tareas"):
        assert heading in page
    assert re.search(r"<td>Esta hora</td><td>1</td><td>1</td><td>0</td>\s*<td>50 %</td>\s*<td>1</td><td>0</td>", page)
    assert "padron" in page and "entregar-webhooks" in page
    assert admin_client.get(reverse("admin-overview")).status_code == 200


def test_the_overview_is_for_staff_only(client):
    answer = client.get(reverse("admin-overview"))
    assert answer.status_code == 302 and "/admin/login/" in answer["Location"]


@pytest.fixture
def viewer(client):
    """A staff user who may only look at the stored lookups."""
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user("mirada", password="solo-mirar-123", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_rucrecord"))
    client.force_login(user)
    return client


def test_a_view_only_operator_can_neither_refresh_nor_delete(viewer, stored, replica):
    page = text(viewer.get(reverse("admin:sunat_rucrecord_change", args=[COMPANY])))
    assert "Refrescar desde SUNAT" not in page and "Eliminar" not in page
    before = replica.stats()["queries"]
    assert viewer.post(reverse("admin:sunat_rucrecord_refresh", args=[COMPANY])).status_code == 403
    listing = text(viewer.get(RECORDS))
    assert "refresh_from_sunat" not in listing and "delete_selected" not in listing
    assert replica.stats()["queries"] == before and RucRecord.objects.filter(ruc=COMPANY).exists()


def test_rotating_again_during_a_grace_period_needs_saying_so(admin_client, client, replica):
    key, original = api_keys.create_key("ERP")
    rotate = reverse("admin:sunat_apikey_rotate", args=[key.pk])
    first = re.findall(r'<code id="api-key"[^>]*>(rk_[^<]+)</code>', text(admin_client.post(rotate, {"grace": "86400"})))

    again = text(admin_client.post(rotate, {"grace": "86400"}))  # the page reloaded: the POST sent again
    assert "aún vale hasta" in again and 'id="api-key"' not in again
    assert client.get(f"/api/ruc/{COMPANY}", **auth(original)).status_code == 200  # its grace untouched
    second = re.findall(r'<code id="api-key"[^>]*>(rk_[^<]+)</code>',
                        text(admin_client.post(rotate, {"grace": "3600", "end_grace": "on"})))
    assert first and second and first != second
    assert client.get(f"/api/ruc/{COMPANY}", **auth(original)).status_code == 401
    assert client.get(f"/api/ruc/{COMPANY}", **auth(first[0])).status_code == 200  # now the one in its grace
    assert admin_client.get(reverse("admin:sunat_apikey_rotate", args=["x"])).status_code == 404
