"""Creates or updates the django-celery-beat rows of every periodic job. Idempotent.

Operators may pause a job in the admin (`enabled`); running this again keeps that choice.
"""

from dataclasses import dataclass

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask


@dataclass(frozen=True)
class Job:
    name: str
    task: str
    every_seconds: int
    description: str


JOBS = [
    # Every minute: proves beat and a worker are alive (shown by /healthz as worker_heartbeat).
    Job("heartbeat", "core.tasks.heartbeat_task", 60, "Records that beat and a worker are alive."),
    # Every minute: outbox rows whose task was lost (broker down, worker killed) are sent again.
    Job(
        "notification-resender",
        "notifications.tasks.notification_resend_stuck_task",
        60,
        "Re-enqueues notifications pending > 30 s or sending > 5 min.",
    ),
    # Every 15 s: offers past their closing time hand over (broadcast → reserved → next) or lapse.
    Job(
        "waitlist-offer-sweeper",
        "waitlist.tasks.waitlist_offers_sweep_task",
        15,
        "Applies overdue offer transitions (RULES §5.1).",
    ),
    # Every minute: waiting entries of classes past their cutoff close (RULES §5.2).
    Job(
        "waitlist-cutoff-closer",
        "waitlist.tasks.waitlist_cutoff_close_task",
        60,
        "Closes waitlists at the cutoff (6 h before class).",
    ),
    # Hourly: credits past their expiry expire; parents are reminded 3 days before (RULES §7).
    Job(
        "compensation-expiry",
        "compensation.tasks.compensation_expire_and_remind_task",
        3600,
        "Expires compensation credits and sends the 3-day reminders.",
    ),
    # Every 10 minutes: the ledger's invariants (RULES §7), for /metrics and the 需要处理 panel.
    Job(
        "compensation-ledger-check",
        "compensation.tasks.compensation_ledger_check_task",
        600,
        "Checks the compensation ledger's invariants; broken credits are logged, not fixed.",
    ),
    # Hourly: make-ups whose class has ended are completed (unless marked absent).
    Job(
        "makeup-completion",
        "makeup.tasks.makeup_complete_task",
        3600,
        "Completes make-ups after their class; expires owed ones when MAKEUP_VALIDITY_DAYS is set.",
    ),
    # Daily: the class rows' counters against COUNT(*); a difference is logged as an ERROR, not fixed.
    Job(
        "counter-check",
        "waitlist.tasks.waitlist_check_counters_task",
        86400,
        "Reports class counters (booked, held, waiting) that differ from their counts.",
    ),
    # Daily: retention — finished flows and notifications older than 180 days go; entries, offers,
    # waitlist notifications, bookings, make-ups and the ledger stay (backoffice.cleanup).
    Job(
        "data-cleanup",
        "backoffice.tasks.cleanup_data_task",
        86400,
        "Deletes flows and notifications older than 180 days (never the history).",
    ),
]


class Command(BaseCommand):
    help = "Create or update the periodic jobs (django-celery-beat). Safe to run any number of times."

    @transaction.atomic
    def handle(self, *args, **options):
        for job in JOBS:
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=job.every_seconds, period=IntervalSchedule.SECONDS
            )
            task, created = PeriodicTask.objects.update_or_create(
                name=job.name,
                defaults={"task": job.task, "interval": interval, "description": job.description},
            )
            verb = "created" if created else "updated"
            state = "enabled" if task.enabled else "paused"
            self.stdout.write(f"{verb}: {job.name} every {job.every_seconds}s ({state})")
