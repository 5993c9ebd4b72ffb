"""POST /api/comprobantes/validar against the stand-in of SUNAT's official API (devtools/cpe)."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from devtools.cpe import ANULADO, NO_AUTORIZADO
from sunat.keys import services as api_keys
from sunat.lookups import ruc_cache
from sunat.models import ComprobanteCheck
from sunat.registers.importer import import_padron
from tests.comprobantes.conftest import EMISOR, item
from tests.support.padron_files import COMPANY_ROW, HANDMADE, write_rows

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/comprobantes/validar"


def post(client, body):
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_a_valid_factura(client, cpe):
    cpe.add(EMISOR, "01", "F001", 123, "2026-11-02", "118.00")

    response = post(client, item())

    assert response.status_code == 200, response.content
    body = response.json()
    assert list(body) == ["estado", "estadoRuc", "condicionDomicilio", "observaciones", "consultadoEn", "emisor"]
    assert (body["estado"], body["estadoRuc"], body["condicionDomicilio"]) == ("ACEPTADO", "ACTIVO", "HABIDO")
    assert body["emisor"] is None and response["X-Cache"] == "MISS"


def test_an_annulled_and_an_unauthorised_one(client, cpe):
    cpe.add(EMISOR, "01", "F001", 123, "2026-11-02", "118.00", estado=ANULADO)
    cpe.add(EMISOR, "03", "B001", 7, "2026-11-02", "10.50", estado=NO_AUTORIZADO)

    assert post(client, item()).json()["estado"] == "ANULADO"
    assert post(client, item(tipo="03", serie="B001", numero="0007", monto="10.5")).json()["estado"] == "NO AUTORIZADO"


def test_an_unknown_comprobante_does_not_exist(client, cpe):
    body = post(client, item(numero=999)).json()

    assert body["estado"] == "NO EXISTE" and body["estadoRuc"] is None


def test_zero_padded_codes(client, cpe):
    cpe.padded = True
    cpe.add(EMISOR, "01", "F001", 123, "2026-11-02", "118.00")

    assert post(client, item()).json()["estado"] == "ACEPTADO"


def test_the_emisor_is_this_services_stored_answer_never_a_lookup(client, cpe, replica):
    cpe.add(EMISOR, "01", "F001", 123, "2026-11-02", "118.00")
    ruc_cache.put(EMISOR, {"ruc": EMISOR, "razonSocial": "EMPRESA S.A."})

    known = post(client, item()).json()
    unknown = post(client, item(rucEmisor="20131312955", serie="F002")).json()

    assert known["emisor"]["razonSocial"] == "EMPRESA S.A." and unknown["emisor"] is None
    assert replica.stats()["timeline"] == []  # nothing was asked of SUNAT's RUC lookup


def test_the_emisor_from_the_imported_padron_with_its_registers(client, cpe, replica, tmp_path):
    """A RUC SUNAT was never asked about: the padrón's answer, as GET /api/ruc would give it."""
    import_padron(write_rows(tmp_path / "padron.zip", HANDMADE))
    ruc = COMPANY_ROW[0]
    cpe.add(ruc, "01", "F001", 123, "2026-11-02", "118.00")

    body = post(client, item(rucEmisor=ruc)).json()

    assert body["emisor"] == client.get(f"/api/ruc/{ruc}").json()
    assert body["emisor"]["fuente"] == "padron" and body["emisor"]["estado"] == COMPANY_ROW[2]
    assert replica.stats()["timeline"] == []


def test_asking_twice_asks_sunat_once_and_another_monto_asks_again(client, cpe):
    cpe.add(EMISOR, "01", "F001", 123, "2026-11-02", "118.00")

    assert post(client, item()).status_code == 200
    again = post(client, item(monto="118"))  # the same amount spelled otherwise
    other = post(client, item(monto=200))

    assert again["X-Cache"] == "HIT" and other["X-Cache"] == "MISS"
    assert other.json()["estado"] == "NO EXISTE" and cpe.validations == 2


