"""Every family of keys the service keeps in Django's cache, spelled here and nowhere else.

All start with `sunat:`; `manage.py clear_ruc_cache` removes `sunat:ruc:*` only.
"""

RUC_PREFIX = "sunat:ruc:"

# Pacing, cooldowns and the failure backoff (sunat.upstream.throttle).
PACE = "sunat:upstream:last-request"
BLOCKED_UNTIL = "sunat:upstream:blocked-until"
FAILING = "sunat:upstream:failing"  # {"until": epoch seconds, "failures": n in a row}
PROBE = "sunat:upstream:probe"  # held by the one request that tries after a backoff

# Which way of asking SUNAT works (sunat.upstream.flows.choice).
FLOW = "sunat:upstream:flow"  # {"flow", "since", "checked", "answered"}: the flow in use
STORED_CHECK = "sunat:upstream:stored-check"  # {"at", "accepted"} of the newest SunatCheck, for a minute
NO_FLOW = "sunat:upstream:no-flow"  # {"since", "last", "detail"}: while every flow is refused

PADRON_VERSION = "sunat:padron:version"


def register_version(name: str) -> str:
    """The version in use of one of SUNAT's other registers (sunat.padron.registers)."""
    return f"sunat:register:{name}:version"


def ruc(ruc: str, section: str | None = None) -> str:
    """A lookup's answer: `sunat:ruc:<ruc>`, or `sunat:ruc:<ruc>:<section>` for a sub-page."""
    return f"{RUC_PREFIX}{ruc}:{section}" if section else f"{RUC_PREFIX}{ruc}"


def refresh_marker(key: str) -> str:
    """Present while a background refresh of `key` runs or recently failed."""
    return f"sunat:refresh:{key}"


def flight_lease(key: str) -> str:
    """The Redis lease of the process asking SUNAT for `key` (sunat.upstream.singleflight)."""
    return f"sunat:flight:{key}"


def flight_error(key: str) -> str:
    """A leader's failure for `key`, read by the processes that waited for it."""
    return f"sunat:flight-error:{key}"


def api_key_row(prefix: str) -> str:
    """What a request needs of an API key, found by its prefix (sunat.keys.services)."""
    return f"sunat:apikey:{prefix}"


def quota_minute(prefix: str, minute: int) -> str:
    return f"sunat:quota:{prefix}:m:{minute}"


def quota_day(prefix: str, day: str) -> str:
    return f"sunat:quota:{prefix}:d:{day}"


def cache_probe(token: str) -> str:
    """A throwaway key written and read back to see whether the cache answers."""
    return f"sunat:probe:{token}"
