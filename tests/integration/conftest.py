"""Real Celery against real Redis for the integration tests (run in CI's MariaDB + Redis pass)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.db import connection
from kombu import pools as kombu_pools

from config import celery_app

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
BROKER_URL = "redis://127.0.0.1:6379/13"


def wait_for(condition, seconds: float = 30.0) -> bool:
    """Polls condition() until it is true or the time is up; its last answer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def worker_ran_a_marker(seconds: float = 30.0) -> None:
    """Publishes a marker task (the heartbeat) and waits until a worker has run it. The worker takes
    one queue in order, so it has by then taken everything published before the marker: a "nothing
    happened" check after this is about what the worker did, not about how long the test slept."""
    from core.models import Heartbeat
    from core.tasks import heartbeat_task

    Heartbeat.objects.filter(name="worker").delete()
    heartbeat_task.delay()
    assert wait_for(lambda: Heartbeat.objects.filter(name="worker").exists(), seconds), "no worker ran the marker"


def _reset_connections(app) -> None:
    """Forget pooled broker connections so the next publish uses the current broker_url."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    kombu_pools.reset()  # kombu's process-wide producer pools still point at the closed connections


@pytest.fixture
def redis_broker():
    """The test process publishes to a real Redis broker instead of running tasks eagerly."""
    redis.Redis.from_url(BROKER_URL).flushdb()
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager", "broker_transport_options")}
    celery_app.conf.update(
        broker_url=BROKER_URL,
        task_always_eager=False,
        broker_transport_options={"socket_connect_timeout": 1, "max_retries": 1},
    )
    _reset_connections(celery_app)
    yield BROKER_URL
    celery_app.conf.update(saved)
    _reset_connections(celery_app)


@pytest.fixture
def live_worker(redis_broker):
    """A real Celery worker (celery.contrib.testing) consuming from Redis in a thread of this process."""
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=15
    ) as worker:
        yield worker


def worker_process(stub_url: str, **extra_env: str) -> subprocess.Popen:
    """A worker in its own process (so it can be killed with SIGKILL), on this test's database;
    extra_env adds settings (e.g. the SMS stub's endpoint)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"mysql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}",
        "REDIS_URL": BROKER_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "NOTIFICATION_BACKEND": "wechat",
        "WECHAT_APPID": "wx-test-appid",
        "WECHAT_SECRET": "wx-test-secret",
        "WECHAT_API_BASE": stub_url,
        "WECHAT_TEMPLATE_WAITLIST_CLOSED": "tmpl-waitlist_closed",
        "CELERY_TASK_LOG_LEVEL": "INFO",  # tests read which worker ran a task ("succeeded" lines)
        **extra_env,
    }
    return subprocess.Popen(
        [
            CELERY,
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
