"""A Django cache backend: django-redis behind a circuit breaker.

It imports nothing of the service: pyproject.toml's [tool.importlinter] forbids it.
"""

from resilient_cache.backend import ResilientRedisCache

__all__ = ["ResilientRedisCache"]
