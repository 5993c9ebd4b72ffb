"""Watched RUCs (/api/vigilancia) and each key's feed of their changes (/api/cambios), with the
changes detected from a register import and from a refresh from SUNAT; SQLite and PostgreSQL."""

import io
from datetime import datetime, timedelta

import jsonschema_rs
import pytest
from django.core.cache import cache
from django.core.management import call_command

from devtools.replica import make_ruc
from sunat.api import openapi
from sunat.keys import services as api_keys
from sunat.models import ChangeEvent, Notification, RucRecord, RucSectionRecord, Watch
from sunat.registers.importer import import_padron
from sunat.registers.sources import LIMA
from tests.support.padron_files import COMPANY, COMPANY_ROW, ENIE, HANDMADE, PERSON, later, write_rows

pytestmark = pytest.mark.django_db(transaction=True)

OTHER = "20100070970"


@pytest.fixture
def key():
    _, plain = api_keys.create_key("Facturador")
    return plain


def auth(plain):
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def conforms(body: dict, schema: str) -> dict:
    """`body`, checked against its OpenAPI schema."""
    jsonschema_rs.Draft202012Validator({"$ref": f"#/components/schemas/{schema}",
                                        "components": openapi.schema()["components"]}).validate(body)
    return body


@pytest.mark.parametrize("method, path", [
    ("put", f"/api/vigilancia/{COMPANY}"), ("get", "/api/vigilancia"), ("post", "/api/vigilancia/lote"),
    ("get", "/api/cambios"), ("delete", f"/api/vigilancia/{COMPANY}"),
])
def test_watching_needs_a_key_even_when_keys_are_not_required(client, settings, method, path):
    settings.API_KEYS_REQUIRED = False

    response = getattr(client, method)(path)

    assert response.status_code == 401 and response.json()["error"] == "api_key_requerida"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_put_watches_get_says_so_and_delete_stops(client, key):
    first = client.put(f"/api/vigilancia/{COMPANY}", **auth(key))
    again = client.put(f"/api/vigilancia/{COMPANY}", **auth(key))
    shown = client.get(f"/api/vigilancia/{COMPANY}", **auth(key))
    stopped = client.delete(f"/api/vigilancia/{COMPANY}", **auth(key))
    gone = client.get(f"/api/vigilancia/{COMPANY}", **auth(key))
    twice = client.delete(f"/api/vigilancia/{COMPANY}", **auth(key))

    assert (first.status_code, again.status_code, shown.status_code, stopped.status_code) == (201, 200, 200, 200)
    assert first.json()["ruc"] == COMPANY and first.json()["vigilado"] is True and first.json()["revisadoEn"] is None
    assert stopped.json() == {"ruc": COMPANY, "vigilado": False}
    conforms(first.json(), "Vigilado"), conforms(shown.json(), "Vigilado"), conforms(stopped.json(), "NoVigilado")
    assert gone.status_code == twice.status_code == 404 and gone.json()["error"] == "no_vigilado"


def test_a_bad_ruc_and_a_bad_method_are_json_4xx(client, key):
    bad = client.put("/api/vigilancia/20100070971", **auth(key))  # wrong check digit
    post = client.post(f"/api/vigilancia/{COMPANY}", **auth(key))

    assert bad.status_code == 400 and bad.json()["error"] == "ruc_invalido"
    assert post.status_code == 405 and post["Allow"] == "PUT, DELETE, GET"
    assert not Watch.objects.exists()


def test_a_keys_watches_are_its_own(client, key):
    _, other = api_keys.create_key("Otro")
    client.put(f"/api/vigilancia/{COMPANY}", **auth(key))

    assert client.get(f"/api/vigilancia/{COMPANY}", **auth(other)).status_code == 404
    assert client.delete(f"/api/vigilancia/{COMPANY}", **auth(other)).status_code == 404
    assert client.get("/api/vigilancia", **auth(other)).json()["total"] == 0
    assert Watch.objects.count() == 1


