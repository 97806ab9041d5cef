"""A parent's seat: book it, cancel it, take leave from it, and book a make-up (docs/rules.md §1, §3, §6).

Each command locks the schedule row once, then calls the apps below it in order, in one
transaction: `courses` for the seat's row, `waitlist` to offer a freed seat or end the child's own
waiting entry, `makeup` and `compensation` for what a leave owes or a make-up settles. The lock
order is the system's (accounts/locks.py): schedule, booking, profile, make-up, credits, then the
schedule's offers and entries.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.locks import profile_lock
from accounts.models import Profile
from core.db import retry_on_deadlock
from core.errors import BusinessError
from courses import services as course_services
from courses.locks import schedule_lock_or_404
from courses.models import Booking, CourseSchedule
from makeup import messages as makeup_messages
from makeup import services as makeup_services
from waitlist import selectors as waitlist_selectors
from waitlist import services as waitlist_services
from waitlist.models import WaitlistOffer


def booking_book_seat_locked(
    *, schedule: CourseSchedule, profile: Profile, kind: str, now: datetime, by=None, reason: str = ""
) -> Booking:
    """A direct booking (RULES §1): the seat, then the child's own waiting entry on that class ends
    (`booked`), its reservation passing on, and its entries for overlapping classes end (RULES §13).
    Caller holds the schedule lock. `by`/`reason`: the operator booking for the family (RULES §11)."""
    booking = course_services.booking_create_locked(
        schedule=schedule,
        profile=profile,
        kind=kind,
        now=now,
        seats_free=lambda: waitlist_selectors.schedule_seats(schedule=schedule),
        can_join_waitlist=lambda: waitlist_selectors.waitlist_can_join(schedule=schedule, profile=profile, now=now),
        by=by,
        reason=reason,
    )
    waitlist_services.waitlist_entry_booked_directly(profile=profile, schedule=schedule, now=now)
    waitlist_services.waitlist_entries_end_conflicting(profile=profile, schedule=schedule, now=now)  # RULES §13
    return booking


@retry_on_deadlock
def booking_create(
    *,
    profile: Profile,
    schedule_id: int,
    kind: str = Booking.Kind.REGULAR,
    now: datetime | None = None,
    by=None,
    reason: str = "",
) -> Booking:
    """POST bookings, or the front desk booking a child (RULES §11.3): books a seat for the child.
    Locks the schedule, then the profile."""
    now = now or timezone.now()
    with transaction.atomic():
        schedule = schedule_lock_or_404(schedule_id=schedule_id)
        return booking_book_seat_locked(schedule=schedule, profile=profile, kind=kind, now=now, by=by, reason=reason)


def _release_makeup_seat(
    *, booking: Booking, schedule: CourseSchedule, now: datetime, by=None, reason: str = ""
) -> Booking:
    """Cancel or leave of a make-up's seat cancels the make-up (RULES §1, §6.5): no new make-up."""
    makeup = makeup_services.makeup_for_booking(booking=booking)
    if makeup is None:  # a make-up seat whose record is gone: free the seat all the same
        course_services.booking_release(booking=booking, status=Booking.Status.CANCELLED, now=now, by=by, reason=reason)
        waitlist_services.waitlist_seat_released(schedule=schedule, reason=WaitlistOffer.Reason.CANCEL, now=now)
        return booking
    makeup_services.makeup_release(makeup=makeup, schedule=schedule, now=now, by=by, reason=reason)
    booking.refresh_from_db()
    return booking


@retry_on_deadlock
def booking_cancel(*, booking_id: int, now: datetime | None = None, by=None, reason: str = "") -> Booking:
    """POST bookings/{id}/cancel, or the front desk cancelling for the family (RULES §11.2): the seat
    is freed and offered to the waitlist (RULES §3)."""
    now = now or timezone.now()
    with transaction.atomic():
        booking, schedule = course_services.booking_lock_active(booking_id=booking_id, now=now)
        if booking.kind == Booking.Kind.MAKEUP:
            return _release_makeup_seat(booking=booking, schedule=schedule, now=now, by=by, reason=reason)
        course_services.booking_release(booking=booking, status=Booking.Status.CANCELLED, now=now, by=by, reason=reason)
        waitlist_services.waitlist_seat_released(schedule=schedule, reason=WaitlistOffer.Reason.CANCEL, now=now)
        return booking


