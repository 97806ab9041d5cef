"""Django's own Redis cache, counting gets, hits, misses and failures in django-prometheus' cache
series (RULES §16). django-prometheus ships the same class, but in a module that needs django-redis,
which the project does not use."""

from django.core.cache.backends.redis import RedisCache
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)

_BACKEND = "redis"


class CountingRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        django_cache_get_total.labels(backend=_BACKEND).inc()
        try:
            value = super().get(key, default=None, version=version)
        except Exception:
            django_cache_get_fail_total.labels(backend=_BACKEND).inc()
            raise
        if value is None:
            django_cache_misses_total.labels(backend=_BACKEND).inc()
            return default
        django_cache_hits_total.labels(backend=_BACKEND).inc()
        return value
