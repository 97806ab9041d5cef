"""Prometheus metrics at /metrics (RULES §16): django-prometheus' HTTP, database and cache series,
plus the business gauges the apps above register, read from the database at scrape time.

The page is for the scraper only. It answers to an address in METRICS_ALLOWED_IPS (default
loopback) or to `Authorization: Bearer $METRICS_TOKEN`; anyone else gets the same 404 as an unknown
address, so the page does not reveal that it exists. It is a plain Django view, outside the API
and its schema.

The kernel imports no app above it: an app that reads its own tables at scrape time registers a
collector in its `AppConfig.ready()` (`scrape_collector_register`), the one extension point here.
"""

import glob
import hmac
import ipaddress
import logging
import os
from dataclasses import dataclass

import prometheus_client
from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)
# No `*_created` series beside every counter and histogram: Prometheus' text format shows them as
# gauges of their own, doubling the series for a timestamp nothing here uses.
prometheus_client.disable_created_metrics()

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


class _EveryProcessSeries:
    """The files every process of every service wrote under METRICS_MULTIPROC_DIR
    (core/metrics_processes.py), merged: counters and histograms summed over the processes."""

    def __init__(self, root: str):
        self.root = root

    def collect(self):
        files = glob.glob(os.path.join(self.root, "*", "*.db"))
        return multiprocess.MultiProcessCollector.merge(files, accumulate=True)


def metrics_registry() -> CollectorRegistry:
    """A registry for one scrape. With METRICS_MULTIPROC_DIR set (gunicorn workers and Celery
    processes) the process series are the sum over every process's files; otherwise this process's.
    The registered business collectors are added either way: they read the database, not a process."""
    registry = CollectorRegistry(auto_describe=False)
    if settings.METRICS_MULTIPROC_DIR:
        registry.register(_EveryProcessSeries(settings.METRICS_MULTIPROC_DIR))
    else:
        registry.register(_ProcessSeries())
    registry.register(_Guarded(_scrape_collectors))
    return registry


class _Guarded:
    """The registered collectors, each on its own: one that fails (the database is down) is logged
    and reported as `studio_scrape_collector_up 0`, and the rest of the page is still served."""

    def __init__(self, collectors: list):
        self.collectors = collectors

    def collect(self):
        up = GaugeMetricFamily(
            "studio_scrape_collector_up",
            "1 if a collector of business series read its figures at this scrape, 0 if it failed.",
            labels=["collector"],
        )
        for collector in self.collectors:
            name = type(collector).__name__
            try:
                families = list(collector.collect())
            except Exception:
                logger.exception("Metrics collector %s failed", name)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from families
        yield up


@dataclass(frozen=True)
class CountOnCommit:
    """A counter's increment waiting for its transaction's commit (tests tell these apart from the
    work a commit starts, such as publishing notifications)."""

    counter: object
    amount: float

    def __call__(self) -> None:
        self.counter.inc(self.amount)


def count_on_commit(counter, amount: float = 1) -> None:
    """Adds to a counter (a labelled child) once the current transaction commits, at once outside
    one: a transaction rolled back (a refusal, a deadlock retried) counts nothing, and a retried
    one counts once."""
    if amount:
        transaction.on_commit(CountOnCommit(counter, amount), robust=True)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_access_allowed(request):
        raise Http404
    page = prometheus_client.generate_latest(metrics_registry())
    return HttpResponse(page, content_type=prometheus_client.CONTENT_TYPE_LATEST)
