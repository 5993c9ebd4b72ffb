"""The production settings plus one benchmark URL (`python -m devtools.bench.stack`).

Nothing else differs from production: same middleware (unless BENCH_WITHOUT_MONITORING), cache,
database and security settings.
"""

from .production import *  # noqa: F401,F403

ROOT_URLCONF = "devtools.bench.urls"

# devtools.bench.monitoring's baseline: the same stack without the request metrics and logs.
if env.bool("BENCH_WITHOUT_MONITORING", default=False):  # noqa: F405
    MIDDLEWARE = [name for name in MIDDLEWARE if  # noqa: F405
                  name != "sunat.monitoring.middleware.RequestMonitoringMiddleware"]
