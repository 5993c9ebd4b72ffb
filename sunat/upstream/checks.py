"""`manage.py check`: the upstream limits must fit the proxy and the server around them, and each
section's TTL override must name a section."""

import os

from django.conf import settings
from django.core import checks

from sunat.upstream.sections import SECTIONS, ttl_variable

_MARGIN = 5  # seconds between our deadline and nginx's, for the answer to travel back


@checks.register(checks.Tags.compatibility)
def upstream_limits(app_configs, **kwargs):
    problems = []
    proxy_timeout = os.environ.get("NGINX_PROXY_READ_TIMEOUT")
    if proxy_timeout and float(proxy_timeout) < settings.SUNAT_DEADLINE + _MARGIN:
        problems.append(checks.Warning(
            f"SUNAT_DEADLINE ({settings.SUNAT_DEADLINE:g} s) no deja margen bajo NGINX_PROXY_READ_TIMEOUT "
            f"({proxy_timeout} s): nginx respondería su propio 504 en HTML antes que el servicio.",
            hint=f"Ponga NGINX_PROXY_READ_TIMEOUT en al menos SUNAT_DEADLINE + {_MARGIN}.", id="sunat.W001"))
    threads = os.environ.get("GUNICORN_THREADS")
    if threads and int(threads) <= settings.SUNAT_QUEUE_SIZE:
        problems.append(checks.Warning(
            f"GUNICORN_THREADS ({threads}) no supera SUNAT_QUEUE_SIZE ({settings.SUNAT_QUEUE_SIZE}): las consultas "
            "en espera de SUNAT podrían ocupar los hilos que responden desde la caché.",
            hint="Ponga GUNICORN_THREADS por encima de SUNAT_QUEUE_SIZE (p. ej. 8 más).", id="sunat.W002"))
    for name, what in (("LOTE_TIMEOUT", "un lote"), ("COMPLETO_TIMEOUT", "una consulta completa")):
        if getattr(settings, name) > settings.SUNAT_DEADLINE:
            problems.append(checks.Warning(
                f"{name} ({getattr(settings, name):g} s) supera SUNAT_DEADLINE ({settings.SUNAT_DEADLINE:g} s): "
                f"{what} responde igual al vencer SUNAT_DEADLINE.", id="sunat.W003"))
    return problems


@checks.register()
def section_ttls(app_configs, **kwargs):
    """A RUC_SECTION_TTL_<NAME> that names no section (a typo) would change nothing, unnoticed."""
    known = ", ".join(ttl_variable(name) for name in SECTIONS)
    return [checks.Error(
        f"{ttl_variable(name)} no corresponde a ninguna sección: no cambiaría nada.",
        hint=f"Las secciones se ajustan con {known}.", id="sunat.E001",
    ) for name in settings.RUC_SECTION_TTL if name not in SECTIONS]
