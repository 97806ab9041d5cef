"""Liveness of the asynchronous side: beat enqueues the heartbeat, a worker records it."""

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def heartbeat_task() -> str:
    """Records when a worker last ran a beat-scheduled job; /healthz shows it."""
    stamp = timezone.now().isoformat()
    cache.set("core:heartbeat", stamp, timeout=None)
    logger.info("heartbeat: worker and beat alive at %s", stamp)
    return stamp
