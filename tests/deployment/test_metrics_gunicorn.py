"""RULES §16 under gunicorn with deploy/gunicorn.conf.py and two workers: /metrics is the sum over
the workers and the Celery worker's directory, and gunicorn's start empties only the web's."""

import sys

from prometheus_client.parser import text_string_to_metric_families

from tests.deployment.processes import free_port, get, gunicorn_serving, production_env, run

WORKER_COUNTS = """
from core.metrics_processes import metrics_directory_prepare
metrics_directory_prepare("worker")
import django
django.setup()
from notifications.metrics import notification_counted
notification_counted(template="waitlist_closed", channel="wechat", status="sent", times=4)
"""
REQUESTS = 30


def samples(body: bytes) -> dict:
    found = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


def test_two_gunicorn_workers_and_the_celery_worker_are_summed(tmp_path):
    root = tmp_path / "metrics"
    (root / "web").mkdir(parents=True)
    (root / "web" / "counter_99999.db").write_bytes(b"left over from the last run")
    env = production_env(
        tmp_path,
        METRICS_MULTIPROC_DIR=str(root),
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="1",
        GUNICORN_KEEPALIVE="0",
    )
    worker = run([sys.executable, "-c", WORKER_COUNTS], env, tmp_path)
    assert worker.returncode == 0, worker.stderr
    port = free_port()
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    with gunicorn_serving(env, tmp_path, port) as served:
        for _ in range(REQUESTS - 1):
            assert get(port, "/healthz", {}).status == 200
        scraped = get(port, "/metrics", {"X-Forwarded-Proto": "https"})

    assert scraped.status == 200, served.error_log[-3000:]
    series = samples(scraped.body)
    healthz = [
        sample.value
        for sample in series["django_http_responses_total_by_status_view_method_total"]
        if sample.labels["view"] == "healthz" and sample.labels["status"] == "200"
    ]
    assert sum(healthz) == REQUESTS  # every worker's answers, whichever worker took them
    (sent,) = [
        sample.value
        for sample in series["studio_notifications_total"]
        if sample.labels["template"] == "waitlist_closed" and sample.labels["status"] == "sent"
    ]
    assert sent == 4  # the Celery worker's directory, untouched by gunicorn's start
    # This database has no tables: the business gauges failed, and the page was served all the same.
    (gauges,) = [s for s in series["studio_scrape_collector_up"] if s.labels["collector"] == "BusinessGauges"]
    assert gauges.value == 0
    web_files = sorted(path.name for path in (root / "web").glob("counter_*.db"))
    assert "counter_99999.db" not in web_files  # the last run's file went when gunicorn started
    assert len(web_files) >= 2  # one per gunicorn worker
