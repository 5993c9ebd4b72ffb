"""A key's webhook (PUT/GET/DELETE /api/webhook): the secret shown once, only URLs the service
may POST to (https, every address of the host public, unless WEBHOOK_ALLOW_PRIVATE), and the
event kinds it wants, among those declared (sunat.models.event_kinds)."""

import pytest
from django.db import transaction

from sunat.api.openapi.paths_watch import event_kind
from sunat.changes import events
from sunat.keys import services as api_keys
from sunat.models import ChangeEvent, Notification, Webhook
from sunat.models.event_kinds import EVENT_KINDS, RUC_CAMBIO, EventKind
from sunat.watch import webhooks
from tests.support.padron_files import COMPANY
from tests.watch.test_watch_api import auth, conforms

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC = "https://93.184.216.34/avisos"  # a public address: no DNS needed, nothing is sent


@pytest.fixture
def key():
    return api_keys.create_key("Facturador")[1]


def put(client, key, body):
    return client.put("/api/webhook", body, content_type="application/json", **auth(key))


def test_the_secret_is_shown_when_created_and_when_rotated_only(client, key):
    created = put(client, key, {"url": PUBLIC})
    updated = put(client, key, {"url": PUBLIC + "/v2", "eventos": ["ruc.cambio"]})
    shown = client.get("/api/webhook", **auth(key))
    rotated = put(client, key, {"url": PUBLIC, "rotarSecreto": True})

    assert created.status_code == 201 and created.json()["secreto"].startswith("whsec_")
    assert updated.status_code == 200 and "secreto" not in updated.json() and "secreto" not in shown.json()
    assert shown.json() == {"url": PUBLIC + "/v2", "eventos": ["ruc.cambio"], "activo": True, "desactivadoPor": None}
    assert rotated.json()["secreto"] not in (created.json()["secreto"], None)
    assert Webhook.objects.get().secret == rotated.json()["secreto"]
    conforms(created.json(), "Webhook"), conforms(shown.json(), "Webhook")


def test_delete_removes_it_and_a_key_is_needed(client, key):
    put(client, key, {"url": PUBLIC})

    assert client.delete("/api/webhook", **auth(key)).json() == {"url": None}
    assert client.get("/api/webhook", **auth(key)).json()["error"] == "sin_webhook"
    assert client.delete("/api/webhook", **auth(key)).status_code == 404
    assert client.put("/api/webhook", {"url": PUBLIC}, content_type="application/json").status_code == 401


@pytest.mark.parametrize("url, reason", [
    ("http://93.184.216.34/avisos", "https"),
    ("https://127.0.0.1/avisos", "no pública"),
    ("https://localhost:8443/avisos", "no pública"),
    ("https://10.1.2.3/", "no pública"),
    ("https://192.168.0.10/", "no pública"),
    ("https://172.16.5.4/", "no pública"),
    ("https://169.254.169.254/latest/meta-data/", "no pública"),  # the cloud metadata service
    ("https://100.64.0.1/", "no pública"),  # shared address space (CGNAT)
    ("https://[::1]/", "no pública"),
    ("https://[::ffff:127.0.0.1]/", "no pública"),
    ("https://[fe80::1]/", "no pública"),
    ("https://[64:ff9b::a9fe:a9fe]/", "no pública"),  # NAT64 of the metadata address
    ("https://[2002:7f00:1::]/", "no pública"),  # 6to4 of loopback
    ("https://[::127.0.0.1]/", "no pública"),  # the old IPv4-compatible form
    ("https://[fec0::1]/", "no pública"),  # site-local
    ("https://0.0.0.0/", "no pública"),
    ("https://224.0.0.1/", "no pública"),
    ("https://no-existe.invalid/avisos", "no se pudo resolver"),
    ("https://usuario:clave@93.184.216.34/", "sin usuario"),
    ("https://93.184.216.34/#x", "fragmento"),
    ("https://93.184.216.34:99999/", "no es una URL válida"),
    ("ftp://93.184.216.34/", "https"),
    ("", "url debe ser"),
])
@pytest.mark.slow
def test_only_public_https_urls_are_accepted(client, key, url, reason):
    response = put(client, key, {"url": url})

    assert response.status_code == 400 and response.json()["error"] == "webhook_invalido"
    assert reason in response.json()["detail"]
    assert not Webhook.objects.exists()


