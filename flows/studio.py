"""The studio changes a class: its seat count, or cancels it outright (RULES.md §1, §3, §6.7).

Each command locks the schedule row once and calls the apps below in order, in one transaction:
`courses` for the class and its seats, `makeup` and `compensation` for what each child is owed,
`waitlist` for the offers and the queue, `notifications` for the families.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.db import retry_on_deadlock
from courses import services as course_services
from courses.locks import schedule_lock_or_404
from courses.models import Booking, CourseSchedule
from makeup import services as makeup_services
from waitlist import services as waitlist_services
from waitlist.models import WaitlistOffer


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
    reason = course_services.schedule_cancel_reason(reason=reason)
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