def test_a_401_then_renewal(client, cpe):
    cpe.add(EMISOR, "01", "F001", 123, "2026-11-02", "118.00")
    post(client, item(numero=1))
    cpe.revoke()

    assert post(client, item()).json()["estado"] == "ACEPTADO"
    assert cpe.token_requests == 2


def test_two_validations_share_one_token(client, cpe):
    post(client, item(numero=1))
    post(client, item(numero=2))

    assert cpe.token_requests == 1 and cpe.validations == 2


@pytest.mark.parametrize("mode", ["down", "error"])
def test_sunat_down_without_a_stored_answer(client, cpe, mode):
    cpe.mode = mode

    response = post(client, item())

    assert response.status_code in (503, 504) and response.json()["error"].startswith("sunat_")
    assert int(response["Retry-After"]) > 0


def test_sunat_down_with_a_stored_answer_serves_it_and_says_how_old(client, cpe, settings):
    cpe.add(EMISOR, "01", "F001", 123, "2026-11-02", "118.00")
    assert post(client, item()).status_code == 200
    cache.clear()
    old = timezone.now() - timedelta(days=3)
    ComprobanteCheck.objects.update(checked_at=old)
    cpe.mode = "down"

    response = post(client, item())

    assert response.status_code == 200 and response["X-Cache"] == "STALE"
    assert response.json()["consultadoEn"] == old.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_fresh_stored_answer_is_served_without_asking(client, cpe):
    cpe.add(EMISOR, "01", "F001", 123, "2026-11-02", "118.00")
    post(client, item())
    cache.clear()  # another process, or a lost cache: the database still answers

    response = post(client, item())

    assert response["X-Cache"] == "HIT" and cpe.validations == 1


def test_without_credentials(client, settings):
    settings.SUNAT_API_CLIENT_ID = ""

    response = post(client, item())

    assert response.status_code == 503 and response.json()["error"] == "cpe_no_configurado"
    assert "SUNAT_API_CLIENT_ID" in response.json()["detail"]


def test_credentials_sunat_refuses(client, cpe, settings):
    settings.SUNAT_API_CLIENT_SECRET = "not-it"

    response = post(client, item())

    assert response.status_code == 503 and response.json()["error"] == "cpe_credenciales_rechazadas"
    assert "not-it" not in response.content.decode()


@pytest.mark.parametrize("field, value", [
    ("rucEmisor", "20100070971"),  # check digit
    ("rucEmisor", None),
    ("tipo", "99"),
    ("tipo", 1),
    ("serie", "F01"),
    ("serie", "B001"),  # a boleta's serie for a factura
    ("serie", "0A01"),
    ("numero", 0),
    ("numero", "12a"),
    ("numero", 123456789),
    ("numero", True),
    ("fechaEmision", "02/11/2026"),
    ("fechaEmision", "2026-02-30"),
    ("fechaEmision", (timezone.localdate() + timedelta(days=1)).isoformat()),
    ("fechaEmision", None),
    ("monto", -1),
    ("monto", "1.234"),
    ("monto", "abc"),
    ("monto", "NaN"),
    ("monto", None),  # required for an electronic serie
    ("monto", [1]),
])
def test_bad_input_of_every_field_is_a_400_naming_it(client, field, value):
    body = item()
    body[field] = value
    body = {name: v for name, v in body.items() if v is not None}

    response = post(client, body)

    assert response.status_code == 400, (field, value, response.content)
    assert response.json()["error"] == "parametro_invalido" and response.json()["campo"] == field


def test_monto_is_optional_for_a_printed_serie(client, cpe):
    cpe.add(EMISOR, "01", "0001", 5, "2026-11-02")

    assert post(client, item(serie="0001", numero=5, monto=None)).json()["estado"] == "ACEPTADO"