@pytest.mark.parametrize("port", [22, 25, 80, 6379, 8443])
def test_a_public_address_is_reached_on_port_443_only(client, key, port):
    response = put(client, key, {"url": f"https://93.184.216.34:{port}/avisos"})

    assert response.status_code == 400 and response.json()["detail"] == "url debe usar el puerto 443."
    assert not Webhook.objects.exists()
    assert put(client, key, {"url": "https://93.184.216.34:443/avisos"}).status_code == 201


def test_the_operator_may_allow_other_ports(client, key, settings):
    settings.WEBHOOK_PORTS = [443, 8443]

    assert put(client, key, {"url": "https://93.184.216.34:8443/avisos"}).status_code == 201
    refused = put(client, key, {"url": "https://93.184.216.34:22/avisos"})
    assert refused.json()["detail"] == "url debe usar uno de estos puertos: 443, 8443."


def test_unknown_event_types_and_bad_bodies_are_400(client, key):
    unknown = put(client, key, {"url": PUBLIC, "eventos": ["ruc.borrado"]})
    empty = put(client, key, {"url": PUBLIC, "eventos": []})
    rotate = put(client, key, {"url": PUBLIC, "rotarSecreto": "sí"})
    broken = client.put("/api/webhook", "{", content_type="application/json", **auth(key))

    assert unknown.json()["error"] == empty.json()["error"] == "webhook_invalido"
    assert rotate.json()["error"] == "parametro_invalido" and broken.json()["error"] == "json_invalido"


def test_with_webhook_allow_private_a_loopback_http_receiver_is_accepted(client, key, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True

    assert put(client, key, {"url": "http://127.0.0.1:9/avisos"}).status_code == 201
    assert webhooks.check_url("http://localhost:9/") != []


@pytest.fixture
def second_kind(monkeypatch):
    """A kind the way a later issue adds one: one declaration in EVENT_KINDS (for this test)."""
    kind = EventKind(name="ruc.prueba", description="Un tipo de prueba.")
    monkeypatch.setitem(EVENT_KINDS, kind.name, kind)
    return kind


def test_a_declared_kind_can_be_chosen_and_is_the_default_with_the_others(client, key, second_kind):
    every = put(client, key, {"url": PUBLIC})
    chosen = put(client, key, {"url": PUBLIC, "eventos": ["ruc.prueba"]})
    unknown = put(client, key, {"url": PUBLIC, "eventos": ["ruc.borrado"]})

    assert every.json()["eventos"] == ["ruc.cambio", "ruc.prueba"]
    assert chosen.status_code == 200 and chosen.json()["eventos"] == ["ruc.prueba"]
    assert unknown.json()["detail"] == "eventos debe ser una lista con algunos de: ruc.cambio, ruc.prueba."


def test_an_event_of_a_kind_is_posted_only_where_the_webhook_chose_it(client, key, second_kind):
    client.put(f"/api/vigilancia/{COMPANY}", **auth(key))
    put(client, key, {"url": PUBLIC, "eventos": ["ruc.prueba"]})
    change = [{"campo": "estado", "antes": "ACTIVO", "despues": "BAJA DE OFICIO"}]

    with transaction.atomic():
        usual = events.record(COMPANY, change, ChangeEvent.SUNAT)
        new = events.record(COMPANY, change, ChangeEvent.SUNAT, kind=second_kind)
    feed = client.get("/api/cambios", **auth(key)).json()["cambios"]

    assert (usual.kind, new.kind) == (RUC_CAMBIO.name, "ruc.prueba")
    assert Notification.objects.get(event=usual).delivery == Notification.NONE
    assert Notification.objects.get(event=new).delivery == Notification.PENDING
    assert [entry["tipo"] for entry in feed] == ["ruc.cambio", "ruc.prueba"]


def test_the_document_lists_every_kind_with_what_it_means(second_kind):
    assert event_kind() == {"enum": ["ruc.cambio", "ruc.prueba"],
                            "description": f"ruc.cambio: {RUC_CAMBIO.description} ruc.prueba: Un tipo de prueba."}


def test_a_single_kind_is_a_const_as_the_document_always_said():
    assert event_kind() == {"const": "ruc.cambio"}
