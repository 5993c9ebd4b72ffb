"""The app's models, one module per capability; imported here so that Django finds them under `sunat`.

Its place in the layers: pyproject.toml's [tool.importlinter].
"""

from sunat.models.changes import RegisterChange
from sunat.models.checks import SunatCheck
from sunat.models.comprobantes import ComprobanteCheck
from sunat.models.exchange import ExchangeMonth, ExchangeRate
from sunat.models.keys import ApiKey, _default_per_day, _default_per_minute  # noqa: F401 (migration 0004 names them here)
from sunat.models.lookups import RucRecord, RucSectionRecord, StoredLookup, UnknownRuc
from sunat.models.padron import PadronEntry, PadronVersion
from sunat.models.registers import (
    AgentePercepcion,
    AgentePercepcionVentaInterna,
    AgenteRetencion,
    BuenContribuyente,
    EstablecimientoAnexo,
)
from sunat.models.usage import KeyUsageDay, RucHits, ServiceHour
from sunat.models.watch import ChangeEvent, Notification, Watch, Webhook

__all__ = [
    "AgentePercepcion", "AgentePercepcionVentaInterna", "AgenteRetencion", "ApiKey", "BuenContribuyente", "ChangeEvent",
    "ComprobanteCheck", "EstablecimientoAnexo", "ExchangeMonth", "ExchangeRate", "PadronEntry",
    "KeyUsageDay", "Notification", "PadronVersion", "RegisterChange", "RucHits", "RucRecord", "RucSectionRecord",
    "ServiceHour", "StoredLookup", "SunatCheck", "UnknownRuc", "Watch", "Webhook",
]
