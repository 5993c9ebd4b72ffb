"""manage.py setup_status: what the first run still lacks, each with its command, as the web
container's log says it at each start; and the production settings' safe default."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from sunat.keys import services as api_keys
from sunat.models import PadronVersion, SunatCheck
from sunat.registers.files import REGISTERS

pytestmark = pytest.mark.django_db


def report(capsys) -> list[str]:
    call_command("setup_status")
    return capsys.readouterr().out.splitlines()


def imported(name: str) -> None:
    PadronVersion.objects.create(register=name, source="prueba.zip", rows=1, seconds=0.1)


def test_a_new_deployment_is_told_every_step_in_order(capsys, settings):
    settings.API_KEYS_REQUIRED = True

    lines = report(capsys)

    assert lines[0] == "Puesta en marcha: faltan 4 pasos."
    assert [line.rsplit(": python manage.py ", 1)[1] for line in lines[1:]] == [
        "createsuperuser", "create_api_key <nombre>", "sync_sunat_files", "sunat_check"]
    assert "toda consulta responde 401" in lines[2]
    assert all(register.title in lines[3] for register in REGISTERS.values())


def test_each_step_taken_leaves_the_list_until_it_is_complete(capsys, settings):
    settings.API_KEYS_REQUIRED = False
    get_user_model().objects.create_superuser("admin", password="x")
    key, _ = api_keys.create_key("sistema")
    for name in REGISTERS:
        if name != "buenos-contribuyentes":
            imported(name)
    SunatCheck.objects.create(checked_at=timezone.now(), ruc="20131312955", outcomes=[])

    lines = report(capsys)
    assert lines[0] == "Puesta en marcha: falta un paso."
    assert REGISTERS["buenos-contribuyentes"].title in lines[1] and "Padrón" not in lines[1]

    imported("buenos-contribuyentes")
    assert report(capsys) == ["Puesta en marcha: completa (administrador, clave de API, registros y prueba de SUNAT)."]

    api_keys.revoke(key)  # a revoked key is no key
    assert "la API responde a cualquiera" in report(capsys)[1]


def test_an_inactive_superuser_is_no_administrator(capsys):
    get_user_model().objects.create_superuser("admin", password="x", is_active=False)

    assert "no hay ningún administrador" in report(capsys)[1]
