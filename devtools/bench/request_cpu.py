"""One process's CPU per cached lookup, through Django's whole request path in one thread (no
server, no network): `python -m devtools.bench.request_cpu REQUESTS` in the environment of the
set-up to measure (devtools.bench.monitoring runs it). Prints the microseconds of CPU per request."""

import json
import os
import sys
import time

import django


def main() -> None:
    requests = int(sys.argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    django.setup()
    from django.test import Client

    from devtools.bench.serving import RUC

    client = Client(HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
    assert client.get(f"/api/ruc/{RUC}").status_code == 200  # a miss: the replica, then the cache
    for _ in range(200):  # warm
        client.get(f"/api/ruc/{RUC}")
    started = time.process_time()
    for _ in range(requests):
        client.get(f"/api/ruc/{RUC}")
    print(json.dumps({"us_per_request": (time.process_time() - started) / requests * 1e6}))


if __name__ == "__main__":
    main()
