"""Webhook deliveries: each pending Notification POSTed to its key's webhook, at least once, in order.

The outbox is the Notification rows (written with their event, in the transaction that stored
the change). deliver_due() is the job (sunat.jobs): the queue runs it when notices are written
and every minute (its schedule, which also retries). For each key with pending notices, the
oldest goes first; the next one waits until it is delivered, so a receiver gets a RUC's changes in
order. A notice is claimed for WEBHOOK_CLAIM_SECONDS before it is sent: a worker killed mid-delivery leaves
it due again then, and it is sent again (the receiver de-duplicates on X-Evento-Id).

The POST carries the event's JSON with `enviadoEn` (the signed material holds the time, so a
receiver can refuse replays older than 5 minutes), `X-Firma: sha256=<HMAC-SHA256 of the body with
the key's secret>` and `X-Evento-Id`. It goes to the addresses the URL's host resolves to now,
checked again (DNS rebinding) and pinned for the connection; no redirect is followed, timeouts
bound it, and at most READ_LIMIT bytes of the answer are read. A 2xx ends it; a 410 disables the
webhook; anything else is retried with exponential backoff and jitter until WEBHOOK_MAX_AGE, and
then the notice is marked failed and stays visible in the admin.
"""

import hashlib
import hmac
import json
import logging
import random
import time
from datetime import timedelta
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from sunat.clock import api_time
from sunat.models import Notification, Webhook
from sunat.watch import webhooks

logger = logging.getLogger(__name__)

READ_LIMIT = 4096
TIMEOUT = urllib3.Timeout(connect=3.0, read=5.0)
FIRST_RETRY, MAX_RETRY = 10.0, 1800.0  # seconds: doubled each attempt, up to half an hour
USER_AGENT = "consulta-ruc-webhooks/1.0"


def deliver_due(limit: int = 1000, budget: float = 90.0) -> int:
    """Deliver what is due, key by key, up to `limit` attempts or `budget` seconds (below the
    queue's job timeout, so that slow receivers never get a run killed mid-delivery); how many were
    delivered. What is left waits for the next run."""
    delivered = attempts = 0
    deadline = time.monotonic() + budget
    keys = (Notification.objects.filter(delivery=Notification.PENDING).values("key_id")
            .annotate(first=Min("id")).order_by("first").values_list("key_id", flat=True))
    for key_id in list(keys):
        webhook = Webhook.objects.filter(key_id=key_id).first()
        while attempts < limit and time.monotonic() < deadline:
            notice = _claim_oldest(key_id)
            if notice is None:
                break
            attempts += 1
            if webhook is None or webhook.disabled_at is not None:
                _give_up_if_old(notice, "la clave no tiene un webhook activo")
                break
            if not _send(webhook, notice):
                break  # the next ones wait: a RUC's changes arrive in order
            delivered += 1
    return delivered


def _claim_oldest(key_id: int) -> Notification | None:
    """The key's oldest pending notice if it is due, claimed for WEBHOOK_CLAIM_SECONDS; None when it is not due
    (a retry later) or another worker took it."""
    notice = (Notification.objects.filter(key_id=key_id, delivery=Notification.PENDING).select_related("event")
              .order_by("id").first())
    now = timezone.now()
    if notice is None or (notice.next_attempt_at is not None and notice.next_attempt_at > now):
        return None
    claimed = Notification.objects.filter(pk=notice.pk, delivery=Notification.PENDING,
                                          next_attempt_at=notice.next_attempt_at).update(next_attempt_at=now + _claim())
    return notice if claimed else None


def body_of(notice: Notification) -> bytes:
    return json.dumps({**notice.event.as_body(), "enviadoEn": api_time(timezone.now())},
                      ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _send(webhook: Webhook, notice: Notification) -> bool:
    body = body_of(notice)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               "X-Firma": signature(webhook.secret, body), "X-Evento-Id": notice.event.as_body()["id"]}
    try:
        status = _post(webhook.url, body, headers)
    except webhooks.InvalidWebhook as exc:
        return _retry(notice, None, str(exc))
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return _retry(notice, None, f"{type(exc).__name__}: {exc}"[:300])
    if 200 <= status < 300:
        Notification.objects.filter(pk=notice.pk).update(
            delivery=Notification.DELIVERED, attempts=notice.attempts + 1, last_status=status, last_error="",
            delivered_at=timezone.now(), next_attempt_at=None)
        return True
    if status == 410:
        Webhook.objects.filter(pk=webhook.pk).update(disabled_at=timezone.now(),
                                                     disabled_reason="el receptor respondió 410 Gone")
        logger.warning("webhook of key %s disabled: its receiver answered 410", webhook.key_id)
        Notification.objects.filter(pk=notice.pk).update(attempts=notice.attempts + 1, last_status=status,
                                                         last_error="410: webhook desactivado", next_attempt_at=None)
        return False
    return _retry(notice, status, f"respondió HTTP {status}")


def _post(url: str, body: bytes, headers: dict) -> int:
    """POST to the URL's host at an address checked now (pinned for this connection); the status."""
    parts = urlsplit(url)
    address = webhooks.check_url(url)[0]
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    options = {"timeout": TIMEOUT, "retries": False, "maxsize": 1}
    if https:
        pool = urllib3.HTTPSConnectionPool(address, port, server_hostname=parts.hostname,
                                           assert_hostname=parts.hostname, cert_reqs="CERT_REQUIRED",
                                           ca_certs=certifi.where(), **options)
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **options)
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    with pool:
        response = pool.urlopen("POST", path, body=body, headers={**headers, "Host": host}, redirect=False,
                                preload_content=False)
        try:
            response.read(READ_LIMIT)  # a receiver's long answer is not ours to keep
        finally:
            response.release_conn()
    return response.status


def _retry(notice: Notification, status: int | None, error: str) -> bool:
    attempts = notice.attempts + 1
    if _too_old(notice):
        Notification.objects.filter(pk=notice.pk).update(delivery=Notification.FAILED, attempts=attempts,
                                                         last_status=status, last_error=error[:300],
                                                         next_attempt_at=None)
        return False
    delay = min(MAX_RETRY, FIRST_RETRY * 2 ** (attempts - 1)) * random.uniform(0.5, 1.0)
    Notification.objects.filter(pk=notice.pk).update(attempts=attempts, last_status=status, last_error=error[:300],
                                                     next_attempt_at=timezone.now() + timedelta(seconds=delay))
    return False


def _give_up_if_old(notice: Notification, error: str) -> None:
    """A notice the key has no webhook for now: it waits (a webhook set again gets it) until too old."""
    if _too_old(notice):
        Notification.objects.filter(pk=notice.pk).update(delivery=Notification.FAILED, last_error=error)
    else:
        Notification.objects.filter(pk=notice.pk).update(next_attempt_at=timezone.now() + _claim(), last_error=error)


def _claim() -> timedelta:
    return timedelta(seconds=settings.WEBHOOK_CLAIM_SECONDS)


def _too_old(notice: Notification) -> bool:
    return timezone.now() - notice.event.detected_at > timedelta(seconds=settings.WEBHOOK_MAX_AGE)
