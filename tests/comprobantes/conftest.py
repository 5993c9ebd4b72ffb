import pytest

from devtools.cpe import CpeStandin

EMISOR = "20100070970"  # a RUC with a valid check digit
CONSULTANTE = "20131312955"


@pytest.fixture
def cpe(settings):
    """SUNAT's official API on a free loopback port, with the service's credentials pointed at it."""
    with CpeStandin() as sunat:
        settings.SUNAT_API_TOKEN_URL = sunat.token_url
        settings.SUNAT_API_URL = sunat.api_url
        settings.SUNAT_API_CLIENT_ID = sunat.client_id
        settings.SUNAT_API_CLIENT_SECRET = sunat.client_secret
        settings.SUNAT_API_RUC = CONSULTANTE
        yield sunat


def item(**changes):
    """An API body for a factura the tests register (override any field)."""
    body = {"rucEmisor": EMISOR, "tipo": "01", "serie": "F001", "numero": 123, "fechaEmision": "2026-11-02",
            "monto": 118.00}
    body.update(changes)
    return {name: value for name, value in body.items() if value is not None}
