"""What every SUNAT client shares: turning a page into data or an error, and retrying."""

import logging
import time

from django.conf import settings

from sunat.exceptions import RucNotFound, SunatError, SunatRejected, SunatUnavailable
from sunat.monitoring import metrics
from sunat.upstream import budget, throttle
from sunat.upstream.parser import PageKind, ParseError, classify_page, error_message, read_ruc_page
from sunat.upstream.parser.common import rucs_named
from sunat.upstream.sections import SECTIONS, Section  # noqa: F401 (SECTIONS re-exported for clients)

logger = logging.getLogger(__name__)

FORM_PAGE = "FrameCriterioBusquedaWeb.jsp"
QUERY_ENDPOINT = "jcrS00Alias"
FICHA_PAGE = "ficha"  # the metrics' "page" of the main lookup (a section's is its name)


def interpret_ruc_page(html: str, ruc: str) -> dict:
    """Data for `ruc` from a consPorRuc answer, or the exception that the page means."""
    try:
        # The usual answer is a result page: parse it once, classify only what is not one.
        data, forms = read_ruc_page(html)
    except ParseError:
        raise _page_error(html, ruc) from None
    if data["ruc"] != ruc:
        raise SunatUnavailable(f"SUNAT answered for RUC {data['ruc']!r}, not {ruc}")
    data["secciones"] = [section.name for section in SECTIONS.values() if section.form_name in forms]
    return data


def _page_error(html: str, ruc: str) -> Exception:
    kind = classify_page(html)
    if kind is PageKind.NOT_FOUND:
        return RucNotFound(ruc)
    if kind is PageKind.REJECTED:
        return SunatRejected("SUNAT's firewall rejected the request")
    if kind is PageKind.ERROR:
        return SunatUnavailable(f"SUNAT error page: {error_message(html) or 'no message'}")
    return SunatUnavailable("SUNAT answered a page this service does not recognise")


def interpret_section_page(html: str, ruc: str, section: Section):
    try:
        rows = section.parse(html)
    except ParseError:
        raise _page_error(html, ruc) from None
    # A page that names RUCs but not this one is another taxpayer's (a representative's document
    # may be a RUC too, so only the absence of ours counts).
    named = rucs_named(html)
    if named and ruc not in named:
        raise SunatUnavailable(f"SUNAT's {section.name} page is for RUC {min(named)}, not {ruc}")
    return rows


class SunatClient:
    """Fetches a consPorRuc page; subclasses choose how (plain HTTP, a browser)."""

    name = ""  # SUNAT_CLIENT's value for it: the metrics' "client" label

    def __init__(self, base_url=None, timeout=None, max_attempts=None, backoff=None):
        self.base_url = base_url or settings.SUNAT_BASE_URL
        if not self.base_url.endswith("/"):
            self.base_url += "/"
        self.timeout = settings.SUNAT_TIMEOUT if timeout is None else timeout
        self.max_attempts = max(1, settings.SUNAT_MAX_ATTEMPTS if max_attempts is None else max_attempts)
        self.backoff = settings.SUNAT_RETRY_BACKOFF if backoff is None else backoff

    @property
    def form_url(self) -> str:
        return self.base_url + FORM_PAGE

    @property
    def query_url(self) -> str:
        return self.base_url + QUERY_ENDPOINT

    def fetch_ruc_page(self, ruc: str) -> str:
        """Return SUNAT's answer to consPorRuc as text; raise SunatError on transport failures."""
        raise NotImplementedError

    def fetch_section_page(self, ruc: str, section: Section, razon_social: str) -> str:
        """Return SUNAT's section `section` of a RUC as text; raise SunatError on transport failures."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget the upstream session (cookies) after a failure."""

    def close(self) -> None:
        """Release what the client holds (a browser, connections)."""

    def lookup(self, ruc: str) -> dict:
        """SUNAT's data for a RUC."""
        return self._with_retries(ruc, FICHA_PAGE, lambda: interpret_ruc_page(self.fetch_ruc_page(ruc), ruc))

    def lookup_section(self, ruc: str, section: Section, razon_social: str = ""):
        """What a RUC's section says (its rows, or its value)."""
        return self._with_retries(
            ruc, section.name,
            lambda: interpret_section_page(self.fetch_section_page(ruc, section, razon_social), ruc, section)
        )

    def _attempt(self, ruc: str, page: str, attempt: int, attempt_once, work: budget.Budget):
        """attempt_once(), counted and logged with its outcome and SUNAT's time (without pacing waits)."""
        started, paced, error = time.monotonic(), work.paced, None
        try:
            return attempt_once()
        except BaseException as exc:
            error = exc
            raise
        finally:
            seconds = time.monotonic() - started - (work.paced - paced)
            metrics.sunat_attempt(ruc, page, self.name, attempt, error, max(0.0, seconds))

    def _with_retries(self, ruc: str, page: str, attempt_once):
        """Retry transient SUNAT failures with exponential backoff, all within one budget."""
        with budget.ensure() as work:
            for attempt in range(1, self.max_attempts + 1):
                try:
                    return self._attempt(ruc, page, attempt, attempt_once, work)
                except SunatError as exc:
                    self.reset()
                    if isinstance(exc, SunatRejected):
                        throttle.block_for()  # asking again soon would only make the block longer
                    if not exc.retryable or attempt == self.max_attempts:
                        raise
                    delay = self.backoff * 2 ** (attempt - 1)
                    if exc.transport:  # wait out the failure backoff that it opened, then try as the probe
                        delay = max(delay, throttle.failing_for())
                    if delay >= work.remaining():
                        raise  # no time for another attempt: the real failure says more than the deadline
                    logger.info("SUNAT attempt %d/%d for %s failed (%s); retrying in %.2fs",
                                attempt, self.max_attempts, ruc, exc, delay)
                    work.sleep(delay, "before a retry")
        raise AssertionError("unreachable")

    def request_timeout(self) -> float:
        """The timeout of one request to SUNAT: SUNAT_TIMEOUT, or less if the budget ends sooner."""
        return budget.current().timeout(self.timeout)
