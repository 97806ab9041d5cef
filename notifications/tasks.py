"""Celery tasks of notifications: thin wrappers over the services, safe to run twice."""

from celery import shared_task

from core.jobs import report
from notifications import services


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True, soft_time_limit=30, time_limit=60)
def notification_send_task(self, notification_id: int) -> str:
    """Sends one outbox row. Transient failures come back after the backoff the service chose;
    the number of attempts is bounded by the row itself (attempts), not by Celery."""
    outcome = services.notification_send(notification_id=notification_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(bind=True, acks_late=True, ignore_result=True, soft_time_limit=240, time_limit=300)
def notification_send_many_task(self, notification_ids: list[int]) -> int:
    """Sends a chunk of outbox rows one after another (a wave published as few tasks). A row that
    failed transiently comes back on its own task after its backoff; a row this task did not reach
    (a killed worker, the time limit) is still pending or sending, and the resender enqueues it."""
    for notification_id in notification_ids:
        outcome = services.notification_send(notification_id=notification_id)
        if outcome.retry_in is not None:
            notification_send_task.apply_async((notification_id,), countdown=outcome.retry_in)
    return len(notification_ids)


@shared_task(ignore_result=True)
def notification_resend_stuck_task() -> int:
    return report("notification_resend_stuck", services.notification_resend_stuck(), "re-enqueued")


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True, soft_time_limit=30, time_limit=60)
def notification_send_sms_task(self, notification_id: int) -> str:
    """Sends one row's SMS fallback (RULES §14); transient failures come back after the backoff."""
    outcome = services.notification_send_sms(notification_id=notification_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status
