"""gunicorn's ceiling for `python -m devtools.bench.stack`: a WSGI callable with no Django at all.

It answers every request with the bytes of BENCH_CONSTANT_JSON and the headers the API sends
for them (the harness checks the bytes), so that next to the constant view it shows what the
server and the proxy cost before the framework's first line runs.
"""

import os
from pathlib import Path

from sunat.responses import CONTENT_TYPE

_BODY = Path(os.environ["BENCH_CONSTANT_JSON"]).read_bytes()
_HEADERS = [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(_BODY))), ("X-Cache", "HIT")]


def application(environ, start_response):
    start_response("200 OK", list(_HEADERS))
    return [_BODY]