def test_the_limit_is_the_keys_and_a_batch_is_all_or_none(client):
    _, plain = api_keys.create_key("Pequeña", watch_limit=2)
    client.put(f"/api/vigilancia/{COMPANY}", **auth(plain))

    batch = client.post("/api/vigilancia/lote", {"rucs": [ENIE, OTHER]}, content_type="application/json", **auth(plain))
    one = client.post("/api/vigilancia/lote", {"rucs": [ENIE, COMPANY]}, content_type="application/json", **auth(plain))
    third = client.put(f"/api/vigilancia/{OTHER}", **auth(plain))

    assert batch.status_code == 409 and batch.json()["error"] == "limite_de_vigilancia"
    assert one.status_code == 200 and one.json()["nuevos"] == [ENIE] and one.json()["yaVigilados"] == [COMPANY]
    assert third.status_code == 409
    assert sorted(Watch.objects.values_list("ruc", flat=True)) == sorted([COMPANY, ENIE])


def test_a_batch_reports_new_known_and_invalid_rucs(client, key):
    client.put(f"/api/vigilancia/{COMPANY}", **auth(key))

    body = client.post("/api/vigilancia/lote", {"rucs": [COMPANY, ENIE, ENIE, "123", OTHER]},
                       content_type="application/json", **auth(key)).json()
    too_many = client.post("/api/vigilancia/lote", {"rucs": [OTHER] * 1001}, content_type="application/json",
                           **auth(key))
    not_json = client.post("/api/vigilancia/lote", "{", content_type="application/json", **auth(key))

    assert body["nuevos"] == [ENIE, OTHER] and body["yaVigilados"] == [COMPANY] and list(body["invalidos"]) == ["123"]
    conforms(body, "ResultadoLoteVigilancia")
    assert too_many.status_code == 400 and too_many.json()["error"] == "lote_demasiado_grande"
    assert not_json.status_code == 400 and not_json.json()["error"] == "json_invalido"


def test_the_list_comes_in_pages(client, key):
    client.post("/api/vigilancia/lote", {"rucs": [COMPANY, ENIE, OTHER, PERSON]}, content_type="application/json",
                **auth(key))

    first = client.get("/api/vigilancia", {"por_pagina": 3}, **auth(key)).json()
    second = client.get("/api/vigilancia", {"por_pagina": 3, "pagina": 2}, **auth(key)).json()
    bad = client.get("/api/vigilancia", {"por_pagina": 0}, **auth(key))

    assert first["total"] == 4 and first["hayMas"] is True and len(first["resultados"]) == 3
    conforms(first, "ListaVigilados")
    assert [row["ruc"] for row in first["resultados"] + second["resultados"]] == sorted([COMPANY, ENIE, OTHER, PERSON])
    assert second["hayMas"] is False and bad.status_code == 400


def test_a_watched_ruc_that_turns_no_habido_in_an_import_is_one_event_in_its_watchers_feeds(client, key, tmp_path):
    _, other = api_keys.create_key("Otro")
    _, unrelated = api_keys.create_key("Nadie")
    import_padron(str(write_rows(tmp_path / "old.zip", HANDMADE)))
    for plain in (key, other):
        client.put(f"/api/vigilancia/{COMPANY}", **auth(plain))
    client.put(f"/api/vigilancia/{ENIE}", **auth(key))
    rows = [[*COMPANY_ROW[:3], "NO HABIDO", *COMPANY_ROW[4:]], *HANDMADE[1:]]

    import_padron(str(write_rows(tmp_path / "new.zip", rows, date_time=later())))

    feed = conforms(client.get("/api/cambios", **auth(key)).json(), "PaginaCambios")
    (change,) = feed["cambios"]
    assert change["ruc"] == COMPANY and change["fuente"] == "padron" and change["tipo"] == "ruc.cambio"
    assert change["cambios"] == [{"campo": "condicion", "antes": "HABIDO", "despues": "NO HABIDO"}]
    assert change["id"].startswith("evt_") and change["detectadoEn"].endswith("Z")
    assert client.get("/api/cambios", **auth(other)).json()["cambios"][0]["id"] == change["id"]
    assert client.get("/api/cambios", **auth(unrelated)).json()["cambios"] == []
    assert ChangeEvent.objects.count() == 1 and Notification.objects.count() == 2
    after = client.get("/api/cambios", {"desde": feed["siguiente"]}, **auth(key)).json()
    assert after == {"cambios": [], "siguiente": feed["siguiente"], "hayMas": False}


