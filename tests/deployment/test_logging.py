"""Every log record carries the request id ("-" outside a request, e.g. a periodic Celery task), and
the JSON formatter writes one valid JSON object per line."""

import io
import json
import logging
from datetime import datetime

import pytest
from celery import signals
from celery.app.task import Context

from core.logging import JsonFormatter, RequestIdFilter, current_request_id, request_id_var


@pytest.fixture
def json_log():
    """The root logger writes JSON lines, through the filter, to a buffer (as production's console does)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)  # as production logs (the test settings keep WARNING)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.setLevel(level)
        root.removeHandler(handler)


@pytest.mark.urls("tests.deployment.urls")
def test_a_record_logged_inside_a_request_carries_its_id(client, json_log):
    client.get("/log-probe", HTTP_X_REQUEST_ID="req-7.a_b")
    [record] = [record for record in json_log() if record["logger"] == "tests.deployment"]
    assert record["request_id"] == "req-7.a_b"
    assert record["message"] == "inside the request: 名额已被抢占"
    assert record["level"] == "WARNING"


@pytest.mark.urls("tests.deployment.urls")
def test_a_generated_id_is_the_one_in_the_log_and_in_the_answer(client, json_log):
    response = client.get("/log-probe")
    [record] = [record for record in json_log() if record["logger"] == "tests.deployment"]
    assert record["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_a_refused_request_is_one_info_line_with_its_code_and_id(client, json_log):
    # A 4xx in the envelope is a normal answer: INFO with the machine code, not Django's WARNING.
    response = client.post(
        "/api/v1/auth/wechat-login", data="{}", content_type="application/json", HTTP_X_REQUEST_ID="login-400"
    )
    assert response.status_code == 400
    records = json_log()
    assert [record for record in records if record["logger"] == "django.request"] == []
    [record] = [record for record in records if record["logger"] == "core.api"]
    assert (record["level"], record["message"]) == (
        "INFO",
        "POST /api/v1/auth/wechat-login answered 400 validation_error",
    )
    assert record["request_id"] == "login-400"


@pytest.mark.django_db
def test_a_business_refusal_is_not_a_warning(json_log, parent_client, profile):
    from tests.factories import ScheduleFactory

    free = ScheduleFactory()  # seats left: the waitlist refuses, a normal answer
    response = parent_client.post(
        "/api/v1/waitlist/join", {"course_schedule_id": free.pk, "profile_id": profile.pk}, format="json"
    )
    assert response.status_code == 409, response.json()
    records = json_log()
    assert [r["level"] for r in records if r["level"] in {"WARNING", "ERROR"}] == []
    error = response.json()["error"]
    assert [r["message"] for r in records if r["logger"] == "core.api"] == [
        f"POST /api/v1/waitlist/join answered 409 {error}"
    ]


def test_outside_a_request_the_id_is_a_dash(json_log):
    logging.getLogger("waitlist.tasks").warning("sweep without a request")
    [record] = json_log()
    assert record["request_id"] == "-"


def test_the_json_formatter_writes_every_field_and_the_exception(json_log):
    token = request_id_var.set("req-9")
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("core.db").exception("lock conflict %s", 1213)
    finally:
        request_id_var.reset(token)
    [record] = json_log()
    assert set(record) == {"time", "level", "logger", "message", "request_id", "exception"}
    assert datetime.fromisoformat(record["time"]).utcoffset().total_seconds() == 0
    assert record["level"] == "ERROR"
    assert record["logger"] == "core.db"
    assert record["message"] == "lock conflict 1213"
    assert record["request_id"] == "req-9"
    assert record["exception"].startswith("Traceback (most recent call last):")
    assert "ValueError: boom" in record["exception"]


def test_a_record_without_an_exception_has_no_exception_key():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("there",), None)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "hello there"
    assert entry["request_id"] == "-"
    assert "exception" not in entry


def test_the_console_handler_of_the_settings_has_the_filter():
    console = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler, logging.StreamHandler) and any(isinstance(f, RequestIdFilter) for f in handler.filters)
    ]
    assert console, "LOGGING's console handler lost the request id filter"


# --- Celery: the id travels with a task enqueued inside a request -----------------------------


def test_a_task_published_inside_a_request_carries_the_id_in_its_headers():
    headers = {}
    token = request_id_var.set("req-publish")
    try:
        signals.before_task_publish.send(sender="notifications.tasks.notification_send_task", headers=headers, body=())
    finally:
        request_id_var.reset(token)
    assert headers["request_id"] == "req-publish"


def test_a_task_published_outside_a_request_carries_no_id():
    headers = {}
    signals.before_task_publish.send(sender="waitlist.tasks.waitlist_offers_sweep_task", headers=headers, body=())
    assert "request_id" not in headers


class FakeTask:
    def __init__(self, headers: dict):
        self.request = Context(headers)


def test_the_worker_logs_a_task_under_the_id_it_carries_then_forgets_it():
    task = FakeTask({"request_id": "req-worker"})
    signals.task_prerun.send(sender=task, task_id="t-1", task=task, args=(), kwargs={})
    assert current_request_id() == "req-worker"
    signals.task_postrun.send(sender=task, task_id="t-1", task=task, args=(), kwargs={}, retval=None, state="SUCCESS")
    assert current_request_id() == "-"


def test_a_task_without_an_id_keeps_the_dash():
    task = FakeTask({})
    signals.task_prerun.send(sender=task, task_id="t-2", task=task, args=(), kwargs={})
    assert current_request_id() == "-"
    signals.task_postrun.send(sender=task, task_id="t-2", task=task, args=(), kwargs={}, retval=None, state="SUCCESS")
    assert current_request_id() == "-"
