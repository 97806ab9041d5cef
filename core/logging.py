"""Request ids on every log record, and one JSON object per line for production.

The id of the request being served lives in a ContextVar, set by core.middleware.RequestIdMiddleware.
A task enqueued while serving a request carries the id in a message header and the worker logs
under it, so one id follows a parent's action from nginx through gunicorn to the Celery worker.
Outside a request or such a task (beat, periodic jobs, manage.py) the id is "-".
"""

import json
import logging
from contextvars import ContextVar, Token
from datetime import UTC, datetime

from celery import signals

NO_REQUEST_ID = "-"
TASK_HEADER = "request_id"  # the Celery message header that carries the id to the worker

request_id_var: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST_ID)


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request). Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None):  # given explicitly (extra=) or by another handler's filter
            return True
        request_id = request_id_var.get()
        if request_id == NO_REQUEST_ID:
            # Django logs 4xx/5xx answers (django.request) after the middleware chain has returned;
            # the request object still carries the id the middleware gave it.
            request_id = getattr(getattr(record, "request", None), "request_id", NO_REQUEST_ID)
        record.request_id = request_id
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO-8601, UTC), level, logger, message, request_id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # ensure_ascii off: the studio's messages are Chinese and stay readable in the journal.
        return json.dumps(entry, ensure_ascii=False, default=str)


# --- Celery: carry the id from the enqueuing request to the worker ---------------------------
# Connected when this module is imported, which Django's logging configuration (LOGGING's filter)
# does in every process (web, worker, beat, manage.py) before Celery sets up its logging.

_task_tokens: dict[str, Token] = {}


def _add_request_id_header(headers: dict | None = None, **kwargs) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id != NO_REQUEST_ID:
        headers.setdefault(TASK_HEADER, request_id)


def _enter_task(task_id: str | None = None, task=None, **kwargs) -> None:
    request_id = task.request.get(TASK_HEADER) if task is not None else None
    if request_id and task_id:
        _task_tokens[task_id] = request_id_var.set(str(request_id))


def _leave_task(task_id: str | None = None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        request_id_var.reset(token)


def _dress_celery_handlers(logger: logging.Logger | None = None, **kwargs) -> None:
    """The worker and beat replace Django's handlers with their own (honouring --loglevel): give those
    the request id too and, with LOG_FORMAT=json, the same JSON lines as the web process."""
    from celery.utils.log import get_multiprocessing_logger
    from django.conf import settings

    loggers = [logger]
    if logger is logging.getLogger():  # the root: Celery set up the pool's (billiard's) logger beside it
        loggers.append(get_multiprocessing_logger())
    handlers = [handler for each in loggers if each is not None for handler in each.handlers]
    for handler in handlers:
        if not any(isinstance(existing, RequestIdFilter) for existing in handler.filters):
            handler.addFilter(RequestIdFilter())
        if getattr(settings, "LOG_FORMAT", "plain") == "json":
            handler.setFormatter(JsonFormatter())


signals.before_task_publish.connect(_add_request_id_header, weak=False, dispatch_uid="core.logging.publish")
signals.task_prerun.connect(_enter_task, weak=False, dispatch_uid="core.logging.prerun")
signals.task_postrun.connect(_leave_task, weak=False, dispatch_uid="core.logging.postrun")
signals.after_setup_logger.connect(_dress_celery_handlers, weak=False, dispatch_uid="core.logging.root")
signals.after_setup_task_logger.connect(_dress_celery_handlers, weak=False, dispatch_uid="core.logging.task")
