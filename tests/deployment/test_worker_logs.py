"""One request id from the web process to the worker: a task enqueued while serving a request is
logged by a real Celery worker (its own process, filesystem broker) under that id, as JSON lines."""

import json
import subprocess
import sys
import time

from tests.deployment.processes import BIN, ROOT, production_env, run

ENQUEUE = """
import django
django.setup()
from core.logging import request_id_var
from core.tasks import heartbeat_task

token = request_id_var.set("req-from-web")  # what RequestIdMiddleware does while serving a request
heartbeat_task.delay()
request_id_var.reset(token)
heartbeat_task.delay()  # as beat enqueues it: no request
"""


def dev_env(tmp_path):
    # CELERY_TASK_LOG_LEVEL=INFO brings back Celery's own "succeeded" line, quiet by default.
    env = production_env(
        tmp_path, DJANGO_SETTINGS_MODULE="config.settings.dev", LOG_FORMAT="json", CELERY_TASK_LOG_LEVEL="INFO"
    )
    # SQLite under VAR_DIR and the filesystem broker under VAR_DIR/celery: nothing shared with another
    # test run on this machine (a worker on a shared Redis database took the other run's heartbeats).
    del env["DATABASE_URL"], env["REDIS_URL"]
    for folder in ("queue", "processed"):
        (tmp_path / "var" / "celery" / folder).mkdir(parents=True, exist_ok=True)
    return env


def worker_records(env, tmp_path) -> list[dict]:
    """Migrates, enqueues the two heartbeats, runs a real worker until it logged both; its JSON lines."""
    migrated = run([sys.executable, str(ROOT / "manage.py"), "migrate", "core", "-v0"], env, tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    enqueued = run([sys.executable, "-c", ENQUEUE], env, tmp_path)
    assert enqueued.returncode == 0, enqueued.stderr
    log_path = tmp_path / "worker.log"
    command = [str(BIN / "celery"), "-A", "config", "worker", "--pool", "solo", "--without-gossip", "--without-mingle"]
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [*command, "--loglevel", "INFO"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while log_path.read_text().count("heartbeat: worker and beat alive") < 2:
                assert time.monotonic() < deadline and worker.poll() is None, log_path.read_text()
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    return [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]


def test_the_worker_logs_a_task_under_the_id_of_the_request_that_enqueued_it(tmp_path):
    records = worker_records(dev_env(tmp_path), tmp_path)
    beats = [record for record in records if record["logger"] == "core.tasks"]
    # The two may run in either order (the filesystem broker orders messages by millisecond).
    assert sorted(record["request_id"] for record in beats) == ["-", "req-from-web"]
    succeeded = [record for record in records if record["logger"] == "celery.app.trace"]
    assert sorted(record["request_id"] for record in succeeded) == ["-", "req-from-web"]


def test_by_default_the_worker_does_not_log_each_task(tmp_path):
    env = dev_env(tmp_path)
    del env["CELERY_TASK_LOG_LEVEL"]
    loggers = {record["logger"] for record in worker_records(env, tmp_path)}
    assert "core.tasks" in loggers
    assert not loggers & {"celery.app.trace", "celery.worker.strategy"}, loggers
