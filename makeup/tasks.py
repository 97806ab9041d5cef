"""Hourly jobs of make-ups: completion after class (and expiry when a validity is configured)."""

from celery import shared_task

from core.jobs import report
from makeup import services


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=180)
def makeup_complete_task() -> dict:
    return report("makeup_complete", {"completed": services.makeup_complete(), "expired": services.makeup_expire()})