def test_a_body_that_is_not_an_object(client):
    assert post(client, ["x"]).status_code == 400
    assert client.post(URL, "{", content_type="application/json").json()["error"] == "json_invalido"
    assert client.get(URL).status_code == 405


def test_a_list_answers_each_item_in_order(client, cpe):
    cpe.add(EMISOR, "01", "F001", 1, "2026-11-02", "118.00")
    cpe.add(EMISOR, "01", "F001", 2, "2026-11-02", "118.00", estado=ANULADO)
    items = [item(numero=1), item(numero=2), item(tipo="99"), item(numero=3)]

    response = post(client, {"comprobantes": items})

    assert response.status_code == 200, response.content
    results = response.json()["resultados"]
    assert [entry["estado"] for entry in results] == ["ok", "ok", "error", "ok"]
    assert [results[n]["datos"]["estado"] for n in (0, 1, 3)] == ["ACEPTADO", "ANULADO", "NO EXISTE"]
    assert results[2]["campo"] == "tipo"
    assert response.json()["resumen"] == {"total": 4, "ok": 3, "error": 1, "pendiente": 0}


def test_a_list_of_100_is_taken_and_101_is_not(client, cpe):
    many = [item(numero=n) for n in range(1, 101)]

    assert post(client, {"comprobantes": many}).json()["resumen"]["total"] == 100
    too_many = post(client, {"comprobantes": [*many, item(numero=101)]})
    assert too_many.status_code == 400 and too_many.json()["error"] == "demasiados_comprobantes"
    assert post(client, {"comprobantes": []}).status_code == 400


def test_a_list_costs_one_request_of_the_quota_per_item(client, cpe):
    _, plain = api_keys.create_key("ERP", per_minute=3)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    pair = [item(numero=1), item(numero=2)]

    taken = client.post(URL, json.dumps({"comprobantes": pair}), content_type="application/json", **auth)
    refused = client.post(URL, json.dumps({"comprobantes": pair}), content_type="application/json", **auth)

    assert taken.status_code == 200 and taken["X-RateLimit-Remaining-Minute"] == "1"
    assert refused.status_code == 429
    assert "El lote de 2 comprobantes excede la cuota por minuto" in refused.json()["detail"]
    assert cpe.validations == 2  # the refused list asked SUNAT nothing


@pytest.mark.parametrize("hostile", ["garbage", "html", "huge", "redirect", "other", "shape"])
def test_a_hostile_answer_is_never_stored_nor_served(client, cpe, hostile):
    cpe.add(EMISOR, "01", "F001", 123, "2026-11-02", "118.00")
    cpe.hostile = hostile

    response = post(client, item())

    assert response.status_code == 503 and response.json()["error"] == "sunat_no_disponible", response.content
    assert ComprobanteCheck.objects.count() == 0


def test_sunat_refusing_the_question_says_so(client, cpe, settings):
    settings.SUNAT_API_RUC = "2013131295"  # SUNAT refuses a consulting RUC that is not one

    response = post(client, item())

    assert response.status_code == 422 and response.json()["error"] == "cpe_rechazado"
    assert "consultante no es valido" in response.json()["detail"]


def test_the_secret_never_appears_in_logs_or_answers(client, cpe, caplog):
    caplog.set_level("DEBUG")
    cpe.add(EMISOR, "01", "F001", 123, "2026-11-02", "118.00")
    answers = [post(client, item()), post(client, {"comprobantes": [item(), item(numero=4)]})]
    cpe.mode = "error"
    answers.append(post(client, item(numero=5)))
    answers.append(client.get("/health"))

    for response in answers:
        assert cpe.client_secret not in response.content.decode()
    assert cpe.client_secret not in caplog.text


def test_sunat_slow_is_a_504(client, cpe, settings):
    settings.SUNAT_TIMEOUT = 0.2
    cpe.mode, cpe.delay = "slow", 1.0

    response = post(client, item())

    assert response.status_code == 504 and response.json()["error"] == "sunat_timeout"
    assert int(response["Retry-After"]) > 0
