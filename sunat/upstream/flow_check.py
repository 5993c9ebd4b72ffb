"""The check of every way of asking SUNAT: each HTTP flow on a new session, then the browser, with a
RUC that always exists (SUNAT's own). `manage.py sunat_check` prints it; the job queue runs it every
SUNAT_CANARY_MINUTES at background priority. Its result is kept in the database (SunatCheck) for
/health, /metrics and the admin of every process, and makes the cheapest flow that works the one in
use (sunat.upstream.flows.choice).

Every request goes through the pacing, the cooldowns and a SUNAT_DEADLINE per flow, like a lookup's.
"""

import logging
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from sunat.exceptions import FlowRefused, RucNotFound, SunatBlocked, SunatBusy, SunatError, refused_by
from sunat.models import SunatCheck
from sunat.models.checks import ACCEPTED, FAILED, KEPT, NOT_ASKED, REFUSED
from sunat.monitoring import metrics
from sunat.upstream import budget, throttle
from sunat.upstream.clients.base import interpret_ruc_page
from sunat.upstream.clients.http import HttpClient
from sunat.upstream.flows import BROWSER, FLOWS, choice

logger = logging.getLogger(__name__)

CHECK_RUC = "20131312955"  # SUNAT's own RUC: it always exists
BACKGROUND_DEADLINES = 3  # the scheduled check's budget per flow, in SUNAT_DEADLINEs


@dataclass(frozen=True)
class Outcome:
    flow: str
    result: str  # ACCEPTED, REFUSED, FAILED or NOT_ASKED
    detail: str  # what was seen: the RUC's name, the status, the page, the error
    seconds: float

    @property
    def accepted(self) -> bool:
        return self.result == ACCEPTED


def check(ruc: str = CHECK_RUC, *, browser: bool = True, background: bool = False) -> list[Outcome]:
    """Try every HTTP flow and (if `browser`) the browser; remember what works. `background`: take
    only pacing slots nobody else wants (the scheduled check)."""
    http = HttpClient(remember=False, max_attempts=1)
    outcomes = [_try(name, lambda name=name: interpret_ruc_page(http.fetch_with(name, ruc), ruc), background)
                for name in FLOWS]
    http.close()
    if browser:
        from sunat.upstream.clients.browser import BrowserClient  # Selenium only when the check wants it

        client = BrowserClient(max_attempts=1)
        try:
            outcomes.append(_try(BROWSER, lambda: client.lookup(ruc), background))
        finally:
            client.close()
    _remember(outcomes)
    _keep(ruc, outcomes)
    return outcomes


def last_check() -> SunatCheck | None:
    """The last check, whichever process ran it; None if none ran (or the database does not answer)."""
    try:
        return SunatCheck.objects.first()
    except DatabaseError:
        logger.warning("the last check of SUNAT's flows could not be read", exc_info=True)
        return None


def _keep(ruc: str, outcomes: list[Outcome]) -> None:
    try:
        check = SunatCheck.objects.create(checked_at=timezone.now(), ruc=ruc, outcomes=[asdict(o) for o in outcomes])
        choice.forget_stored_check()
        SunatCheck.objects.filter(checked_at__lt=check.checked_at).exclude(
            pk__in=SunatCheck.objects.values_list("pk", flat=True)[:KEPT]).delete()
    except DatabaseError:  # the check's outcome stands (choice, metrics) without its record
        logger.warning("the check of SUNAT's flows could not be stored", exc_info=True)


def scheduled_check() -> str:
    """The job queue's check (every SUNAT_CANARY_MINUTES): a line for its log."""
    outcomes = check(browser=settings.SUNAT_CLIENT != "http", background=True)
    return ", ".join(f"{outcome.flow}: {outcome.result}" for outcome in outcomes)


def _try(flow: str, ask, background: bool) -> Outcome:
    started = time.monotonic()
    # Background work takes only free pacing slots (without Redis, its share of the rate): the
    # scheduled check gives each flow longer than a lookup's deadline (sunat.schedules.CHECK_TIMEOUT).
    seconds = settings.SUNAT_DEADLINE * (BACKGROUND_DEADLINES if background else 1)
    with budget.running(budget.Budget(started + seconds, yields=lambda: background)) as work:
        try:
            # A flow that got no answer opens the failure backoff; the next flow waits it out rather
            # than going unasked (SUNAT may drop some clients and answer others: a browser).
            work.sleep(throttle.failing_for(), "for the failure backoff")
            data = ask()
        except RucNotFound:
            result, detail = ACCEPTED, "SUNAT respondió que el RUC no existe"
        except FlowRefused as refusal:
            result, detail = REFUSED, str(refusal)
        except (SunatBlocked, SunatBusy) as exc:
            result, detail = NOT_ASKED, str(exc)
        except SunatError as exc:
            result, detail = (REFUSED if refused_by(exc) else FAILED), str(exc)
        else:
            result, detail = ACCEPTED, f"{data['ruc']} - {data.get('razonSocial') or ''}".strip(" -")
    if result != NOT_ASKED:
        metrics.flow_attempt(flow, {ACCEPTED: metrics.FLOW_ACCEPTED, REFUSED: metrics.FLOW_REFUSED}.get(
            result, metrics.FLOW_FAILED))
    return Outcome(flow, result, detail, round(time.monotonic() - started, 2))


def _remember(outcomes: list[Outcome]) -> None:
    """The cheapest flow that works (of those SUNAT_CLIENT may use) becomes the one in use; when
    every flow was refused, nothing works."""
    usable = {"http": list(FLOWS), "selenium": [BROWSER]}.get(settings.SUNAT_CLIENT, [*FLOWS, BROWSER])
    tried = [outcome for outcome in outcomes if outcome.flow in usable]
    for outcome in tried:
        if outcome.accepted:
            choice.accepted(outcome.flow, from_cheapest=True)
            return
    if tried and all(outcome.result == REFUSED for outcome in tried):
        choice.everything_refused("; ".join(f"{outcome.flow}: {outcome.detail}" for outcome in tried))
