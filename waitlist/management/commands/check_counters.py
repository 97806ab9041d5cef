"""Compares each class row's counters (booked seats, open offers, waiting entries) with COUNT(*) of
what they count; with --fix, recounts them. Exit status 1 when a counter was wrong."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from waitlist.counters import schedule_counters_drift, schedule_counters_recount


class Command(BaseCommand):
    help = "Check the class rows' seat and waitlist counters against COUNT(*); --fix recounts them."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="recount every class's counters")

    def handle(self, *args, **options):
        with transaction.atomic():  # one consistent view of rows and counters
            drift = schedule_counters_drift()
        if not drift:
            self.stdout.write("All class counters match their counts.")
            return
        for d in drift:
            self.stdout.write(f"class {d.schedule_id}: {d.counter} is {d.stored}, counted {d.counted}")
        if options["fix"]:
            schedule_counters_recount()
            self.stdout.write(f"Recounted; {len(schedule_counters_drift())} counters differ now.")
            return
        raise CommandError(f"{len(drift)} class counters differ from their counts (run with --fix to recount).")
