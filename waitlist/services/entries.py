"""Joining and leaving a waitlist (RULES §1-2): the join checks and the entry, a parent's cancel, a
direct booking, operators' move-to-front and removal, and a make-up's other queues."""

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.locks import profile_lock
from core.db import lock_rows, retry_on_deadlock
from core.errors import BusinessError
from core.formatting import local_time_text
from courses.locks import schedule_lock, schedule_lock_or_404
from courses.models import Booking, CourseSchedule
from waitlist import messages, selectors
from waitlist.locks import waitlist_entry_lock, waitlist_entry_lock_waiting
from waitlist.models import WaitlistEntry, WaitlistNotification
from waitlist.services.notices import waitlist_notices_create
from waitlist.services.offers import waitlist_entry_end, waitlist_locked


@dataclass(frozen=True)
class JoinResult:
    entry: WaitlistEntry
    position: int
    count: int
    capacity: int


def waitlist_join_check(*, schedule: CourseSchedule, profile, now: datetime) -> tuple[int, int]:
    """RULES §2's checks in their order (after the caller's profile check), with RULES §6.7's
    cancelled class first, then RULES §13's limit; returns the queue's count and capacity. Caller
    holds `waitlist_locked`. The child's profile is locked first (after the schedule, the system's
    order): the time-conflict check and the limit then see every booking and join of this child
    that committed before, on any class."""
    profile_lock(profile_id=profile.pk)
    if schedule.status == CourseSchedule.Status.CANCELLED:  # RULES §6.7: before the cutoff's answer
        raise BusinessError.conflict("schedule_cancelled", messages.SCHEDULE_CANCELLED)
    if not selectors.waitlist_is_open(schedule=schedule, now=now):
        raise BusinessError.conflict("waitlist_closed", messages.WAITLIST_CLOSED)
    facts = selectors.waitlist_join_facts(schedule=schedule, profile=profile)  # one query, answered in order
    if facts.seats > 0:
        raise BusinessError.conflict("schedule_not_full", messages.SCHEDULE_NOT_FULL)
    if facts.booked_here:
        raise BusinessError.conflict("already_booked", messages.ALREADY_BOOKED)
    if facts.waiting_here:
        raise BusinessError.conflict("already_waitlisted", messages.ALREADY_WAITLISTED)
    if facts.time_conflict:
        raise BusinessError.conflict("time_conflict", messages.TIME_CONFLICT)
    count, capacity = facts.waiting, selectors.waitlist_capacity(schedule=schedule)
    if count >= capacity:
        raise BusinessError.conflict("waitlist_full", messages.WAITLIST_FULL)
    # RULES §13, after the §2 checks: the child's waiting entries everywhere.
    limit = settings.WAITLIST_MAX_ACTIVE_PER_PROFILE
    if facts.waiting_everywhere >= limit:
        raise BusinessError.conflict("waitlist_limit", messages.WAITLIST_LIMIT.format(limit=limit))
    return count, capacity


def waitlist_entry_create(
    *,
    schedule: CourseSchedule,
    profile,
    now: datetime,
    count: int,
    capacity: int,
    makeup=None,
    confirm_shorter: bool = False,
    use_compensation: bool = False,
    auto_accept: bool = False,
    by=None,
    reason: str = "",
) -> JoinResult:
    """The waiting entry, at the back of the queue; the unique key decides a race the lock did not.
    Caller holds `waitlist_locked` and has run `waitlist_join_check`. `by`/`reason`: an operator
    putting the child on the waitlist for the family (RULES §11.5)."""
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(
                profile=profile,
                schedule=schedule,
                status=WaitlistEntry.Status.WAITING,
                joined_at=now,
                makeup=makeup,
                confirm_shorter=confirm_shorter,
                use_compensation=use_compensation,
                auto_accept=auto_accept,
                active=True,
                created_by=by,
                join_reason=reason,
            )
    except IntegrityError as exc:  # the unique key caught a second waiting entry the lock did not
        raise BusinessError.conflict("already_waitlisted", messages.ALREADY_WAITLISTED) from exc
    return JoinResult(entry, selectors.waitlist_entry_position(entry=entry), count + 1, capacity)


@retry_on_deadlock
def waitlist_entry_cancel(*, entry_id: int, now: datetime | None = None) -> WaitlistEntry:
    """取消候补: only a waiting entry; a seat reserved for it passes on at once."""
    now = now or timezone.now()

    with waitlist_locked(schedule_id=selectors.waitlist_entry_schedule_id(entry_id=entry_id), now=now) as locked:
        schedule = locked.schedule
        entry = waitlist_entry_lock_waiting(entry_id=entry_id)
        waitlist_entry_end(entry=entry, status=WaitlistEntry.Status.CANCELLED, now=now, schedule=schedule)
        return entry


