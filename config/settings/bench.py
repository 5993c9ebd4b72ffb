"""The production settings plus one benchmark URL (`python -m devtools.bench.stack`).

Nothing else differs from production: same middleware, cache, database and security settings.
"""

from .production import *  # noqa: F401,F403

ROOT_URLCONF = "devtools.bench.urls"
