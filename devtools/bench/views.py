"""The framework's ceiling for `python -m devtools.bench.stack`: a cached lookup's answer, without the lookup.

The body is read once, at import, from the JSON file named by BENCH_CONSTANT_JSON: the harness
writes there the exact bytes that /api/ruc/<RUC> answers for the benchmark's RUC (and checks
that the two answers are byte for byte equal). The view serialises that dict with the same
json_response, behind the same require_get, and sets the same X-Cache header as the real view:
the only difference from a cached lookup is the lookup itself.
"""

import json
import os
from pathlib import Path

from sunat.responses import json_error, json_response, require_get

_PATH = os.environ.get("BENCH_CONSTANT_JSON", "")
ANSWER = json.loads(Path(_PATH).read_bytes()) if _PATH else None


@require_get
def constant(request):
    if ANSWER is None:
        return json_error(503, "bench_sin_constante", "BENCH_CONSTANT_JSON no está definido.")
    response = json_response(ANSWER)
    response["X-Cache"] = "HIT"
    return response
