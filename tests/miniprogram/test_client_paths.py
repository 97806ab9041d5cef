"""The mini-program uses only endpoints the OpenAPI schema defines (API.md), with the right methods."""

import re
from pathlib import Path

import pytest
import yaml

CLIENT = Path(__file__).resolve().parents[2] / "miniprogram" / "services" / "api.js"
CALL = re.compile(r"(?:request|rawRequest|said)\(\{\s*(?:method: '(?P<method>[A-Z]+)',\s*)?path: [`'](?P<path>[^`']+)[`']")


def client_calls() -> set[tuple[str, str]]:
    calls = set()
    for match in CALL.finditer(CLIENT.read_text(encoding="utf-8")):
        path = re.sub(r"\$\{query\(.*?\)\}", "", match["path"])  # the query string is not part of the path
        path = re.sub(r"\$\{[^}]+\}", "{}", path)  # ${id} → a path parameter
        calls.add(((match["method"] or "GET").lower(), "/api/v1/" + path))
    return calls


@pytest.mark.django_db
def test_every_client_call_is_in_the_schema(anon_client):
    schema = yaml.safe_load(anon_client.get("/api/schema/").content)
    defined = {(method, re.sub(r"\{[^}]+\}", "{}", path)) for path, ops in schema["paths"].items() for method in ops}
    calls = client_calls()
    assert len(calls) >= 20  # the parser found the client's endpoints (a broken regex must not pass vacuously)
    assert calls <= defined, sorted(calls - defined)


def test_the_parser_reads_methods_parameters_and_queries():
    calls = client_calls()
    assert ("put", "/api/v1/waitlist/{}/respond") in calls
    assert ("delete", "/api/v1/makeup/{}/cancel") in calls
    assert ("get", "/api/v1/compensation/balance") in calls
    assert ("post", "/api/v1/auth/wechat-login") in calls