@retry_on_deadlock
def waitlist_entry_set_auto_accept(*, entry_id: int, auto_accept: bool, now: datetime | None = None) -> WaitlistEntry:
    """PATCH waitlist/{id} (RULES §12): switch 自动递补 on or off, only while waiting. It applies from
    the next seat released or reserved for the entry; an offer already open is answered by hand."""
    now = now or timezone.now()
    with waitlist_locked(schedule_id=selectors.waitlist_entry_schedule_id(entry_id=entry_id), now=now):
        entry = waitlist_entry_lock_waiting(entry_id=entry_id)
        if entry.auto_accept != auto_accept:
            entry.auto_accept = auto_accept
            entry.save(update_fields=["auto_accept", "updated_at"])
        return entry


def waitlist_entry_booked_directly(*, profile, schedule: CourseSchedule, now: datetime) -> None:
    """A direct booking ends the profile's own waiting entry on that schedule (RULES §1).
    Runs in the booking's transaction, schedule locked."""
    for entry in lock_rows(
        WaitlistEntry.objects.filter(profile=profile, schedule=schedule, status=WaitlistEntry.Status.WAITING)
    ):
        waitlist_entry_end(
            entry=entry, status=WaitlistEntry.Status.BOOKED, now=now, schedule=schedule, reason="direct_booking"
        )


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError.bad_request(
            "validation_error", messages.REASON_REQUIRED, {"reason": [messages.REASON_REQUIRED]}
        )
    return reason


@retry_on_deadlock
def waitlist_entry_prioritize(*, entry_id: int, reason: str, by, now: datetime | None = None) -> WaitlistEntry:
    """Operators move an entry to the front of its queue, with a reason that is kept."""
    now = now or timezone.now()
    reason = _reason_required(reason)

    with waitlist_locked(schedule_id=selectors.waitlist_entry_schedule_id(entry_id=entry_id), now=now) as locked:
        schedule = locked.schedule
        entry = waitlist_entry_lock_waiting(entry_id=entry_id)
        top = (
            selectors.waitlist_queue(schedule_id=schedule.pk)
            .exclude(pk=entry.pk)
            .values_list("priority", flat=True)
            .first()
        )
        entry.priority = max(entry.priority, (top or 0) + 1)
        entry.priority_reason = (
            messages.PRIORITY_REASON_BY.format(reason=reason, operator=getattr(by, "username", "")) if by else reason
        )
        entry.save(update_fields=["priority", "priority_reason", "updated_at"])
        return entry


@retry_on_deadlock
def waitlist_entry_remove(*, entry_id: int, reason: str, by, now: datetime | None = None) -> WaitlistEntry:
    """Operators remove an entry (status `removed`) with a reason; its reservation passes on."""
    now = now or timezone.now()
    reason = _reason_required(reason)

    with waitlist_locked(schedule_id=selectors.waitlist_entry_schedule_id(entry_id=entry_id), now=now) as locked:
        schedule = locked.schedule
        entry = waitlist_entry_lock_waiting(entry_id=entry_id)
        waitlist_entry_end(
            entry=entry, status=WaitlistEntry.Status.REMOVED, now=now, schedule=schedule, reason=reason, by=by
        )
        return entry


def waitlist_entries_end_for_makeup(*, makeup_id: int, except_schedule_id: int, now: datetime) -> int:
    """A make-up booked in one class leaves the other waitlists it queued in (their reservations pass
    on). Runs after the booking's commit; each class in its own short transaction, schedule first."""
    schedule_ids = sorted(
        set(
            WaitlistEntry.objects.filter(makeup_id=makeup_id, status=WaitlistEntry.Status.WAITING)
            .exclude(schedule_id=except_schedule_id)
            .values_list("schedule_id", flat=True)
        )
    )
    ended = 0
    for schedule_id in schedule_ids:
        ended += _end_makeup_entries_in(schedule_id, makeup_id, now)
    return ended


@retry_on_deadlock
def _end_makeup_entries_in(schedule_id: int, makeup_id: int, now: datetime) -> int:
    with transaction.atomic():
        schedule = schedule_lock_or_404(schedule_id=schedule_id)
        entries = lock_rows(
            WaitlistEntry.objects.filter(
                makeup_id=makeup_id, schedule=schedule, status=WaitlistEntry.Status.WAITING
            ).order_by("pk")
        )
        for entry in entries:
            waitlist_entry_end(
                entry=entry,
                status=WaitlistEntry.Status.CANCELLED,
                now=now,
                schedule=schedule,
                reason="makeup_booked_elsewhere",
            )
        return len(entries)


