"""X-Request-ID: a sane incoming id is echoed, anything else is replaced by a fresh uuid4 hex."""

import re

import pytest

from core.logging import current_request_id

GENERATED = re.compile(r"[0-9a-f]{32}")

pytestmark = pytest.mark.django_db


def test_a_response_carries_a_generated_request_id(client):
    first = client.get("/healthz")
    second = client.get("/healthz")
    assert GENERATED.fullmatch(first["X-Request-ID"])
    assert GENERATED.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize("incoming", ["9f1c2e7a0b3d4c5e8f9a1b2c3d4e5f60", "nginx-req.42_A", "x" * 64, "1"])
def test_a_sane_incoming_request_id_is_echoed(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    [
        "x" * 65,  # too long
        "abc def",  # space
        'abc"def',  # quote: would break a log line
        "abc\\ndef",  # escape sequences
        "abc\ndef",  # a newline: would forge a second log line
        "id;rm -rf /",  # shell-ish
        "名额",  # not ASCII
        "",  # empty: as if absent
    ],
)
def test_an_insane_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] != incoming
    assert GENERATED.fullmatch(response["X-Request-ID"])


def test_api_errors_carry_the_request_id_too(client):
    response = client.get("/api/v1/no-such-thing", HTTP_X_REQUEST_ID="err-1")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "err-1"


def test_the_id_does_not_outlive_its_request(client):
    client.get("/healthz", HTTP_X_REQUEST_ID="gone-after")
    assert current_request_id() == "-"
