"""The text /metrics answers: every gunicorn worker's values added up (prometheus-client's
multiprocess mode, when PROMETHEUS_MULTIPROC_DIR is set), or this process's, and the state read now."""

import os

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

from sunat.operators.state import StateCollector


def latest() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
        events = b""
    else:
        events = generate_latest(REGISTRY)
    registry.register(StateCollector())
    return events + generate_latest(registry)
