"""A Django cache backend (django-redis behind a circuit breaker) that imports nothing from the service."""

from resilient_cache.backend import ResilientRedisCache

__all__ = ["ResilientRedisCache"]
