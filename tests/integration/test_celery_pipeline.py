"""The asynchronous side for real: celery beat (DatabaseScheduler) enqueues the heartbeat through
Redis, a separate worker process runs it and writes to the same MariaDB test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from core.models import Heartbeat

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))

pytestmark = [pytest.mark.integration, pytest.mark.mysql, pytest.mark.django_db(transaction=True)]


def process_env() -> dict:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"mysql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
        "CELERY_TASK_LOG_LEVEL": "INFO",  # the test reads beat's "Sending due task" and the worker's task lines
    }


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [CELERY, "-A", "config", *args],
        cwd=ROOT,
        env=process_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def test_beat_schedules_the_heartbeat_and_a_worker_runs_it():
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="heartbeat", task="core.tasks.heartbeat_task", interval=every_second)
    worker = start("worker", "--pool", "solo", "--without-gossip", "--without-mingle", "--loglevel", "INFO")
    beat = start(
        "beat",
        "--scheduler",
        "django_celery_beat.schedulers:DatabaseScheduler",
        "--max-interval",
        "1",
        "--loglevel",
        "INFO",
        "--pidfile=",
    )
    try:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and not Heartbeat.objects.filter(name="worker").exists():
            time.sleep(0.5)
    finally:
        beat_log, worker_log = stop(beat), stop(worker)
    assert Heartbeat.objects.filter(name="worker").exists(), f"beat:\n{beat_log}\nworker:\n{worker_log}"
    assert "Sending due task heartbeat" in beat_log
    assert "heartbeat: worker and beat alive" in worker_log
