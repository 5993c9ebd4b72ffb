"""The admin's read-only list of validations (sunat.admin.comprobantes)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sunat.models import ComprobanteCheck
from tests.comprobantes.conftest import EMISOR

pytestmark = pytest.mark.django_db
LIST = "admin:sunat_comprobantecheck_changelist"


def check(serie, numero, estado="ACEPTADO", ruc=EMISOR):
    return ComprobanteCheck.objects.create(
        question=f"{ruc}{serie}{numero}", ruc_emisor=ruc, tipo="01", serie=serie, numero=numero,
        fecha_emision=date(2026, 11, 2), monto=Decimal("118.00"), estado=estado, checked_at=timezone.now(),
        data={"estado": estado, "estadoRuc": "ACTIVO", "condicionDomicilio": "HABIDO", "observaciones": []})


def test_the_list_searches_by_ruc_and_serie_numero_and_filters_by_estado(admin_client):
    check("F001", 123)
    check("F001", 124, estado="ANULADO")
    check("F002", 123, ruc="20131312955")

    by_number = admin_client.get(reverse(LIST), {"q": "f001-0123"}).content.decode()
    by_ruc = admin_client.get(reverse(LIST), {"q": "20131312955"}).content.decode()
    annulled = admin_client.get(reverse(LIST), {"estado": "ANULADO"}).content.decode()

    assert "F001-123" in by_number and "F001-124" not in by_number and "F002-123" not in by_number
    assert "F002-123" in by_ruc and "F001-123" not in by_ruc
    assert "F001-124" in annulled and "F001-123" not in annulled
    assert "validaciones de comprobantes" in admin_client.get(reverse(LIST)).content.decode().lower()


def test_a_check_is_shown_and_never_changed(admin_client):
    row = check("F001", 123)

    page = admin_client.get(reverse("admin:sunat_comprobantecheck_change", args=[row.pk]))

    assert page.status_code == 200 and "HABIDO" in page.content.decode()
    assert admin_client.get(reverse("admin:sunat_comprobantecheck_add")).status_code == 403
