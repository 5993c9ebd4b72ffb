"""What can go wrong when asking SUNAT, as the rest of the service sees it."""


class RucNotFound(Exception):
    """SUNAT says the RUC does not exist ("consultado no es válido")."""


class NotInPadron(RucNotFound):
    """The imported Padrón Reducido has no row for the RUC (asked with ?fuente=padron)."""


class SunatError(Exception):
    """SUNAT could not answer; `retry_after` (seconds) is what we suggest to the caller."""

    retry_after = 60
    retryable = True

    def __init__(self, message: str = "", retry_after: int | None = None):
        super().__init__(message)
        if retry_after is not None:
            self.retry_after = retry_after


class SunatUnavailable(SunatError):
    """Connection failure, an HTTP error, SUNAT's error page or a page we do not recognise."""


class SunatRejected(SunatUnavailable):
    """SUNAT's firewall rejected us; asking again soon makes the block longer."""

    retry_after = 300
    retryable = False


class SunatBlocked(SunatUnavailable):
    """We stopped asking SUNAT for a while after its firewall rejected us."""

    retryable = False


class SunatTimeout(SunatError):
    """SUNAT did not answer within SUNAT_TIMEOUT."""

    retry_after = 30
