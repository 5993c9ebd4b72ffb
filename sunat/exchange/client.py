"""The requests for SUNAT's exchange rate: through the exchange rate's own pacing lane, cooldown and failure
backoff (sunat.upstream.throttle.EXCHANGE: its host failing never pauses RUC lookups), bounded reads and no
redirects (sunat.upstream.clients.transport), within the current budget, each
counted in consulta_ruc_sunat_requests (page "tipo-cambio" or "tipo-cambio-txt")."""

import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils import timezone

from sunat.exceptions import SunatRejected, SunatUnavailable
from sunat.exchange import sources
from sunat.monitoring import metrics
from sunat.upstream import budget, throttle
from sunat.upstream.clients import headers, transport

# SUNAT's firewall refuses the month query without a browser's headers (crafter-research/sunat-cli):
# when SUNAT_USER_AGENT is not a browser's, this one is sent for it.
BROWSER_USER_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/141.0.0.0 Safari/537.36")
MONTH_PAGE, TXT_PAGE = "tipo-cambio", "tipo-cambio-txt"
_REJECTED = "Request Rejected"


def ask_month(year: int, month: int) -> list[sources.Published]:
    """The month's published rates (sources.parse_month); SunatError when SUNAT cannot say."""
    base = settings.SUNAT_TIPO_CAMBIO_URL.rstrip("/")
    parts = urlsplit(base)
    profile = headers.profile(settings.SUNAT_USER_AGENT)
    if not profile.browser:
        profile = headers.profile(BROWSER_USER_AGENT)
    request_headers = profile.xhr(referer=base, origin=f"{parts.scheme}://{parts.netloc}")
    request_headers["Content-Type"] = "application/json; charset=utf-8"

    def send():
        answer = _request(requests.post, base + "/listarTipoCambio", json=sources.month_body(year, month),
                          headers=request_headers)
        return sources.parse_month(_body(answer), year, month, timezone.localdate())

    return _counted(MONTH_PAGE, send)


def ask_txt() -> sources.Published:
    """The newest rate in SUNAT_TIPO_CAMBIO_TXT_URL; SunatError when SUNAT cannot say."""
    profile = headers.profile(settings.SUNAT_USER_AGENT)
    request_headers = {"User-Agent": profile.user_agent, "Accept": "text/plain,*/*"}

    def send():
        answer = _request(requests.get, settings.SUNAT_TIPO_CAMBIO_TXT_URL, headers=request_headers)
        return sources.parse_txt(_body(answer))

    return _counted(TXT_PAGE, send)


def _request(send, url: str, **kwargs) -> transport.Answer:
    with budget.ensure() as work:
        return transport.request(send, url, work.timeout(settings.SUNAT_TIMEOUT), settings.SUNAT_TIMEOUT,
                                  query=True, lane=throttle.EXCHANGE, **kwargs)


def _body(answer: transport.Answer) -> str:
    if answer.status != 200:
        raise SunatUnavailable(f"SUNAT answered HTTP {answer.status}")
    if _REJECTED in answer.text[:2000]:
        throttle.block_for(lane=throttle.EXCHANGE)  # asking again soon would only make the block longer
        raise SunatRejected("SUNAT's firewall rejected the exchange-rate query")
    return answer.text


def _counted(page: str, send):
    started, error = time.monotonic(), None
    try:
        return send()
    except BaseException as exc:
        error = exc
        raise
    finally:
        outcome = metrics.outcome_of(error)
        metrics.SUNAT_REQUESTS.labels(page, outcome, "http").inc()
        if outcome != metrics.NOT_SENT:
            metrics.SUNAT_SECONDS.labels(page, "http").observe(time.monotonic() - started)
