import pytest
from django.core.cache import cache

from sunat.replica import ReplicaServer


@pytest.fixture(autouse=True)
def empty_cache():
    # Tests own the cache: LocMem per process, or the private redis-server the runner started.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def replica(settings):
    """A local SUNAT on a free loopback port, with the service pointed at it."""
    with ReplicaServer() as server:
        settings.SUNAT_BASE_URL = server.url
        yield server
