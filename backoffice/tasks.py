"""The operators' periodic jobs that read across apps."""

from celery import shared_task

from backoffice.cleanup import cleanup_old_data
from core.jobs import report


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def cleanup_data_task() -> dict:
    """Daily retention (backoffice.cleanup): finished flows and notifications older than 180 days.

    No retry: each batch commits on its own, so a run cut short by the time limit keeps its work
    and tomorrow's run continues where it stopped.
    """
    result = cleanup_old_data()
    return report("cleanup_data", {key: value for key, value in result.items() if key != "cutoff"})
