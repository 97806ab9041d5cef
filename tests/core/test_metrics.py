"""/metrics (RULES §16): who may read it, and that it is Prometheus' text format outside the API."""

import pytest
import yaml
from django.core.cache import cache
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db


def scrape(client: Client, **extra):
    return client.get("/metrics", **extra)


def families(response) -> dict:
    return {family.name: family for family in text_string_to_metric_families(response.content.decode())}


def test_loopback_reads_the_metrics_in_prometheus_text_format(client):
    cache.get("metrics-probe")  # a miss, counted by the cache backend (locmem or Redis)
    response = scrape(client, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    names = families(response)
    # django-prometheus' HTTP and database series are there (this request and the test's queries).
    assert "django_http_requests_latency_seconds_by_view_method" in names
    assert "django_db_execute" in names
    assert names["django_cache_get"].samples[0].value >= 1


def test_ipv6_loopback_is_allowed(client):
    assert scrape(client, REMOTE_ADDR="::1").status_code == 200


def test_another_address_gets_the_plain_404_of_an_unknown_page(client):
    response = scrape(client, REMOTE_ADDR="203.0.113.7")
    unknown = client.get("/no-such-page", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 404
    assert response.content == unknown.content  # not the API envelope, nothing that tells it exists
    assert b"django_http" not in response.content


def test_behind_nginx_the_forwarded_address_decides(client):
    # nginx connects from loopback and overwrites X-Forwarded-For with the real client.
    assert scrape(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 404
    assert scrape(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200


def test_a_network_in_the_allow_list_admits_its_addresses(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.1.0.0/16"]
    assert scrape(client, REMOTE_ADDR="10.1.200.3").status_code == 200
    assert scrape(client, REMOTE_ADDR="10.2.0.1").status_code == 404
    assert scrape(client, REMOTE_ADDR="127.0.0.1").status_code == 404


def test_the_bearer_token_admits_any_address(client, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    response = scrape(client, REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")
    assert response.status_code == 200
    assert "django_http_requests_latency_seconds_by_view_method" in families(response)


@pytest.mark.parametrize(
    "header", ["Bearer wrong-token", "Bearer ", "s3cret-scrape-token", "Basic s3cret-scrape-token"]
)
def test_a_wrong_token_gets_404(client, settings, header):
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    assert scrape(client, REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION=header).status_code == 404


def test_without_a_token_configured_an_empty_bearer_is_refused(client, settings):
    settings.METRICS_TOKEN = ""
    assert scrape(client, REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_the_api_schema_does_not_list_metrics(anon_client):
    paths = yaml.safe_load(anon_client.get("/api/schema/").content)["paths"]
    assert paths  # the schema itself is there
    assert not [path for path in paths if "metrics" in path]
