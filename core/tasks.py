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
    stamp = timezone.localtime(now).isoformat()
    logger.info("heartbeat: worker and beat alive at %s", stamp)
    return stamp
