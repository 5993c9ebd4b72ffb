"""Local replica of SUNAT's "Consulta RUC" (e-consultaruc.sunat.gob.pe/cl-ti-itmrconsruc/).

Tests and benchmarks talk to it instead of SUNAT; see server.ReplicaServer. SUNAT's reported
defenses (numRnd, script cookie, JavaScript challenge; defenses.py) are switches of its
config, named by DEFENSES: ``sunat.config.update(**DEFENSES["js"])``.
Plain stdlib: importing it does not touch Django.
"""

from .catalog import PERSON_RUC
from .config import DEFENSES, MODES, ReplicaConfig
from .rucs import is_valid_ruc, make_ruc
from .server import BASE_PATH, ReplicaServer

__all__ = [
    "BASE_PATH",
    "DEFENSES",
    "MODES",
    "PERSON_RUC",
    "ReplicaConfig",
    "ReplicaServer",
    "is_valid_ruc",
    "make_ruc",
]
