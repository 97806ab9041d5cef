"""The waitlist's commands that reach into make-ups: joining (for a make-up too) and accepting an
offer, which books a regular or a make-up seat (docs/rules.md §2, §4, §6.4).

Each runs under `waitlist_locked` (the schedule's lock, its overdue transitions caught up first, a
refusal raised after the commit) and calls the apps below in order: the waitlist's checks, the
make-up's rules, the seat in courses, the compensation ledger. Locks: schedule, offers, the entry,
then the child's profile, make-up and credits.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.locks import profile_lock
from accounts.models import Profile
from core.db import retry_on_deadlock
from core.errors import BusinessError
from courses import services as course_services
from courses.models import Booking, CourseSchedule
from makeup import services as makeup_services
from waitlist import selectors as waitlist_selectors
from waitlist import services as waitlist_services
from waitlist.locks import waitlist_entry_lock
from waitlist.models import WaitlistEntry


@retry_on_deadlock
def waitlist_join(
    *,
    profile: Profile,
    schedule_id: int,
    now: datetime | None = None,
    confirm_shorter: bool = False,
    use_compensation: bool = False,
    makeup_id: int | None = None,
    auto_accept: bool = False,
    by=None,
    reason: str = "",
) -> waitlist_services.JoinResult:
    """POST waitlist/join: RULES §2's checks in their order; with a make-up, its rules now and again at
    accept (RULES §6.4). The schedule lock and the unique key decide races. `by`/`reason`: the front
    desk joining for the family (RULES §11.5), with the same checks and answers."""
    now = now or timezone.now()
    with waitlist_services.waitlist_locked(schedule_id=schedule_id, now=now) as locked:
        count, capacity = waitlist_services.waitlist_join_check(schedule=locked.schedule, profile=profile, now=now)
        makeup = None
        if makeup_id is not None:
            makeup = makeup_services.makeup_for_waitlist(
                profile=profile,
                makeup_id=makeup_id,
                schedule=locked.schedule,
                confirm_shorter=confirm_shorter,
                use_compensation=use_compensation,
                now=now,
            )
        return waitlist_services.waitlist_entry_create(
            schedule=locked.schedule,
            profile=profile,
            now=now,
            count=count,
            capacity=capacity,
            makeup=makeup,
            confirm_shorter=confirm_shorter,
            use_compensation=use_compensation,
            auto_accept=auto_accept,
            by=by,
            reason=reason,
        )


def _book_for_offer(*, entry: WaitlistEntry, schedule: CourseSchedule, now: datetime) -> Booking:
    """The held seat becomes the entry's booking: a waitlist seat, or the make-up's with RULES §6.3;
    then the child's entries for overlapping classes end (RULES §13)."""

    def seat(kind: str) -> Booking:
        return course_services.booking_create_for_offer(profile=entry.profile, schedule=schedule, kind=kind, now=now)

    if entry.makeup_id is None:
        booking = seat(Booking.Kind.WAITLIST)
    else:
        booking = makeup_services.makeup_settle(
            makeup=entry.makeup,
            schedule=schedule,
            confirm_shorter=entry.confirm_shorter,
            use_compensation=entry.use_compensation,
            now=now,
            book=lambda: seat(Booking.Kind.MAKEUP),
        ).booking
    waitlist_services.waitlist_entries_end_conflicting(profile=entry.profile, schedule=schedule, now=now)
    return booking


def waitlist_auto_accept_locked(*, offer, entry: WaitlistEntry, schedule: CourseSchedule, now: datetime) -> bool:
    """RULES §12: 自动递补 books the seat of `offer` for `entry` with every rule of the accept (a
    time conflict, a make-up's §6.3 check); True when booked. A refusal undoes only this attempt and
    answers False: the offer then runs on as if auto-accept were off. Called by the offer engine
    (waitlist/hooks.py) with the schedule locked, when a seat is released or reserved for the entry."""
    entry = waitlist_entry_lock(entry_id=entry.pk)
    if entry.status != WaitlistEntry.Status.WAITING:
        return False
    # This transaction may hold another child's profile already (a leave): never wait for a second
    # one (accounts/locks.py). A child another request is changing right now is offered the seat.
    if not profile_lock(profile_id=entry.profile_id, skip_locked=True):
        return False
    try:
        with transaction.atomic():
            booking = _book_for_offer(entry=entry, schedule=schedule, now=now)
    except BusinessError:
        return False
    choice = waitlist_selectors.Takeable(offer=offer, flow=None, deadline=offer.deadline)
    waitlist_services.waitlist_offer_claimed(
        entry=entry, choice=choice, schedule=schedule, booking=booking, now=now, auto=True
    )
    return True


@retry_on_deadlock
def waitlist_offer_accept(*, entry_id: int, now: datetime | None = None) -> Booking:
    """PUT waitlist/{id}/respond accept (RULES §4): in one transaction under the schedule lock, books
    the seat, claims the offer, supersedes and tells the others. Exactly one accept per offer wins.
    A refused booking answers after the commit, its own writes kept (a rejected flow, a lapsed offer)."""
    now = now or timezone.now()
    schedule_id = waitlist_selectors.waitlist_entry_schedule_id(entry_id=entry_id)
    with waitlist_services.waitlist_locked(schedule_id=schedule_id, now=now) as locked:
        entry, choice = waitlist_services.waitlist_offer_takeable(entry_id=entry_id, now=now)
        try:
            with transaction.atomic():
                booking = _book_for_offer(entry=entry, schedule=locked.schedule, now=now)
        except BusinessError as error:
            locked.refuse(waitlist_services.waitlist_offer_refused(choice=choice, error=error, now=now))
            return None
        waitlist_services.waitlist_offer_claimed(
            entry=entry, choice=choice, schedule=locked.schedule, booking=booking, now=now
        )
        return booking