def test_a_refresh_from_sunat_that_changes_a_watched_ruc_is_an_event(client, key, replica):
    client.get(f"/api/ruc/{COMPANY}")  # stored as SUNAT gives it
    stored = RucRecord.objects.get(ruc=COMPANY)
    stored.data = {**stored.data, "condicion": "NO HABIDO", "razonSocial": "NOMBRE ANTERIOR"}
    stored.fetched_at -= timedelta(days=8)  # older than RUC_CACHE_TTL: the next lookup asks SUNAT
    stored.save()
    cache.clear()
    client.put(f"/api/vigilancia/{COMPANY}", **auth(key))

    client.get(f"/api/ruc/{COMPANY}", {"fresh": "1"})

    (change,) = client.get("/api/cambios", **auth(key)).json()["cambios"]
    assert change["fuente"] == "sunat"
    assert {item["campo"]: (item["antes"], item["despues"]) for item in change["cambios"]} == {
        "razonSocial": ("NOMBRE ANTERIOR", stored.razon_social), "condicion": ("NO HABIDO", "HABIDO")}


def test_nothing_is_recorded_for_a_ruc_nobody_watches_or_for_no_change(client, replica):
    client.get(f"/api/ruc/{COMPANY}")
    stored = RucRecord.objects.get(ruc=COMPANY)
    RucRecord.objects.update(fetched_at=datetime.now(LIMA) - timedelta(days=8),
                             data={**stored.data, "condicion": "NO HABIDO"})
    cache.clear()
    client.get(f"/api/ruc/{COMPANY}", {"fresh": "1"})  # a change, but nobody watches
    client.put(f"/api/vigilancia/{COMPANY}", **auth(api_keys.create_key("x")[1]))

    assert not ChangeEvent.objects.exists()
    RucRecord.objects.update(fetched_at=datetime.now(LIMA) - timedelta(days=8))
    cache.clear()
    client.get(f"/api/ruc/{COMPANY}", {"fresh": "1"})  # watched now, but the same answer

    assert not ChangeEvent.objects.exists()


def test_the_feed_comes_in_pages_after_a_cursor(client, key, tmp_path):
    import_padron(str(write_rows(tmp_path / "old.zip", HANDMADE)))
    client.post("/api/vigilancia/lote", {"rucs": [row[0] for row in HANDMADE]}, content_type="application/json",
                **auth(key))
    import_padron(str(write_rows(tmp_path / "new.zip", [[*row[:3], "NO HALLADO", *row[4:]] for row in HANDMADE],
                                 date_time=later())))

    first = client.get("/api/cambios", {"limite": 3}, **auth(key)).json()
    rest = client.get("/api/cambios", {"desde": first["siguiente"], "limite": 3}, **auth(key)).json()
    bad = client.get("/api/cambios", {"desde": "x"}, **auth(key))

    assert first["hayMas"] is True and rest["hayMas"] is False
    assert sorted(change["ruc"] for change in first["cambios"] + rest["cambios"]) == sorted(row[0] for row in HANDMADE)
    assert bad.status_code == 400


def test_create_api_key_prints_a_working_key_once(client):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", "Script", "--per-day", "50", "--watch-limit", "3", stdout=out, stderr=err)

    plain = out.getvalue().strip()
    assert plain.startswith("rk_") and "no se volverá a mostrar" in err.getvalue()
    assert client.put(f"/api/vigilancia/{COMPANY}", **auth(plain)).status_code == 201
    assert client.get("/api/vigilancia", **auth(plain))["X-RateLimit-Remaining-Day"] == "48"


