"""devtools.bench.monitoring's baseline: the benchmark settings without the request metrics and logs."""

from config.settings.bench import *  # noqa: F401,F403
from config.settings.bench import MIDDLEWARE

MIDDLEWARE = [name for name in MIDDLEWARE if name != "sunat.monitoring.middleware.RequestMonitoringMiddleware"]
