"""Liveness of the asynchronous side: beat enqueues the heartbeat, a worker records it."""

import logging

from celery import shared_task
from django.utils import timezone

from core.models import Heartbeat

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def heartbeat_task() -> str:
    """Records when a worker last ran a beat-scheduled job; /healthz shows it."""
    now = timezone.now()
    Heartbeat.objects.update_or_create(name="worker", defaults={"seen_at": now})
    logger.info("heartbeat: worker and beat alive at %s", now.isoformat())
    return now.isoformat()


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def cleanup_data_task() -> dict:
    """Daily retention (core.cleanup): finished flows and notifications older than 180 days.

    No retry: each batch commits on its own, so a run cut short by the time limit keeps its work
    and tomorrow's run continues where it stopped.
    """
    from core.cleanup import cleanup_old_data

    result = cleanup_old_data()
    return {key: value for key, value in result.items() if key != "cutoff"}
