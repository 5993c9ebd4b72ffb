import os
import subprocess

import pytest
from django.core.cache import cache

from devtools.replica import ReplicaServer
from sunat import process

FAST_TIER = "not browser and not servers and not slow"


def pytest_addoption(parser):
    parser.addoption("--fast", action="store_true",
                     help=f"make test-fast: only the tests marked neither browser, servers nor slow ({FAST_TIER}), "
                          "and any of them that starts a program fails")


def pytest_configure(config):
    if config.getoption("fast"):
        given = config.option.markexpr
        config.option.markexpr = f"({given}) and {FAST_TIER}" if given else FAST_TIER


def pytest_collection_modifyitems(items):
    # pytest-xdist schedules by node id: two tests of one id run once and report once, and the rest
    # vanish from the count without a failure (a plugin building ids its own way did that once).
    seen, repeated = set(), set()
    for item in items:
        (repeated if item.nodeid in seen else seen).add(item.nodeid)
    if repeated:
        raise pytest.UsageError("tests with the same id (pytest-xdist would run one of each): "
                                + ", ".join(sorted(repeated)[:5]))


@pytest.fixture(autouse=True, scope="session")
def fast_tier_starts_no_program(request):
    """The fast tier's promise, kept: a test that starts a program (a server, Chromium, manage.py...)
    without its marker fails here, instead of slowing the tier down unnoticed. Only while tests run:
    pytest-xdist starts its workers, and they ask uname, before."""
    if not request.config.getoption("fast"):
        yield
        return

    def refuse(self, args, *rest, **kwargs):
        program = os.path.basename(str(args[0] if isinstance(args, (list, tuple)) else args))
        raise RuntimeError(f"{program}: a test of make test-fast starts no program; mark it servers or browser")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess.Popen, "_execute_child", refuse)
        yield


@pytest.fixture(autouse=True)
def fresh_process():
    # Each test starts on a process of its own (sunat.process: the scheduler and its queued work,
    # counts, kept answers, copies of the cache and the registers, ...) and an empty cache (LocMem
    # per process, or the private redis-server the runner started); nothing of it reaches the next.
    cache.clear()
    process.reset()
    yield
    process.reset()
    cache.clear()


@pytest.fixture
def replica(settings):
    """A local SUNAT on a free loopback port, with the service pointed at it."""
    with ReplicaServer() as server:
        settings.SUNAT_BASE_URL = server.url
        yield server
