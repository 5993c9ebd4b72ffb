import os
import subprocess

import pytest
from django.core.cache import cache

from devtools.replica import ReplicaServer
from sunat import caching
from sunat.lookups import unsaved
from sunat.monitoring import tally
from sunat.registers import annotations
from sunat.upstream import scheduler

FAST_TIER = "not browser and not servers and not slow"


def pytest_addoption(parser):
    parser.addoption("--fast", action="store_true",
                     help=f"make test-fast: only the tests marked neither browser, servers nor slow ({FAST_TIER}), "
                          "and any of them that starts a program fails")


def pytest_configure(config):
    if config.getoption("fast"):
        given = config.option.markexpr
        config.option.markexpr = f"({given}) and {FAST_TIER}" if given else FAST_TIER
        _refuse_programs()


def _refuse_programs():
    """The fast tier's promise, kept: a test that starts a program (a server, Chromium, manage.py...)
    without its marker fails here, instead of slowing the tier down unnoticed."""

    def refuse(self, args, *rest, **kwargs):
        program = os.path.basename(str(args[0] if isinstance(args, (list, tuple)) else args))
        raise RuntimeError(f"{program}: a test of make test-fast starts no program; mark it servers or browser")

    subprocess.Popen._execute_child = refuse


@pytest.fixture(autouse=True)
def fresh_scheduler():
    # Work a test left queued (a pending batch item) must not reach the next test's replica.
    yield
    scheduler.shutdown(wait_for=10)


@pytest.fixture(autouse=True)
def fresh_tally():
    # A test's counts (sunat.monitoring.tally), and answers it kept while its database refused them
    # (sunat.lookups.unsaved), are written by that test or not at all.
    tally.discard()
    unsaved.forget()
    yield
    tally.discard()
    unsaved.forget()


@pytest.fixture(autouse=True)
def empty_cache():
    # Tests own the cache: LocMem per process, or the private redis-server the runner started.
    cache.clear()
    caching.clear_local_copies()
    annotations.forget()  # the registers and padrón version a test saw are not the next one's
    yield
    cache.clear()
    caching.clear_local_copies()
    annotations.forget()


@pytest.fixture
def replica(settings):
    """A local SUNAT on a free loopback port, with the service pointed at it."""
    with ReplicaServer() as server:
        settings.SUNAT_BASE_URL = server.url
        yield server
