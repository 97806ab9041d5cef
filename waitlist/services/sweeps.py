"""The periodic jobs (every 15 s and every minute) and the read-time catch-up: the same
`waitlist_apply_overdue` a command runs under its lock, one schedule per short transaction."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.db import retry_on_deadlock
from courses.locks import schedule_lock
from waitlist import selectors
from waitlist.services.offers import waitlist_apply_overdue, waitlist_locked


@retry_on_deadlock
def _sweep_schedule(schedule_id: int, now: datetime) -> bool:
    with transaction.atomic():
        # skip_locked: a schedule locked by a respond or a cancel is being caught up by that caller.
        schedule = schedule_lock(schedule_id=schedule_id, skip_locked=True)
        if schedule is None:
            return False
        waitlist_apply_overdue(schedule=schedule, now=now)
        return True


def waitlist_offers_sweep(*, now: datetime | None = None, batch: int | None = None) -> int:
    """The offer sweeper (every 15 s): schedules with an open offer past its deadline. Returns how
    many schedules were caught up (at most `batch`; the next run takes the rest)."""
    now = now or timezone.now()
    batch = batch or settings.WAITLIST_SWEEP_BATCH
    schedule_ids = list(
        selectors.waitlist_offers_due(now=now)
        .order_by("schedule_id")
        .values_list("schedule_id", flat=True)
        .distinct()[:batch]
    )
    return sum(_sweep_schedule(schedule_id, now) for schedule_id in schedule_ids)


def waitlist_cutoff_close(*, now: datetime | None = None, batch: int | None = None) -> int:
    """The cutoff closer (every minute): schedules past their cutoff that still have waiting entries."""
    now = now or timezone.now()
    batch = batch or settings.WAITLIST_SWEEP_BATCH
    schedule_ids = list(
        selectors.waitlist_entries_to_close(now=now)
        .order_by("schedule_id")
        .values_list("schedule_id", flat=True)
        .distinct()[:batch]
    )
    return sum(_sweep_schedule(schedule_id, now) for schedule_id in schedule_ids)


@retry_on_deadlock
def waitlist_catch_up(*, schedule_id: int, now: datetime | None = None) -> None:
    """Applies a schedule's overdue transitions before a read shows its offers (RULES §5.5)."""
    with waitlist_locked(schedule_id=schedule_id, now=now or timezone.now()):
        pass
