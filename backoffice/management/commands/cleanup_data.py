"""Operators: delete finished booking flows and notifications older than N days (运维工具).

Never deletes waitlist entries, offers, waitlist notifications, bookings, make-ups or the
compensation ledger. The daily job `data-cleanup` runs the same function (backoffice.cleanup).
"""

from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError

from backoffice import cleanup
from backoffice.cleanup import DEFAULT_OLDER_THAN_DAYS, MIN_OLDER_THAN_DAYS, cleanup_old_data

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Command(BaseCommand):
    help = (
        f"Delete finished waitlist flows and notifications older than --older-than days (default "
        f"{DEFAULT_OLDER_THAN_DAYS}, at least {MIN_OLDER_THAN_DAYS}). History is never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=DEFAULT_OLDER_THAN_DAYS,
            metavar="DAYS",
            help=f"age in days (default {DEFAULT_OLDER_THAN_DAYS}, at least {MIN_OLDER_THAN_DAYS})",
        )
        parser.add_argument("--dry-run", action="store_true", help="only count what would be deleted")

    def handle(self, *args, **options):
        days = options["older_than"]
        if days < MIN_OLDER_THAN_DAYS:
            raise CommandError(f"--older-than must be at least {MIN_OLDER_THAN_DAYS} days (got {days}).")
        dry_run = options["dry_run"]
        if not dry_run:
            self.stdout.write(f"Deleting in batches of {cleanup.BATCH_SIZE} (each batch is kept if the run stops):")
        result = cleanup_old_data(older_than_days=days, dry_run=dry_run, progress=self._progress)
        verb = "would be deleted" if dry_run else "deleted"
        cutoff = result["cutoff"].astimezone(SHANGHAI)
        self.stdout.write(f"Data older than {days} days (before {cutoff:%Y-%m-%d %H:%M:%S} Asia/Shanghai):")
        self.stdout.write(f"  waitlist flows {verb} (status not 'started'): {result['flows']}")
        self.stdout.write(f"  notifications {verb}: {result['notifications']}")
        self.stdout.write(
            f"  waitlist notifications kept, link to a deleted notification set to NULL: "
            f"{result['waitlist_notifications_detached']}"
        )
        self.stdout.write(
            "Kept: waitlist entries, offers, waitlist notifications, bookings, make-ups, compensation ledger."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was deleted.")

    def _progress(self, kind: str, deleted: int) -> None:
        self.stdout.write(f"  ... {kind}: {deleted} deleted so far")
        self.stdout.flush()
