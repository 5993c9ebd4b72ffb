"""What a deployment still lacks to serve as intended: the first run's steps not yet taken.

Read by `manage.py setup_status`, which the web container runs at each start, so that its log says
what is missing (no administrator, no key while keys are required, a register never imported, no
check of SUNAT's flows yet), each with the command that does it. The sequence is docs/deployment.md's first run.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model

from sunat.models import ApiKey, PadronVersion, SunatCheck
from sunat.registers.files import REGISTERS


@dataclass(frozen=True)
class Step:
    missing: str  # what is missing, in Spanish
    command: str  # the manage.py command that does it


def missing_steps() -> list[Step]:
    """The first run's steps still to take, in the order to take them."""
    steps = []
    if not get_user_model().objects.filter(is_superuser=True, is_active=True).exists():
        steps.append(Step("no hay ningún administrador para entrar al admin", "createsuperuser"))
    if not ApiKey.objects.filter(revoked_at=None).exists():
        if settings.API_KEYS_REQUIRED:
            steps.append(Step("no hay ninguna clave de API activa y API_KEYS_REQUIRED=True: toda consulta "
                              "responde 401", "create_api_key <nombre>"))
        else:
            steps.append(Step("no hay ninguna clave de API (API_KEYS_REQUIRED=False: la API responde a "
                              "cualquiera que llegue a ella)", "create_api_key <nombre>"))
    imported = set(PadronVersion.objects.values_list("register", flat=True).distinct())
    never = [register.title for name, register in REGISTERS.items() if name not in imported]
    if never:
        steps.append(Step(f"nunca se importó: {', '.join(never)} (las consultas no traen esos datos)",
                          "sync_sunat_files"))
    if not SunatCheck.objects.exists():
        steps.append(Step("nunca se probó qué forma de consultar a SUNAT funciona desde aquí", "sunat_check"))
    return steps