def test_a_watched_ruc_entering_or_leaving_an_agents_register_is_an_event(client, key, tmp_path):
    from sunat.registers.files import AGENTES_RETENCION
    from tests.registers.test_register_import import ROWS, agents_file

    client.put(f"/api/vigilancia/{COMPANY}", **auth(key))
    import_padron(agents_file(tmp_path / "a.zip", rows=ROWS), register=AGENTES_RETENCION)  # the first: no events
    joined = [*ROWS, f"{COMPANY}|LEAD WORKING PARTNER SAC|01/06/2024|RS R.S.120-2024|"]
    import_padron(agents_file(tmp_path / "b.zip", rows=joined), register=AGENTES_RETENCION)
    import_padron(agents_file(tmp_path / "c.zip", rows=ROWS), register=AGENTES_RETENCION)

    changes = [change["cambios"] for change in client.get("/api/cambios", **auth(key)).json()["cambios"]]
    member = {"desde": "2024-06-01", "resolucion": "RS R.S.120-2024"}
    assert changes == [[{"campo": "agenteRetencion", "antes": None, "despues": member}],
                       [{"campo": "agenteRetencion", "antes": member, "despues": None}]]


def test_new_items_of_a_watched_rucs_deuda_coactiva_are_an_event(client, key, replica):
    from devtools.replica.subpages import deuda_coactiva

    ruc = next(ruc for ruc in (make_ruc(f"20603{n:05d}") for n in range(200))
               if deuda_coactiva.PAGE.applies(ruc) and len(deuda_coactiva.debts(ruc)) >= 2)
    client.get(f"/api/ruc/{ruc}/deuda-coactiva")
    stored = RucSectionRecord.objects.get(ruc=ruc, section="deuda-coactiva")
    first, *rest = stored.data["deudaCoactiva"]
    stored.data = {**stored.data, "deudaCoactiva": [first]}  # as if SUNAT listed one debt then
    stored.fetched_at -= timedelta(days=2)  # older than its TTL (a day)
    stored.save()
    cache.clear()
    client.put(f"/api/vigilancia/{ruc}", **auth(key))

    client.get(f"/api/ruc/{ruc}/deuda-coactiva", {"fresh": "1"})

    (change,) = client.get("/api/cambios", **auth(key)).json()["cambios"]
    assert change["cambios"] == [{"campo": "deudaCoactiva", "antes": [first], "despues": rest}]
    conforms(change | {"cursor": "1"}, "Cambio")


def test_a_revoked_key_is_told_of_nothing(client, key, tmp_path):
    import_padron(str(write_rows(tmp_path / "old.zip", HANDMADE)))
    client.put(f"/api/vigilancia/{COMPANY}", **auth(key))
    api_keys.revoke(api_keys.ApiKey.objects.get())

    import_padron(str(write_rows(tmp_path / "new.zip", [[*COMPANY_ROW[:3], "NO HABIDO", *COMPANY_ROW[4:]],
                                                        *HANDMADE[1:]], date_time=later())))

    assert not Notification.objects.exists() and not ChangeEvent.objects.exists()


def test_a_change_sunat_showed_first_is_not_announced_again_by_the_register(client, key, replica, tmp_path):
    no_habido = [[*COMPANY_ROW[:3], "NO HABIDO", *COMPANY_ROW[4:]], *HANDMADE[1:]]
    import_padron(str(write_rows(tmp_path / "old.zip", no_habido)))
    client.get(f"/api/ruc/{COMPANY}", {"fuente": "sunat"})
    stored = RucRecord.objects.get(ruc=COMPANY)
    stored.data = {**stored.data, "condicion": "NO HABIDO"}  # what SUNAT said before
    stored.fetched_at -= timedelta(days=8)
    stored.save()
    cache.clear()
    client.put(f"/api/vigilancia/{COMPANY}", **auth(key))
    client.get(f"/api/ruc/{COMPANY}", {"fresh": "1"})  # SUNAT now says HABIDO: an event

    import_padron(str(write_rows(tmp_path / "new.zip", HANDMADE, date_time=later())))  # the register says it a day later

    (change,) = client.get("/api/cambios", **auth(key)).json()["cambios"]
    assert change["fuente"] == "sunat" and change["cambios"][0]["despues"] == "HABIDO"
