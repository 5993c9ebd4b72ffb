"""Answers SUNAT gave while the database refused them are kept and stored when it takes them again
(issue 26, point 6). Here the database refuses by losing the table for a moment (both passes);
tests/deployment/test_production_stack.py stops PostgreSQL itself."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from sunat.lookups import unsaved
from sunat.lookups.pages import FICHA
from sunat.models import RucRecord
from tests.support.padron_files import COMPANY

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads


def table_away(name: str):
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {name} RENAME TO away_{name}")


def table_back(name: str):
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE away_{name} RENAME TO {name}")


def test_an_answer_the_database_refused_is_stored_when_it_takes_it(client, replica):
    table_away("sunat_rucrecord")
    try:
        response = client.get(f"/api/ruc/{COMPANY}")
        assert response.status_code == 200 and response["X-Cache"] == "MISS"
        assert unsaved.count() == 1
        assert unsaved.store_kept() == 0  # still refused: kept
    finally:
        table_back("sunat_rucrecord")

    unsaved.store_kept()  # what the process's own thread does every RETRY_SECONDS

    record = RucRecord.objects.get(ruc=COMPANY)
    assert record.data["razonSocial"] == response.json()["razonSocial"]
    assert record.data["actualizadoEn"] == response.json()["actualizadoEn"]
    assert unsaved.count() == 0


def answer(name: str) -> dict:
    return {"ruc": COMPANY, "razonSocial": name, "estado": "ACTIVO", "condicion": "HABIDO", "fuente": "sunat",
            "actualizadoEn": "2026-12-07T00:00:00Z"}


def test_a_kept_answer_never_overwrites_a_newer_one_stored_meanwhile():
    now = timezone.now()
    unsaved.keep(COMPANY, FICHA, answer("VIEJA SAC"), now - timedelta(minutes=1), "sunat")
    FICHA.save(COMPANY, answer("NUEVA SAC"), now, "sunat")

    unsaved.store_kept()

    assert RucRecord.objects.get(ruc=COMPANY).razon_social == "NUEVA SAC"
    assert unsaved.count() == 0


def test_only_the_newest_answer_per_ruc_is_kept_and_at_most_unsaved_answers_max(settings):
    settings.UNSAVED_ANSWERS_MAX = 2
    now = timezone.now()
    unsaved.keep(COMPANY, FICHA, answer("PRIMERA SAC"), now, "sunat")
    unsaved.keep(COMPANY, FICHA, answer("SEGUNDA SAC"), now + timedelta(seconds=1), "sunat")
    assert unsaved.count() == 1
    for ruc in ("20100066603", "20131312955"):
        unsaved.keep(ruc, FICHA, {**answer("OTRA SAC"), "ruc": ruc}, now, "sunat")

    assert unsaved.count() == 2  # the oldest went first
    assert unsaved.store_kept() == 2
    assert set(RucRecord.objects.values_list("ruc", flat=True)) == {"20100066603", "20131312955"}
