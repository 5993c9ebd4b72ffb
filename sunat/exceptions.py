"""What can go wrong when asking SUNAT, as the rest of the service sees it."""


class RucNotFound(Exception):
    """SUNAT says the RUC does not exist ("consultado no es válido")."""


class NotInPadron(RucNotFound):
    """The imported Padrón Reducido has no row for the RUC (asked with ?fuente=padron)."""


class SunatError(Exception):
    """SUNAT could not answer; `retry_after` (seconds) is what we suggest to the caller."""

    retry_after = 60
    retryable = True
    # A transport failure (no answer at all) feeds the short backoff of sunat.upstream.throttle.
    transport = False

    def __init__(self, message: str = "", retry_after: int | None = None):
        super().__init__(message)
        if retry_after is not None:
            self.retry_after = retry_after


class SunatUnavailable(SunatError):
    """Connection failure, an HTTP error, SUNAT's error page or a page we do not recognise."""


class SunatUnreachable(SunatUnavailable):
    """No answer came back at all: connection refused or reset, a network error.

    Such failures (and timeouts) open a short, growing backoff for everyone (sunat.upstream.throttle),
    not the long firewall cooldown: a SUNAT restart costs seconds.
    """

    transport = True


class SunatRejected(SunatUnavailable):
    """SUNAT's firewall rejected us; asking again soon makes the block longer."""

    retry_after = 300
    retryable = False


class SunatRefused(SunatUnavailable):
    """SUNAT answered, but refused the way we asked (every flow tried: sunat.upstream.flows).

    Not the firewall's block: asking the same way again soon gets the same answer, so it is not
    retried, and it opens no cooldown.
    """

    retryable = False


class FlowRefused(SunatRefused):
    """One flow was refused (HTTP 401/403/404, the search form again, an error page): the next
    flow is tried."""


class BrowserFailed(SunatUnavailable):
    """The browser itself failed (it would not start, it crashed): says nothing of SUNAT."""


class SunatBlocked(SunatUnavailable):
    """We stopped asking SUNAT for a while: its firewall rejected us, or it failed to answer."""

    retryable = False


class SunatBusy(SunatUnavailable):
    """This service has as much SUNAT work queued as it may: asked again in a few seconds."""

    retry_after = 5
    retryable = False


class SunatTimeout(SunatError):
    """SUNAT did not answer within SUNAT_TIMEOUT."""

    retry_after = 30
    transport = True


class DeadlineExceeded(SunatTimeout):
    """The request's SUNAT_DEADLINE ran out (waiting for a turn, retrying), or nobody waits any more."""

    retry_after = 10
    retryable = False
    transport = False
    before_sending = False  # set when it ran out waiting for a pacing slot: nothing reached SUNAT


def refused_by(exc: BaseException) -> bool:
    """Whether a failure means that SUNAT answered but refused the way it was asked: a refused flow, an
    error page, a page that is not an answer (not the firewall, a cooldown, no answer, or a browser
    that failed by itself)."""
    return isinstance(exc, SunatUnavailable) and not isinstance(
        exc, (SunatRejected, SunatBlocked, SunatBusy, SunatUnreachable, BrowserFailed))


class CpeNotConfigured(Exception):
    """SUNAT's official API has no credentials here (SUNAT_API_CLIENT_ID, SUNAT_API_CLIENT_SECRET, SUNAT_API_RUC)."""


class CpeCredentialsRefused(SunatRefused):
    """SUNAT's token endpoint refused the API credentials: asking again gets the same answer."""

    retry_after = 300


class CpeRefused(SunatRefused):
    """SUNAT's API answered `success: false` for the question; the message is SUNAT's, cleaned."""
