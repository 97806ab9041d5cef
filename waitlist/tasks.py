"""Periodic jobs of the waitlist (django-celery-beat): thin wrappers, idempotent, safe on two workers."""

import logging
import time

from celery import shared_task

from core.jobs import report
from waitlist import services
from waitlist.counters import schedule_counters_drift

logger = logging.getLogger("jobs")

TIME_BUDGET_SECONDS = 10  # within the 15 s cadence: the next run picks up what is left


def _drain(step) -> int:
    started, total = time.monotonic(), 0
    while True:
        done = step()
        total += done
        if done == 0 or time.monotonic() - started > TIME_BUDGET_SECONDS:
            return total


@shared_task(ignore_result=True, soft_time_limit=30, time_limit=60)
def waitlist_offers_sweep_task() -> int:
    return report("waitlist_offers_sweep", _drain(services.waitlist_offers_sweep), "offers handled")


@shared_task(ignore_result=True, soft_time_limit=30, time_limit=60)
def waitlist_cutoff_close_task() -> int:
    return report("waitlist_cutoff_close", _drain(services.waitlist_cutoff_close), "entries closed")


@shared_task(ignore_result=True, soft_time_limit=300, time_limit=360)
def waitlist_check_counters_task() -> int:
    """Daily: reports class counters that differ from their counts, as an ERROR; never fixes them
    (that is `manage.py check_counters --fix`, by a person who looked)."""
    drift = schedule_counters_drift()
    for d in drift[:20]:
        logger.error("check_counters: class %s %s is %s, counted %s", d.schedule_id, d.counter, d.stored, d.counted)
    return len(drift)
