"""Local replica of SUNAT's "Consulta RUC" (e-consultaruc.sunat.gob.pe/cl-ti-itmrconsruc/).

Tests and benchmarks talk to it instead of SUNAT; see server.ReplicaServer.
Plain stdlib: importing it does not touch Django.
"""

from .catalog import PERSON_RUC
from .config import MODES, ReplicaConfig
from .rucs import is_valid_ruc, make_ruc
from .server import BASE_PATH, ReplicaServer

__all__ = [
    "BASE_PATH",
    "MODES",
    "PERSON_RUC",
    "ReplicaConfig",
    "ReplicaServer",
    "is_valid_ruc",
    "make_ruc",
]