TIME_CONFLICT_REASON = "time_conflict"  # RULES §13: the end_reason, exactly


def _overlapping_seats(*, schedule: CourseSchedule):
    """The child's booked seats in other classes overlapping `schedule` (child = the outer entry's)."""
    return Booking.objects.filter(
        profile_id=OuterRef("profile_id"),
        status=Booking.Status.BOOKED,
        schedule__starts_at__lt=schedule.ends_at,
        schedule__ends_at__gt=schedule.starts_at,
    ).exclude(schedule_id=schedule.pk)


def _end_conflicting_in(*, schedule: CourseSchedule, profile_id: int, now: datetime, pass_on: bool) -> int:
    """Ends the child's waiting entries on `schedule` that overlap a class the child is booked in, and
    tells the family once per entry. Caller holds the schedule's lock."""
    entries = list(
        selectors.waitlist_queue(schedule_id=schedule.pk)
        .filter(profile_id=profile_id)
        .filter(Exists(_overlapping_seats(schedule=schedule)))
        .select_related("profile")
    )
    for entry in entries:
        entry = waitlist_entry_lock(entry_id=entry.pk)
        if entry.status != WaitlistEntry.Status.WAITING:
            continue
        waitlist_entry_end(
            entry=entry,
            status=WaitlistEntry.Status.CANCELLED,
            now=now,
            schedule=schedule,
            reason=TIME_CONFLICT_REASON,
            pass_on=pass_on,
        )
        booked = (
            Booking.objects.filter(
                pk__in=_overlapping_seats(schedule=schedule).filter(profile_id=entry.profile_id).values("pk")
            )
            .select_related("schedule__course")
            .order_by("-booked_at", "-pk")
            .first()
        )
        waitlist_notices_create(
            schedule=schedule,
            entries=[entry],
            template="waitlist_conflict_ended",
            kind=WaitlistNotification.Kind.CONFLICT_ENDED,
            now=now,
            extra={
                "course_name": booked.schedule.course.name,
                "starts_at": local_time_text(booked.schedule.starts_at),
                "waitlist_course_name": schedule.course.name,
                "waitlist_starts_at": local_time_text(schedule.starts_at),
            },
        )
    return len(entries)


def waitlist_entries_end_conflicting(*, profile, schedule: CourseSchedule, now: datetime) -> None:
    """RULES §13: the child was just booked into `schedule` (by any route). Each of its waiting entries
    for another class overlapping it ends `cancelled` (`time_conflict`) in this transaction, and the
    family is told once per entry. Caller holds `schedule`'s lock and the child's profile.

    Another class's entries are changed under that class's lock, taken only if free (SKIP LOCKED):
    nothing here ever waits for a lock out of the system's order. A reservation such an entry held
    passes on right after the commit, under that class's lock (a hand-over may book a further
    child, whose profile must not be locked from here); a class another request holds now is
    settled then too. Both run in `waitlist_conflicts_settle`."""
    other_ids = sorted(
        set(
            WaitlistEntry.objects.filter(profile=profile, status=WaitlistEntry.Status.WAITING)
            .exclude(schedule_id=schedule.pk)
            .filter(schedule__starts_at__lt=schedule.ends_at, schedule__ends_at__gt=schedule.starts_at)
            .values_list("schedule_id", flat=True)
        )
    )
    later = []
    for other_id in other_ids:
        other = schedule_lock(schedule_id=other_id, skip_locked=True)
        if other is None or _end_conflicting_in(schedule=other, profile_id=profile.pk, now=now, pass_on=False):
            later.append(other_id)
    if later:
        transaction.on_commit(partial(waitlist_conflicts_settle, profile_id=profile.pk, schedule_ids=later))


@retry_on_deadlock
def waitlist_conflicts_settle(*, profile_id: int, schedule_ids: list[int], now: datetime | None = None) -> None:
    """After a booking's commit (RULES §13): for each class, under its own lock, the child's waiting
    entries still overlapping a booked class end, and reservations of entries ended without passing
    them on pass on (the catch-up of `waitlist_locked` does that). Idempotent."""
    for schedule_id in schedule_ids:
        with waitlist_locked(schedule_id=schedule_id, now=now or timezone.now()) as locked:
            _end_conflicting_in(
                schedule=locked.schedule, profile_id=profile_id, now=now or timezone.now(), pass_on=True
            )
