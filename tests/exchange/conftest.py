"""The exchange rate's tests run against devtools.tipocambio, a SUNAT stand-in on a free loopback port."""

import pytest
from django.utils import timezone

from devtools.tipocambio import TipoCambioStandin


@pytest.fixture
def tipocambio(settings):
    """The stand-in, its "today" Lima's, with the service pointed at it."""
    with TipoCambioStandin(today=timezone.localdate()) as sunat:
        settings.SUNAT_TIPO_CAMBIO_URL = sunat.url
        settings.SUNAT_TIPO_CAMBIO_TXT_URL = sunat.txt_url
        settings.SUNAT_MIN_INTERVAL = 0
        yield sunat
