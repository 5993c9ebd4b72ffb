"""The validation service against the stand-in of SUNAT's official API (devtools/cpe)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.views.debug import SafeExceptionReporterFilter
from prometheus_client import REGISTRY

from devtools.cpe import ANULADO
from sunat import caching
from sunat.comprobantes import services, token
from sunat.comprobantes.declaration import Question
from sunat.exceptions import CpeNotConfigured, SunatUnavailable
from sunat.models import ComprobanteCheck
from sunat.upstream import throttle
from tests.comprobantes.conftest import EMISOR

pytestmark = pytest.mark.django_db(transaction=True)


def question(monto="118.00", numero=123):
    return Question(EMISOR, "01", "F001", numero, date(2026, 11, 2), Decimal(monto) if monto else None)


def test_an_accepted_factura_is_answered_cached_and_stored(cpe):
    cpe.add(EMISOR, "01", "F001", 123, "2026-11-02", "118.00")

    first = services.validate(question())
    again = services.validate(question())

    assert first.cache_status == "MISS" and again.cache_status == "HIT"
    assert first.data["estado"] == "ACEPTADO" and first.data["estadoRuc"] == "ACTIVO"
    assert first.data["condicionDomicilio"] == "HABIDO" and first.data["observaciones"] == []
    assert cpe.validations == 1 and cpe.token_requests == 1
    stored = ComprobanteCheck.objects.get()
    assert (stored.ruc_emisor, stored.serie, stored.numero, stored.estado) == (EMISOR, "F001", 123, "ACEPTADO")


def test_a_wrong_monto_is_asked_again_and_never_served_the_right_ones_answer(cpe):
    cpe.add(EMISOR, "01", "F001", 123, "2026-11-02", "118.00")

    assert services.validate(question()).data["estado"] == "ACEPTADO"
    wrong = services.validate(question(monto="119.00"))

    assert wrong.cache_status == "MISS" and wrong.data["estado"] == "NO EXISTE"
    assert cpe.validations == 2 and ComprobanteCheck.objects.count() == 2


def test_zero_padded_codes_and_observaciones_are_read(cpe):
    cpe.padded = True
    cpe.add(EMISOR, "01", "F001", 123, "2026-11-02", "118.00", estado=ANULADO,
            observaciones=["- Comunicado en baja"], estado_ruc="10", cond_domi="12")

    data = services.validate(question()).data

    assert data["estado"] == "ANULADO" and data["observaciones"] == ["Comunicado en baja"]
    assert (data["estadoRuc"], data["condicionDomicilio"]) == ("BAJA DEFINITIVA", "NO HABIDO")


def test_a_refused_token_is_renewed_once_and_the_validation_answered(cpe):
    cpe.add(EMISOR, "01", "F001", 123, "2026-11-02", "118.00")
    services.validate(question(numero=1))  # takes a token
    cpe.revoke()  # SUNAT no longer knows the token the cache holds

    data = services.validate(question()).data

    assert data["estado"] == "ACEPTADO"
    assert cpe.token_requests == 2 and cpe.validations == 3  # the 401, then the same question again


def test_one_token_serves_every_validation_until_it_nears_expiry(cpe):
    cpe.expires_in = 61  # kept one second: a minute before it expires
    for numero in (1, 2):
        services.validate(question(numero=numero))
    assert cpe.token_requests == 1
    cache.delete(caching.CPE_API_TOKEN)  # what the cache's expiry does a second later

    services.validate(question(numero=3))

    assert cpe.token_requests == 2


def test_the_secret_and_the_token_are_never_logged(cpe, caplog):
    caplog.set_level("DEBUG")
    cpe.add(EMISOR, "01", "F001", 123, "2026-11-02", "118.00")
    services.validate(question())
    cpe.mode = "error"
    with pytest.raises(SunatUnavailable) as raised:
        services.validate(question(numero=9))

    access = cache.get(caching.CPE_API_TOKEN)["token"]
    for secret in (cpe.client_secret, access):
        assert secret not in caplog.text and secret not in str(raised.value)


def test_without_credentials_nothing_is_asked(cpe, settings):
    settings.SUNAT_API_CLIENT_SECRET = ""

    with pytest.raises(CpeNotConfigured, match="SUNAT_API_CLIENT_SECRET"):
        services.validate(question())
    assert cpe.requests == {}


def test_token_renewal_skips_the_token_sunat_refused(cpe):
    first = token.get()
    renewed = token.renew(stale=first)

    assert renewed != first and cpe.token_requests == 2
    assert token.get() == renewed and cpe.token_requests == 2


def test_requests_to_the_api_are_counted_by_outcome(cpe):
    def count(operation, outcome):
        return REGISTRY.get_sample_value("consulta_ruc_sunat_api_requests_total",
                                         {"operation": operation, "outcome": outcome}) or 0

    before = count("validar", "ok"), count("token", "ok"), count("validar", "unauthorized")
    services.validate(question(numero=1))
    cpe.revoke()
    services.validate(question(numero=2))

    assert count("validar", "ok") - before[0] == 2 and count("token", "ok") - before[1] == 2
    assert count("validar", "unauthorized") - before[2] == 1


def test_the_secret_is_masked_where_django_shows_settings(settings):
    settings.SUNAT_API_CLIENT_SECRET = "s3cr3t-value"

    assert "s3cr3t-value" not in str(SafeExceptionReporterFilter().get_safe_settings()["SUNAT_API_CLIENT_SECRET"])


def test_a_down_api_pauses_only_its_own_lane(cpe, settings):
    settings.SUNAT_FAILURE_BACKOFF = 30  # long enough to be seen
    cpe.mode = "down"

    with pytest.raises(SunatUnavailable):
        services.validate(question())

    assert throttle.failing_for(throttle.CPE_API) > 0 and throttle.failing_for() == 0
    cache.delete(throttle.CPE_API.failing_key)
    throttle.failed()  # the RUC lookups' SUNAT down now
    cpe.mode = "ok"
    assert services.validate(question()).data["estado"] == "NO EXISTE"
