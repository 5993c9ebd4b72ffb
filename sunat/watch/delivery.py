"""Webhook deliveries: each pending Notification POSTed to its key's webhook, at least once, in order.

The outbox is the Notification rows (written with their event, in the transaction that stored
the change). deliver_due() is the job (sunat.jobs): the queue runs it when notices are written
and every minute (its schedule, which also retries). It serves the keys in turn, one notice each
per pass, so that a slow receiver delays only its own key; within a key the oldest goes first and
the next waits until it is delivered, so a receiver gets a RUC's changes in order. A notice is
claimed for WEBHOOK_CLAIM_SECONDS, its attempt counted, before it is sent: a worker killed
mid-delivery leaves it due again then, and it is sent again (the receiver de-duplicates on
X-Evento-Id). Each outcome is written only while the claim is still this run's.

The POST carries the event's JSON with `enviadoEn` (the signed material holds the time, so a
receiver can refuse replays older than 5 minutes), `X-Firma: sha256=<HMAC-SHA256 of the body with
the key's secret>` and `X-Evento-Id`, bounded as sunat.watch.sender says. A 2xx ends it; a 410
disables the webhook; anything else is retried with exponential backoff and jitter until
WEBHOOK_MAX_AGE, and then the notice is marked failed and stays visible in the admin.
"""

import hashlib
import hmac
import http.client
import json
import logging
import random
import time
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Min
from django.utils import timezone

from sunat.clock import api_time
from sunat.models import Notification, Webhook
from sunat.watch import sender, webhooks

logger = logging.getLogger(__name__)

FIRST_RETRY, MAX_RETRY = 10.0, 1800.0  # seconds: doubled each attempt, up to half an hour
USER_AGENT = "consulta-ruc-webhooks/1.0"


def deliver_due(limit: int = 1000, budget: float = 90.0) -> int:
    """Deliver what is due, up to `limit` attempts or `budget` seconds (below the queue's job
    timeout); how many were delivered. What is left waits for the next run."""
    delivered = attempts = 0
    deadline = time.monotonic() + budget
    webhooks_by_key = {}
    while attempts < limit and time.monotonic() < deadline:
        progressed = False
        keys = (Notification.objects.filter(delivery=Notification.PENDING, key__revoked_at__isnull=True)
                .values("key_id").annotate(first=Min("id")).order_by("first").values_list("key_id", flat=True))
        for key_id in list(keys):
            if attempts >= limit or time.monotonic() >= deadline:
                break
            notice = _claim_oldest(key_id)
            if notice is None:
                continue
            progressed, attempts = True, attempts + 1
            if key_id not in webhooks_by_key:
                webhooks_by_key[key_id] = Webhook.objects.filter(key_id=key_id).first()
            webhook = webhooks_by_key[key_id]
            if webhook is None or webhook.disabled_at is not None:
                _settle(notice, next_attempt_at=timezone.now() + _claim(), last_error="la clave no tiene un webhook activo")
                continue
            delivered += _send(webhook, notice)
        if not progressed:
            break
    return delivered


def _claim_oldest(key_id: int) -> Notification | None:
    """The key's oldest pending notice if it is due, claimed for WEBHOOK_CLAIM_SECONDS with its
    attempt counted; None when it is not due (a retry later) or another run took it. One past
    WEBHOOK_MAX_AGE is marked failed instead, and the next one is looked at."""
    while True:
        notice = (Notification.objects.filter(key_id=key_id, delivery=Notification.PENDING).select_related("event")
                  .order_by("id").first())
        now = timezone.now()
        if notice is None or (notice.next_attempt_at is not None and notice.next_attempt_at > now):
            return None
        mine = Notification.objects.filter(pk=notice.pk, delivery=Notification.PENDING,
                                           next_attempt_at=notice.next_attempt_at)
        if _too_old(notice):
            mine.update(delivery=Notification.FAILED, next_attempt_at=None,
                        last_error=(notice.last_error or "sin respuesta")[:250] + "; venció WEBHOOK_MAX_AGE")
            continue
        claimed_until = now + _claim()
        if not mine.update(next_attempt_at=claimed_until, attempts=F("attempts") + 1):
            return None
        notice.attempts += 1
        notice.claimed_until = claimed_until
        return notice


def _settle(notice: Notification, **fields) -> bool:
    """Write an attempt's outcome, only while the claim is still this run's (a later run that took
    the notice after the claim ran out owns it now)."""
    return bool(Notification.objects.filter(pk=notice.pk, delivery=Notification.PENDING,
                                            next_attempt_at=notice.claimed_until).update(**fields))


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _send(webhook: Webhook, notice: Notification) -> bool:
    event = notice.event.as_body()
    body = json.dumps({**event, "enviadoEn": api_time(timezone.now())}, ensure_ascii=False,
                      separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               "X-Firma": signature(webhook.secret, body), "X-Evento-Id": event["id"]}
    try:
        status = sender.post(webhook.url, body, headers)
    except webhooks.InvalidWebhook as exc:
        return _retry(notice, None, str(exc))
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return _retry(notice, None, f"{type(exc).__name__}: {exc}"[:300])
    if 200 <= status < 300:
        return _settle(notice, delivery=Notification.DELIVERED, last_status=status, last_error="",
                       delivered_at=timezone.now(), next_attempt_at=None)
    if status == 410:
        if _settle(notice, last_status=status, last_error="410: webhook desactivado", next_attempt_at=None):
            webhook.disabled_at = timezone.now()  # this run's copy too: nothing more goes to it
            Webhook.objects.filter(pk=webhook.pk).update(disabled_at=webhook.disabled_at,
                                                         disabled_reason="el receptor respondió 410 Gone")
            logger.warning("webhook of key %s disabled: its receiver answered 410", webhook.key_id)
        return False
    return _retry(notice, status, f"respondió HTTP {status}")


def _retry(notice: Notification, status: int | None, error: str) -> bool:
    delay = min(MAX_RETRY, FIRST_RETRY * 2 ** (notice.attempts - 1)) * random.uniform(0.5, 1.0)
    _settle(notice, last_status=status, last_error=error[:300], next_attempt_at=timezone.now() + timedelta(seconds=delay))
    return False


def _claim() -> timedelta:
    return timedelta(seconds=settings.WEBHOOK_CLAIM_SECONDS)


def _too_old(notice: Notification) -> bool:
    return timezone.now() - notice.event.detected_at > timedelta(seconds=settings.WEBHOOK_MAX_AGE)
