"""Prometheus metrics at /metrics (RULES §16): django-prometheus' HTTP, database and cache series,
plus the business gauges the apps above register, read from the database at scrape time.

The page is for the scraper only. It answers to an address in METRICS_ALLOWED_IPS (default
loopback) or to `Authorization: Bearer $METRICS_TOKEN`; anyone else gets the same 404 as an unknown
address, so the page does not reveal that it exists. It is a plain Django view, outside the API
and its schema.

The kernel imports no app above it: an app that reads its own tables at scrape time registers a
collector in its `AppConfig.ready()` (`scrape_collector_register`), the one extension point here.
"""

import hmac
import ipaddress
import os

import prometheus_client
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, multiprocess

_scrape_collectors: list = []


def scrape_collector_register(collector) -> None:
    """Adds a collector (an object with `collect()` yielding metric families) to every scrape.
    One per class: `ready()` may run more than once."""
    if not any(type(known) is type(collector) for known in _scrape_collectors):
        _scrape_collectors.append(collector)


def metrics_client_address(request: HttpRequest) -> str:
    """The scraper's address. nginx overwrites X-Forwarded-For with its $remote_addr
    (deploy/nginx.conf), so behind it the header is the client and REMOTE_ADDR (nginx, loopback)
    is not; without a proxy REMOTE_ADDR is the client."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _address_allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(allowed, strict=False) for allowed in settings.METRICS_ALLOWED_IPS)


def _token_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not token or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), token.encode())


def metrics_access_allowed(request: HttpRequest) -> bool:
    return _token_allowed(request) or _address_allowed(metrics_client_address(request))


class _ProcessSeries:
    """This process's own series (the default registry) as one collector of a scrape's registry."""

    def collect(self):
        return prometheus_client.REGISTRY.collect()


def metrics_registry() -> CollectorRegistry:
    """A registry for one scrape. With PROMETHEUS_MULTIPROC_DIR set (gunicorn workers and Celery
    processes) the process series are the sum over every process's files; otherwise this process's.
    The registered business collectors are added either way: they read the database, not a process."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessSeries())
    for collector in _scrape_collectors:
        registry.register(collector)
    return registry


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_access_allowed(request):
        raise Http404
    page = prometheus_client.generate_latest(metrics_registry())
    return HttpResponse(page, content_type=prometheus_client.CONTENT_TYPE_LATEST)
