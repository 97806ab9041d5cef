"""RULES §16: Celery task outcomes, studio_celery_tasks_total{task, outcome}."""

import pytest
from celery import shared_task

from tests.metrics import CounterDelta


@shared_task(name="tests.metrics_probe", bind=True, max_retries=1)
def metrics_probe(self, outcome: str):
    if outcome == "fail":
        raise ValueError("a bug")
    if outcome == "retry" and self.request.retries == 0:
        raise self.retry(countdown=0)
    return outcome


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("ok", {("tests.metrics_probe", "succeeded"): 1}),
        ("fail", {("tests.metrics_probe", "failed"): 1}),
        ("retry", {("tests.metrics_probe", "retried"): 1, ("tests.metrics_probe", "succeeded"): 1}),
    ],
)
def test_each_outcome_is_counted_by_task_name(outcome, expected):
    counted = CounterDelta("studio_celery_tasks")
    metrics_probe.apply(args=(outcome,))
    assert counted() == expected
