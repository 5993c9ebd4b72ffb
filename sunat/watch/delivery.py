"""Webhook deliveries: each pending Notification POSTed to its key's webhook, at least once, in order.

The outbox is the Notification rows (written with their event, in the transaction that stored
the change). deliver_due() is the task (sunat.tasks): the queue runs it when notices are written
and every minute (its schedule, which also retries). Keys are served side by side, up to
WEBHOOK_CONCURRENCY POSTs at once, so that a slow or dead receiver (up to sender.ATTEMPT_SECONDS
an attempt) delays only its own key; a key has one POST out at a time, its oldest notice, and the
next waits until it is delivered, so a receiver gets a RUC's changes in order. When more keys are
due than there are threads, each takes its turn before any takes another. A run takes up keys as
they become due (a notice written meanwhile, a retry) while its POSTs are out. Only the POSTs run in
the threads: every read and write of the outbox stays in the run's own thread and connection.

A notice is claimed for WEBHOOK_CLAIM_SECONDS, its attempt counted, before it is sent: another run
skips it, and a worker killed mid-delivery leaves it due again then, and it is sent again (the
receiver de-duplicates on X-Evento-Id). Each outcome is written only while the claim is still this
run's.

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
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import CharField, F, Min, Q, Value
from django.db.models.functions import Coalesce, Concat, Left, NullIf
from django.utils import timezone

from sunat.clock import api_time
from sunat.models import Notification, Webhook
from sunat.watch import sender, webhooks

logger = logging.getLogger(__name__)

FIRST_RETRY, MAX_RETRY = 10.0, 1800.0  # seconds: doubled each attempt, up to half an hour
USER_AGENT = "consulta-ruc-webhooks/1.0"
POLL_SECONDS = 0.5  # while POSTs are out, how soon a run takes up a key that became due


def deliver_due(limit: int = 1000, budget: float = 90.0) -> int:
    """Deliver what is due, up to `limit` attempts or `budget` seconds (below the queue's task
    timeout: the POSTs out then still end, within DNS_SECONDS + ATTEMPT_SECONDS); how many were delivered.
    What is left waits for the next run."""
    deadline = time.monotonic() + budget
    threads = settings.WEBHOOK_CONCURRENCY
    delivered = attempts = 0
    webhooks_by_key: dict[int, Webhook | None] = {}
    turns: set[int] = set()  # the keys that had their turn in this round
    sending: dict[Future, tuple[Webhook, Notification]] = {}
    # The due keys are read at most every POLL_SECONDS (a scan of every pending notice); between
    # reads the keys read last are offered again, and one with nothing due is dropped until the next.
    due: list[int] = []
    read_at = float("-inf")
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="webhook-post") as pool:
        while True:
            progressed, fresh = False, True
            room = min(threads - len(sending), limit - attempts)
            now = time.monotonic()
            if room > 0 and now < deadline:
                if now - read_at >= POLL_SECONDS:
                    due, read_at = _due_keys(), now
                else:
                    fresh = False
                busy = {notice.key_id for _, notice in sending.values()}
                for key_id in _take_turns(due, busy, turns, room):
                    notice = _claim_oldest(key_id)
                    if notice is None:  # nothing due now (a retry later), or another run took it
                        due.remove(key_id)
                        continue
                    progressed, attempts = True, attempts + 1
                    if key_id not in webhooks_by_key:
                        webhooks_by_key[key_id] = Webhook.objects.filter(key_id=key_id).first()
                    webhook = webhooks_by_key[key_id]
                    if webhook is None or webhook.disabled_at is not None:
                        _settle(notice, next_attempt_at=timezone.now() + _claim(),
                                last_error="la clave no tiene un webhook activo")
                        continue
                    sending[pool.submit(sender.post, *_request(webhook, notice))] = (webhook, notice)
            if not sending:
                if progressed:  # the keys settled without a POST: there may be more due
                    continue
                if not fresh:  # nothing left of the last read: read again before ending
                    read_at = float("-inf")
                    continue
                return delivered
            done, _ = wait(sending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                webhook, notice = sending.pop(future)
                delivered += _outcome(webhook, notice, future)


def _due_keys() -> list[int]:
    """The keys whose oldest pending notice is due now, the oldest notice first."""
    oldest = (Notification.objects.filter(delivery=Notification.PENDING, key__revoked_at__isnull=True)
              .values("key_id").annotate(first=Min("id")).values("first"))
    return list(Notification.objects.filter(pk__in=oldest)
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
                .order_by("id").values_list("key_id", flat=True))


def _take_turns(due: list[int], busy: set[int], turns: set[int], room: int) -> list[int]:
    """Up to `room` of the `due` keys that have no POST out, those that have not had their turn in
    this round first (each group in `due`'s order); a new round once every one of them had it."""
    free = [key_id for key_id in due if key_id not in busy]
    if turns.issuperset(free):
        turns.clear()
    taken = sorted(free, key=lambda key_id: key_id in turns)[:room]  # sorted() is stable
    turns.update(taken)
    return taken


def _claim_oldest(key_id: int) -> Notification | None:
    """The key's oldest pending notice if it is due, claimed for WEBHOOK_CLAIM_SECONDS with its
    attempt counted; None when it is not due (a retry later) or another run took it. One past
    WEBHOOK_MAX_AGE is marked failed instead, with the key's other due ones as old, and the next one
    is looked at."""
    while True:
        notice = (Notification.objects.filter(key_id=key_id, delivery=Notification.PENDING).select_related("event")
                  .order_by("id").first())
        now = timezone.now()
        if notice is None or (notice.next_attempt_at is not None and notice.next_attempt_at > now):
            return None
        expired = now - timedelta(seconds=settings.WEBHOOK_MAX_AGE)
        if notice.event.detected_at < expired:
            _expire(key_id, now, expired)
            continue
        claimed_until = now + _claim()
        if not Notification.objects.filter(pk=notice.pk, delivery=Notification.PENDING,
                                           next_attempt_at=notice.next_attempt_at).update(
                next_attempt_at=claimed_until, attempts=F("attempts") + 1):
            return None
        notice.attempts += 1
        notice.claimed_until = claimed_until
        return notice


def _expire(key_id: int, now: datetime, expired: datetime) -> None:
    """Mark failed the key's due notices of changes detected before `expired`: one statement however
    many there are (a dead receiver's day of notices), so that the run's other keys do not wait."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)  # not one another run has claimed
    reason = Left(Coalesce(NullIf(F("last_error"), Value("")), Value("sin respuesta")), 250)
    (Notification.objects.filter(due, key_id=key_id, delivery=Notification.PENDING, event__detected_at__lt=expired)
     .update(delivery=Notification.FAILED, next_attempt_at=None,
             last_error=Concat(reason, Value("; venció WEBHOOK_MAX_AGE"), output_field=CharField())))


def _settle(notice: Notification, **fields) -> bool:
    """Write an attempt's outcome, only while the claim is still this run's (a later run that took
    the notice after the claim ran out owns it now)."""
    return bool(Notification.objects.filter(pk=notice.pk, delivery=Notification.PENDING,
                                            next_attempt_at=notice.claimed_until).update(**fields))


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _request(webhook: Webhook, notice: Notification) -> tuple[str, bytes, dict]:
    """sender.post's arguments: the URL, the signed body and its headers."""
    event = notice.event.as_body()
    body = json.dumps({**event, "enviadoEn": api_time(timezone.now())}, ensure_ascii=False,
                      separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               "X-Firma": signature(webhook.secret, body), "X-Evento-Id": event["id"]}
    return webhook.url, body, headers


def _outcome(webhook: Webhook, notice: Notification, post: Future) -> bool:
    """Write what the POST came to; whether the notice was delivered."""
    try:
        status = post.result()
    except webhooks.InvalidWebhook as exc:
        return _retry(notice, None, str(exc))
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return _retry(notice, None, f"{type(exc).__name__}: {exc}"[:300])
    except Exception as exc:  # a fault of ours with this receiver: retried, and the run's other keys go on
        logger.exception("webhook POST of key %s failed unexpectedly", webhook.key_id)
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

