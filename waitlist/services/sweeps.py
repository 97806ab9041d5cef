"""The periodic jobs (every 15 s and every minute) and the read-time catch-up: the same catch-up a
command runs under its lock (`waitlist_apply_overdue_many`), a few dozen classes per short
transaction."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.db import retry_on_deadlock
from courses.locks import schedules_lock
from waitlist import selectors
from waitlist.services.offers import waitlist_apply_overdue_many, waitlist_locked


@retry_on_deadlock
def _sweep_schedules(schedule_ids: list[int], now: datetime) -> int:
    """Catches up these classes in one transaction; returns how many it locked."""
    with transaction.atomic():
        # skip_locked: a schedule locked by a respond or a cancel is being caught up by that caller.
        schedules = schedules_lock(schedule_ids=schedule_ids, skip_locked=True)
        waitlist_apply_overdue_many(schedules=schedules, now=now)
        return len(schedules)


def _sweep(schedule_ids: list[int], now: datetime) -> int:
    """In transactions of WAITLIST_SWEEP_CLASSES_PER_TRANSACTION classes: few enough that a parent's
    request on one of them waits a few milliseconds at most, enough to share the statements."""
    size = settings.WAITLIST_SWEEP_CLASSES_PER_TRANSACTION
    return sum(_sweep_schedules(schedule_ids[i : i + size], now) for i in range(0, len(schedule_ids), size))


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
    return _sweep(schedule_ids, now)


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
    return _sweep(schedule_ids, now)


@retry_on_deadlock
def waitlist_catch_up(*, schedule_id: int, now: datetime | None = None) -> None:
    """Applies a schedule's overdue transitions before a read shows its offers (RULES §5.5)."""
    with waitlist_locked(schedule_id=schedule_id, now=now or timezone.now()):
        pass
