"""Every Schemathesis check against the running API (pytest-django's live server: real HTTP), as the
issue's run did: the examples, coverage and fuzzing phases over every operation of /api/schema, an API
key supplied for the operations that need one. A client generated from the document is never surprised.
"""

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from sunat.keys import services as api_keys

# Every check Schemathesis runs by default (max_response_time needs a limit); each must have run.
EVERY_CHECK = {
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
    "response_headers_conformance", "positive_data_acceptance", "negative_data_rejection", "use_after_free",
    "ensure_resource_availability", "missing_required_header", "ignored_auth", "object_level_authorization",
    "unsupported_method", "allow_header_conformance",
}
_ACCEPTANCE = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # Schemathesis' default
# What no JSON Schema can say, and the operation's description says instead: a request valid by the
# schema may still be refused with 400 there. GET /api/buscar: pagina × por_pagina at most
# PADRON_SEARCH_MAX_RESULTS (a product of two parameters). PUT /api/webhook: the URL's host must
# resolve, to public addresses only (DNS, at the time of the request). GET /api/tipo-cambio: fecha, or
# desde and hasta together, desde not after hasta, at most 366 days apart, none after today in Lima (a
# bound that moves) nor before 2000-01-01 (dependencies between parameters). POST
# /api/comprobantes/validar: a serie's letter per tipo, a date that exists and is not in the future,
# monto's decimals and when it is required (the operation's description lists them).
BEYOND_SCHEMA = [
    {"include-operation-id": operation, "checks": {"positive_data_acceptance": {"expected-statuses":
                                                                                [*_ACCEPTANCE, "400"]}}}
    for operation in ("buscar", "configurar_webhook", "tipoDeCambio", "validar_comprobante")
]


def run_every_check(base_url: str, key: str) -> tuple[list[str], list[str], set[str], int]:
    """Failures, errors, the checks that ran, and how many requests were checked."""
    config = SchemathesisConfig.from_dict({
        "workers": 1,
        "generation": {"max-examples": 10},
        "auth": {"openapi": {"claveApi": {"bearer": key}}},
        "operations": BEYOND_SCHEMA,
    })
    schema = schemathesis.openapi.from_url(f"{base_url}/api/schema", config=config)
    failures, errors, ran, requests = [], [], set(), 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for checks in event.recorder.checks.values():
                requests += 1
                for check in checks:
                    ran.add(check.name)
                    if check.status == Status.FAILURE:
                        failures.append(f"{event.recorder.label} {check.name}: {check.failure_info.failure.title}"
                                        f"\n{check.failure_info.code_sample}")
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            errors.append(repr(event.exception))
    return failures, errors, ran, requests


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # the live server's threads see what the test writes
def test_every_schemathesis_check_passes_against_the_live_api(api, live_server):
    _, key = api_keys.create_key("schemathesis", per_minute=1_000_000, per_day=10_000_000)

    failures, errors, ran, requests = run_every_check(live_server.url, key)

    assert not errors, "\n".join(errors)
    assert not failures, "\n\n".join(failures)
    assert ran == EVERY_CHECK
    assert requests > 500  # every operation was exercised, not just reached
