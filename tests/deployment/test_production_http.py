"""Under the production settings: /healthz answers over plain HTTP (the load balancer's probe is exempt
from the HTTPS redirect), everything else is redirected, HTTPS answers carry HSTS, and the logs are
JSON lines with the request id. Once through Django's test client, once through gunicorn itself
with deploy/gunicorn.conf.py."""

import json
import sys

from tests.deployment.processes import free_port, get, gunicorn_serving, production_env, run

PROBE = """
import json
import django
django.setup()
from django.test import Client

client = Client()

def answer(path, **headers):
    response = client.get(path, HTTP_HOST="studio.example.com", **headers)
    return {"status": response.status_code, "location": response.get("Location"),
            "hsts": response.get("Strict-Transport-Security"), "request_id": response.get("X-Request-ID"),
            "body": response.content.decode()}

print(json.dumps({
    "plain_healthz": answer("/healthz", HTTP_X_REQUEST_ID="lb-probe-1"),
    "plain_docs": answer("/api/docs/"),
    "https_healthz": answer("/healthz", HTTP_X_FORWARDED_PROTO="https"),
    "https_missing": answer("/api/v1/no-such-thing", HTTP_X_FORWARDED_PROTO="https", HTTP_X_REQUEST_ID="probe-404"),
}))
"""


def test_healthz_answers_over_plain_http_and_the_rest_is_redirected(tmp_path):
    result = run([sys.executable, "-c", PROBE], production_env(tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)

    plain = answers["plain_healthz"]
    assert plain["status"] == 200, plain
    assert json.loads(plain["body"])["db"] == "ok"
    assert plain["request_id"] == "lb-probe-1"

    assert answers["plain_docs"]["status"] == 301
    assert answers["plain_docs"]["location"] == "https://studio.example.com/api/docs/"

    secure = answers["https_healthz"]
    assert secure["status"] == 200
    assert secure["hsts"] == "max-age=31536000; includeSubDomains; preload"


def test_production_logs_are_json_lines_with_the_request_id(tmp_path):
    result = run([sys.executable, "-c", PROBE], production_env(tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["https_missing"]["status"] == 404
    lines = [line for line in result.stderr.splitlines() if "no-such-thing" in line]
    assert len(lines) == 1, result.stderr
    record = json.loads(lines[0])
    assert record["logger"] == "django.request"
    assert record["level"] == "WARNING"
    assert record["message"] == "Not Found: /api/v1/no-such-thing"
    assert record["request_id"] == "probe-404"


def test_gunicorn_with_the_deploy_config_serves_healthz_over_plain_http(tmp_path):
    port = free_port()
    env = production_env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1", GUNICORN_THREADS="2")
    with gunicorn_serving(env, tmp_path, port, {"X-Request-ID": "lb-probe-7"}) as served:
        docs = get(port, "/api/docs/", {})
    health, access_log, error_log = served.health, served.access_log, served.error_log

    assert health.status == 200, (health.body, error_log)
    assert json.loads(health.body)["db"] == "ok"
    assert health.getheader("X-Request-ID") == "lb-probe-7"
    assert docs.status == 301
    assert docs.getheader("Location") == "https://studio.example.com/api/docs/"
    assert '"GET /healthz HTTP/1.1" 200' in access_log, access_log
    assert "request_id=lb-probe-7" in access_log
