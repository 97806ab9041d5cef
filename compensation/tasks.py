"""Hourly jobs of the ledger: expiry and the 3-day reminders. Idempotent."""

from celery import shared_task

from compensation import services
from core.jobs import report


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=180)
def compensation_expire_and_remind_task() -> dict:
    return report(
        "compensation_expire_and_remind",
        {"expired": services.compensation_expire(), "reminded": services.compensation_remind()},
    )


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=180)
def compensation_ledger_check_task() -> int:
    """Every 10 minutes: the ledger's invariants (RULES §16); the number of broken credits."""
    return report("compensation_ledger_check", services.compensation_ledger_check().violations, "broken credits")