@dataclass(frozen=True)
class LeaveResult:
    booking: Booking
    makeup_id: int | None


@retry_on_deadlock
def booking_leave(
    *, booking_id: int, reason: str = "", now: datetime | None = None, by=None, late: bool = False
) -> LeaveResult:
    """请假: allowed until LEAVE_DEADLINE before the start (at the deadline itself still allowed). The
    seat is offered to the waitlist and the make-up it owes is created, in the same transaction.
    The front desk may record it for the family (`by`, RULES §11.1) and, with `late` (超时请假), after
    the deadline but before the start; a parent's request never passes `late`."""
    if late and by is None:
        raise ValueError("a late leave is an operator's action: pass the operator as `by`")
    now = now or timezone.now()
    with transaction.atomic():
        booking, schedule = course_services.booking_lock_active(booking_id=booking_id, now=now)
        if booking.kind == Booking.Kind.MAKEUP:
            seat = _release_makeup_seat(booking=booking, schedule=schedule, now=now, by=by, reason=reason)
            return LeaveResult(seat, None)
        course_services.booking_check_leave_deadline(schedule=schedule, now=now, late=late)
        course_services.booking_release(
            booking=booking,
            status=Booking.Status.ON_LEAVE,
            now=now,
            leave_reason=reason,
            by=by,
            reason=reason if by is not None else "",
        )
        waitlist_services.waitlist_seat_released(schedule=schedule, reason=WaitlistOffer.Reason.LEAVE, now=now)
        makeup = makeup_services.makeup_create_for_leave(booking=booking, now=now)
        return LeaveResult(booking, makeup.pk)


@retry_on_deadlock
def makeup_book(
    *,
    profile: Profile,
    schedule_id: int,
    original_booking_id: int | None,
    use_compensation: bool = False,
    confirm_shorter: bool = False,
    now: datetime | None = None,
    by=None,
    reason: str = "",
) -> makeup_services.BookResult:
    """POST makeup/book: the pending make-up of `original_booking_id`, or (without one) a redemption
    paid entirely in compensation minutes (RULES §6.3, §6.6). One transaction with the seat check;
    locks the schedule, the profile, the make-up, then (settling) the credits. `by`/`reason`: the
    front desk arranging the make-up for the family (RULES §11.4), kept on the seat's row."""
    now = now or timezone.now()
    makeup_services.makeup_check_redeem(original_booking_id=original_booking_id, use_compensation=use_compensation)
    with transaction.atomic():
        schedule = schedule_lock_or_404(schedule_id=schedule_id)
        if schedule.status == CourseSchedule.Status.CANCELLED:  # RULES §6.7
            raise BusinessError.conflict("schedule_cancelled", makeup_messages.SCHEDULE_CANCELLED)
        profile_lock(profile_id=profile.pk)
        makeup = makeup_services.makeup_lock_to_book(profile=profile, original_booking_id=original_booking_id)
        makeup_services.makeup_check_bookable(
            makeup=makeup,
            profile=profile,
            schedule=schedule,
            now=now,
            confirm_shorter=confirm_shorter,
            use_compensation=use_compensation,
        )
        return makeup_services.makeup_settle(
            makeup=makeup,
            schedule=schedule,
            confirm_shorter=confirm_shorter,
            use_compensation=use_compensation,
            now=now,
            book=lambda: booking_book_seat_locked(
                schedule=schedule, profile=profile, kind=Booking.Kind.MAKEUP, now=now, by=by, reason=reason
            ),
        )
