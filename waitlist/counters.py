"""The class row's waitlist counters, kept by triggers on offers and entries (core/counters.py), and
all three of the row's counters for `check_counters`."""

from dataclasses import dataclass

from django.db import connection, transaction

from core.counters import Counter
from courses.counters import BOOKED

HELD = Counter(
    "waitlist_held_count", "waitlist_waitlistoffer", "schedule_id", "open", "courses_courseschedule", "held_count"
)
WAITING = Counter(
    "waitlist_waiting_count", "waitlist", "schedule_id", "waiting", "courses_courseschedule", "waiting_count"
)
SCHEDULE_COUNTERS = (BOOKED, HELD, WAITING)


@dataclass(frozen=True)
class Drift:
    counter: str  # the column, e.g. "held_count"
    schedule_id: int
    stored: int
    counted: int


def schedule_counters_drift() -> list[Drift]:
    """Every class row whose counters differ from COUNT(*) of what they count (one grouped query each).
    Outside a transaction a write may land between the two reads; `check_counters` reads inside one."""
    drift = []
    with connection.cursor() as cursor:
        for counter in SCHEDULE_COUNTERS:
            cursor.execute(counter.drift_sql())
            drift += [Drift(counter.counter_column, *row) for row in cursor.fetchall()]
    return drift


def schedule_counters_recount() -> None:
    """Sets every class row's counters to the true counts (`check_counters --fix`). Each row is counted
    under its own row lock, which every writer of what it counts holds or waits for (the triggers),
    so a booking committing meanwhile is counted once."""
    with transaction.atomic(), connection.cursor() as cursor:
        for counter in SCHEDULE_COUNTERS:
            cursor.execute(counter.recount_sql())
