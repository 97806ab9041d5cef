"""The studio changes a class: its seat count, its time, coach or venue, or cancels it outright
(docs/rules.md §1, §3, §6.7, §11.6).

Each command locks the schedule row once and calls the apps below in order, in one transaction:
`courses` for the class and its seats, `makeup` and `compensation` for what each child is owed,
`waitlist` for the offers and the queue, `notifications` for the families.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.db import retry_on_deadlock
from courses import selectors as course_selectors
from courses import services as course_services
from courses.locks import schedule_lock_or_404
from courses.models import Booking, CourseSchedule
from makeup import services as makeup_services
from waitlist import selectors as waitlist_selectors
from waitlist import services as waitlist_services
from waitlist.models import WaitlistOffer

logger = logging.getLogger(__name__)


@retry_on_deadlock
def schedule_set_capacity(*, schedule_id: int, capacity: int, now: datetime | None = None) -> CourseSchedule:
    """Operators change a class's seats. Raising frees that many seats to the waitlist (RULES §1, §3);
    lowering never removes anyone, and open offers whose seats no longer exist lapse."""
    now = now or timezone.now()
    with transaction.atomic():
        schedule = schedule_lock_or_404(schedule_id=schedule_id)
        old = course_services.schedule_capacity_save(schedule=schedule, capacity=capacity)
        if capacity > old:
            # The release offers only seats that exist: at most the raise, at most what is free.
            waitlist_services.waitlist_seat_released(
                schedule=schedule, reason=WaitlistOffer.Reason.CAPACITY, now=now, seats=capacity - old
            )
        elif capacity < old:
            waitlist_services.waitlist_offers_trim(schedule=schedule, now=now)
    return schedule


@dataclass(frozen=True)
class ClassCancelResult:
    schedule: CourseSchedule
    bookings_cancelled: int
    makeups_owed: int
    waiting_closed: int


@retry_on_deadlock
def schedule_cancel_by_studio(
    *, schedule_id: int, reason: str, by=None, now: datetime | None = None
) -> ClassCancelResult:
    """RULES §6.7 (a coach is ill): in one transaction every booked seat is cancelled, each child is
    owed a make-up (a make-up seat's make-up is owed again), the waitlist closes, open offers lapse,
    every family is told, and the class is `cancelled`. Locks: the schedule, its booked seats (by
    pk), then each make-up seat's profile, make-up and credits, then the offers and the queue."""
    now = now or timezone.now()
    reason = course_services.schedule_reason_required(reason=reason)
    with transaction.atomic():
        schedule = schedule_lock_or_404(schedule_id=schedule_id)
        bookings = course_services.schedule_cancel_locked(schedule=schedule, now=now)
        owed = 0
        for booking in bookings:
            if booking.kind == Booking.Kind.MAKEUP:
                makeup = makeup_services.makeup_for_booking(booking=booking)  # profile, then make-up
                if makeup is not None:
                    makeup_services.makeup_return_for_cancelled_class(makeup=makeup, schedule=schedule, now=now)
            else:
                makeup_services.makeup_owed_for_cancelled_class(booking=booking, now=now)
                owed += 1
        waiting = waitlist_services.waitlist_close_for_cancelled_class(schedule=schedule, now=now)
        course_services.schedule_cancelled_notify(schedule=schedule, bookings=bookings, reason=reason)
    return ClassCancelResult(schedule, len(bookings), owed, waiting)


@dataclass(frozen=True)
class ClassChangeResult:
    schedule: CourseSchedule
    old: str
    families_told: int
    clashes: list[str]  # children whose new time overlaps another of their classes (nothing cancelled)
    deadlines_changed: int


@retry_on_deadlock
def schedule_change(
    *,
    schedule_id: int,
    starts_at: datetime,
    ends_at: datetime,
    coach: str,
    venue: str,
    reason: str,
    by=None,
    now: datetime | None = None,
) -> ClassChangeResult:
    """调整课程 (RULES §11.6): the studio moves a class or changes its coach or venue, with a reason.
    In one transaction under the schedule lock: the new values, every booked and waiting family told
    (session_changed), the children whose new time clashes listed, and open offers' deadlines counted
    again against the new cutoff."""
    now = now or timezone.now()
    reason = course_services.schedule_reason_required(reason=reason)
    with transaction.atomic():
        schedule = schedule_lock_or_404(schedule_id=schedule_id)
        old = course_services.schedule_change_locked(
            schedule=schedule, starts_at=starts_at, ends_at=ends_at, coach=coach, venue=venue, now=now
        )
        booked = list(
            Booking.objects.filter(schedule=schedule, status=Booking.Status.BOOKED)
            .select_related("profile")
            .order_by("id")
        )
        waiting = list(waitlist_selectors.waitlist_queue(schedule_id=schedule.pk).select_related("profile"))
        profiles = list({row.profile_id: row.profile for row in [*booked, *waiting]}.values())
        course_services.schedule_changed_notify(schedule=schedule, profiles=profiles, old=old)
        clashes = [
            seat.profile.name
            for seat in booked
            if course_selectors.profile_has_time_conflict(profile=seat.profile, schedule=schedule)
        ]
        changed = waitlist_services.waitlist_offers_recap(schedule=schedule, now=now)
        logger.info(
            "schedule %s changed by %s: %s -> %s (%s)",
            schedule.pk,
            getattr(by, "pk", None),
            old,
            course_services.schedule_description(schedule=schedule),
            reason,
        )
    families = len({profile.owner_id for profile in profiles})  # siblings of one parent are one family
    return ClassChangeResult(schedule, old, families, clashes, changed)
