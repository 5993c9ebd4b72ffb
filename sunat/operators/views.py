"""GET /metrics: Prometheus' text format, for the addresses in METRICS_ALLOWED_IPS or a bearer
METRICS_TOKEN; anyone else gets the API's JSON 403 (nginx answers 404 before it gets here).

The address is the connection's own (REMOTE_ADDR), never a forwarded one: nginx does not pass
/metrics on, so whoever asks is the scraper itself."""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST

from sunat.operators import exposition
from sunat.responses import json_error, require_get


@require_get
def metrics(request):
    if not _allowed(request):
        return json_error(403, "acceso_denegado", "Las métricas solo se sirven a las direcciones de "
                          "METRICS_ALLOWED_IPS o con la cabecera Authorization: Bearer <METRICS_TOKEN>.")
    return HttpResponse(exposition.latest(), content_type=CONTENT_TYPE_LATEST)


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)
