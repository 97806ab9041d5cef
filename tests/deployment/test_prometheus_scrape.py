"""RULES §16 end to end with a real Prometheus (Debian's package, installed with the tests' system
packages): it scrapes gunicorn (two workers, production settings, multi-process mode) through a
stand-in for nginx, with the bearer token of the shipped example config, and its query API answers
the business series with the values the processes counted.

The stand-in does what deploy/nginx.conf does for /metrics once TLS is terminated: it sets
X-Forwarded-Proto, the site's Host and X-Forwarded-For to the client's address. The client address
it reports is a documentation address (203.0.113.9), as for a Prometheus on another host, so only
the token lets the scrape in.
"""

import http.client
import http.server
import json
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from tests.deployment.processes import ROOT, free_port, get, gunicorn_serving, production_env, run

PROMETHEUS = "/usr/bin/prometheus"
REMOTE_SCRAPER = "203.0.113.9"

SETUP = """
from core.metrics_processes import metrics_directory_prepare
metrics_directory_prepare("worker")
import django
django.setup()
from datetime import timedelta
from django.utils import timezone
from core.models import Heartbeat
from notifications.metrics import notification_counted
Heartbeat.objects.update_or_create(name="worker", defaults={"seen_at": timezone.now() - timedelta(minutes=5)})
notification_counted(template="waitlist_closed", channel="wechat", status="sent", times=3)
notification_counted(template="waitlist_closed", channel="wechat", status="failed", errcode=43101)
"""


class _Nginx(http.server.BaseHTTPRequestHandler):
    upstream_port: int

    def do_GET(self):
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=10)
        headers = {
            "Host": "studio.example.com",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": REMOTE_SCRAPER,
        }
        if "Authorization" in self.headers:
            headers["Authorization"] = self.headers["Authorization"]
        upstream.request("GET", self.path, headers=headers)
        answer = upstream.getresponse()
        body = answer.read()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.getheader("Content-Type", "text/plain"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        upstream.close()

    def log_message(self, *args):
        pass


def _proxy(upstream_port: int) -> http.server.ThreadingHTTPServer:
    handler = type("Nginx", (_Nginx,), {"upstream_port": upstream_port})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _api(port: int, path: str, **params) -> dict:
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", f"/api/v1/{path}{query}")
    body = json.loads(connection.getresponse().read())
    connection.close()
    return body


def _until(condition, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while True:
        answer = condition()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def _scrape_config(tmp_path: Path, target: str, token: str) -> Path:
    """The shipped example config with this test's target, token file and rules file."""
    import yaml

    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    config["global"].update({"scrape_interval": "1s", "evaluation_interval": "1s"})
    (job,) = config["scrape_configs"]
    credentials = tmp_path / "metrics_token"
    credentials.write_text(token)
    job["authorization"]["credentials_file"] = str(credentials)
    job["scheme"] = "http"  # the stand-in for nginx listens without TLS
    job["static_configs"] = [{"targets": [target]}]
    config["rule_files"] = [str(ROOT / "deploy" / "prometheus" / "alerts.yml")]
    config.pop("alerting", None)
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_a_real_prometheus_scrapes_the_business_series_and_evaluates_the_rules(tmp_path):
    assert shutil.which(PROMETHEUS), "prometheus is installed by bin/install-system-deps --test"
    token = "t0ken-" + "x" * 40
    env = production_env(
        tmp_path,
        METRICS_MULTIPROC_DIR=str(tmp_path / "metrics"),
        METRICS_TOKEN=token,
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="1",
    )
    migrated = run([sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input"], env, tmp_path)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    setup = run([sys.executable, "-c", SETUP], env, tmp_path)
    assert setup.returncode == 0, setup.stderr[-3000:]

    port = free_port()
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    with gunicorn_serving(env, tmp_path, port) as served:
        nginx = _proxy(port)
        target = f"127.0.0.1:{nginx.server_address[1]}"
        without_token = get(nginx.server_address[1], "/metrics", {})
        assert without_token.status == 404  # a remote scraper without the token sees nothing

        web = free_port()
        log = (tmp_path / "prometheus.log").open("w")
        prometheus = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={_scrape_config(tmp_path, target, token)}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{web}",
            ],
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            assert _until(lambda: _ready(web, prometheus)), (tmp_path / "prometheus.log").read_text()[-3000:]
            sent = _until(
                lambda: (
                    _api(web, "query", query='studio_notifications_total{channel="wechat",status="sent"}')
                    .get("data", {})
                    .get("result")
                )
            )
            assert sent, _api(web, "targets")
            (series,) = sent
            assert series["metric"]["template"] == "waitlist_closed"
            assert float(series["value"][1]) == 3

            (failed,) = _api(web, "query", query='studio_notifications_total{status="failed"}')["data"]["result"]
            assert failed["metric"]["errcode"] == "43101"
            assert float(failed["value"][1]) == 1

            (age,) = _api(web, "query", query="studio_worker_heartbeat_age_seconds")["data"]["result"]
            assert 300 <= float(age["value"][1]) < 400  # the heartbeat of five minutes ago

            (target_state,) = _api(web, "targets")["data"]["activeTargets"]
            assert target_state["health"] == "up", target_state

            groups = _until(lambda: _evaluated_groups(web))
            rules = [rule for group in groups for rule in group["rules"]]
            assert rules and all(rule["health"] == "ok" for rule in rules), rules
            firing = _until(lambda: _firing(web, "StudioWorkerHeartbeatStale"))
            assert firing, _api(web, "alerts")

            refused = {
                expr: answer
                for expr in _dashboard_exprs()
                if (answer := _api(web, "query", query=expr))["status"] != "success"
            }
            assert refused == {}  # every query of the Grafana dashboard is one this Prometheus runs
        finally:
            prometheus.terminate()
            prometheus.wait(timeout=30)
            log.close()
            nginx.shutdown()
    assert "Traceback" not in served.error_log, served.error_log[-3000:]


def _ready(port: int, prometheus: subprocess.Popen) -> bool:
    assert prometheus.poll() is None, "prometheus stopped (its log is prometheus.log in the test's tmp_path)"
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/-/ready")
        ready = connection.getresponse().status == 200
        connection.close()
        return ready
    except OSError:
        return False


def _dashboard_exprs() -> list[str]:
    """The Grafana dashboard's queries, with Grafana's own interval variable as Grafana fills it."""
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "studio-dashboard.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert len(exprs) >= 10
    return [expr.replace("$__rate_interval", "1m") for expr in exprs]


def _evaluated_groups(port: int) -> list:
    groups = _api(port, "rules")["data"]["groups"]
    evaluated = all(rule.get("lastEvaluation", "").startswith("20") for g in groups for rule in g["rules"])
    return groups if groups and evaluated else []


def _firing(port: int, name: str) -> list:
    alerts = _api(port, "alerts")["data"]["alerts"]
    return [alert for alert in alerts if alert["labels"]["alertname"] == name and alert["state"] == "firing"]
