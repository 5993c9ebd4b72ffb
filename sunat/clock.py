"""Times as the API writes them (actualizadoEn, detectadoEn...): UTC, YYYY-MM-DDTHH:MM:SSZ."""

from datetime import UTC, datetime

API_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def api_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(API_TIME_FORMAT)
