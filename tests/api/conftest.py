"""What the API's tests share: the app as the OpenAPI tests see it, and what a RUC is to Schemathesis."""

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import strategies as st

from devtools.cpe import CpeStandin
from devtools.tipocambio import TipoCambioStandin
from sunat.registers.importer import import_padron
from sunat.validators import RUC_PREFIXES, ruc_check_digit
from tests.support.padron_files import HANDMADE, write_rows


def _ruc(prefix: str, digits: str) -> str:
    return f"{prefix}{digits}{ruc_check_digit(prefix + digits)}"


# The document's format "ruc" (its pattern, and the check digit no pattern can say): Schemathesis draws
# valid RUCs from it, as a client that read the description would send.
schemathesis.openapi.format("ruc", st.builds(_ruc, st.sampled_from(RUC_PREFIXES), st.text("0123456789", min_size=8,
                                                                                             max_size=8)))


@pytest.fixture
def api(replica, settings, tmp_path):
    """The app as the fuzzer sees it: SUNAT's replica unpaced, a small padrón imported, the exchange
    rate's stand-in, and SUNAT's official API (comprobantes) a stand-in the service has credentials for."""
    settings.SUNAT_MIN_INTERVAL = 0
    import_padron(write_rows(tmp_path / "padron.zip", HANDMADE))
    with TipoCambioStandin(today=timezone.localdate()) as tipocambio, CpeStandin() as cpe:
        settings.SUNAT_TIPO_CAMBIO_URL = tipocambio.url
        settings.SUNAT_TIPO_CAMBIO_TXT_URL = tipocambio.txt_url
        settings.SUNAT_API_TOKEN_URL, settings.SUNAT_API_URL = cpe.token_url, cpe.api_url
        settings.SUNAT_API_CLIENT_ID, settings.SUNAT_API_CLIENT_SECRET = cpe.client_id, cpe.client_secret
        settings.SUNAT_API_RUC = "20131312955"
        yield replica
