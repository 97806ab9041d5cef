"""Celery task outcomes for /metrics (RULES §16), counted in the worker process that ran the task
(summed over processes by the multi-process mode, core/metrics_processes.py)."""

from celery.signals import task_failure, task_retry, task_success
from prometheus_client import Counter

TASKS = Counter(
    "studio_celery_tasks",
    "Celery tasks run, by task name and outcome: succeeded, failed, retried.",
    ["task", "outcome"],
)


def _name(sender) -> str:
    return getattr(sender, "name", None) or str(sender)


@task_success.connect(weak=False)
def _succeeded(sender=None, **kwargs) -> None:
    TASKS.labels(_name(sender), "succeeded").inc()


@task_failure.connect(weak=False)
def _failed(sender=None, **kwargs) -> None:
    TASKS.labels(_name(sender), "failed").inc()


@task_retry.connect(weak=False)
def _retried(sender=None, **kwargs) -> None:
    TASKS.labels(_name(sender), "retried").inc()
