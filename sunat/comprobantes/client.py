"""The HTTP requests to SUNAT's official API: the token and one validation, each through the
transport's bounded reads (no redirect, bounded memory, the deadline) in the API's own pacing lane
(sunat.upstream.throttle.CPE_API), counted in /metrics. No secret reaches a log or a message."""

import json
import logging
import urllib.parse

import requests
from django.conf import settings

from sunat.comprobantes.declaration import Question, parse
from sunat.exceptions import CpeCredentialsRefused, SunatUnavailable
from sunat.monitoring import metrics
from sunat.upstream import budget, throttle
from sunat.upstream.clients import transport

logger = logging.getLogger(__name__)

SCOPE = "https://api.sunat.gob.pe/v1/contribuyente/contribuyentes"
TOKEN, VALIDATE = "token", "validar"


def fetch_token() -> tuple[str, int]:
    """A new token from SUNAT's token endpoint and its lifetime (seconds)."""
    client_id = settings.SUNAT_API_CLIENT_ID
    url = f"{settings.SUNAT_API_TOKEN_URL.rstrip('/')}/{urllib.parse.quote(client_id, safe='')}/oauth2/token/"
    form = {"grant_type": "client_credentials", "scope": SCOPE, "client_id": client_id,
            "client_secret": settings.SUNAT_API_CLIENT_SECRET}
    answer = _send(TOKEN, url, data=form, headers={"Accept": "application/json"})
    if answer.status in (400, 401, 403):
        metrics.sunat_api_request(TOKEN, CpeCredentialsRefused())
        raise CpeCredentialsRefused(f"SUNAT's token endpoint refused the API credentials (HTTP {answer.status})")
    if answer.status != 200:
        _fail(TOKEN, f"SUNAT's token endpoint answered HTTP {answer.status}")
    try:
        body = json.loads(answer.text)
        token, expires_in = body["access_token"], body["expires_in"]
    except (ValueError, TypeError, KeyError):
        _fail(TOKEN, "SUNAT's token endpoint answered something that is not a token")
    if not isinstance(token, str) or not token or len(token) > 4096 or not isinstance(expires_in, int) \
            or isinstance(expires_in, bool) or expires_in <= 0:
        _fail(TOKEN, "SUNAT's token endpoint answered something that is not a token")
    metrics.sunat_api_request(TOKEN, None)
    return token, min(expires_in, 24 * 3600)


def validate(question: Question, token: str) -> dict | None:
    """The service's answer for `question` (sunat.comprobantes.declaration.parse), or None when SUNAT
    refused the token (401: the caller renews it once)."""
    url = f"{settings.SUNAT_API_URL.rstrip('/')}/{settings.SUNAT_API_RUC}/validarcomprobante"
    answer = _send(VALIDATE, url, json=question.body(),
                   headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    if answer.status == 401:
        metrics.sunat_api_request(VALIDATE, None, status=401)
        return None
    if answer.status != 200:
        _fail(VALIDATE, f"SUNAT's API answered HTTP {answer.status} for {question.label()}")
    try:
        data = parse(answer.text, question)
    except SunatUnavailable as exc:
        metrics.sunat_api_request(VALIDATE, exc)
        logger.warning("SUNAT's API answer for %s not taken: %s", question.label(), exc)
        raise
    metrics.sunat_api_request(VALIDATE, None)
    return data


def _send(operation: str, url: str, **kwargs) -> transport.Answer:
    work = budget.current()
    try:
        return transport.request(requests.post, url, timeout=work.timeout(settings.SUNAT_TIMEOUT),
                                 full_timeout=settings.SUNAT_TIMEOUT, query=True, lane=throttle.CPE_API,
                                 html=False, **kwargs)
    except Exception as exc:
        metrics.sunat_api_request(operation, exc)
        raise


def _fail(operation: str, message: str):
    exc = SunatUnavailable(message)
    metrics.sunat_api_request(operation, exc)
    raise exc
