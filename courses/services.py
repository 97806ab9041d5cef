"""Writes of courses: a booked seat's row, its checks, its end (docs/rules.md §1). The commands a parent
runs (book, cancel, leave) are in `flows.booking`: they also offer the freed seat to the waitlist
and owe the make-up.

Every path that grants a seat locks the schedule row first, then the profile row, inside one
transaction; the database's unique key is the last word on double bookings.
"""

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.locks import profile_lock
from accounts.models import Profile
from core.db import lock_rows, retry_on_deadlock
from core.errors import BusinessError
from core.formatting import hours_text, local_time_text
from courses import messages, selectors
from courses.locks import schedule_lock_or_404
from courses.models import Booking, CourseSchedule
from notifications.services import NotificationSpec, notification_create_many


def _check_open_and_not_booked(*, schedule: CourseSchedule, profile: Profile, now: datetime) -> None:
    """Every way to a seat: the class is open, has not started, and the child is not in it already."""
    if schedule.status != CourseSchedule.Status.OPEN:
        raise BusinessError.conflict("schedule_cancelled", messages.SCHEDULE_CANCELLED)
    if now >= schedule.starts_at:
        raise BusinessError.conflict("schedule_started", messages.SCHEDULE_STARTED)
    if Booking.objects.filter(profile=profile, schedule=schedule, status=Booking.Status.BOOKED).exists():
        raise BusinessError.conflict("already_booked", messages.ALREADY_BOOKED)


def _insert_booking(
    *, profile: Profile, schedule: CourseSchedule, kind: str, now: datetime, by=None, reason: str = ""
) -> Booking:
    try:
        with transaction.atomic():
            return Booking.objects.create(
                profile=profile,
                schedule=schedule,
                kind=kind,
                status=Booking.Status.BOOKED,
                booked_at=now,
                active=True,
                booked_by=by,
                book_reason=reason,
            )
    except IntegrityError as exc:  # the unique key caught a double booking the lock did not
        raise BusinessError.conflict("already_booked", messages.ALREADY_BOOKED) from exc


def booking_create_locked(
    *,
    schedule: CourseSchedule,
    profile: Profile,
    kind: str,
    now: datetime,
    seats_free: Callable[[], int],
    can_join_waitlist: Callable[[], bool],
    by=None,
    reason: str = "",
) -> Booking:
    """Books a seat: the checks of RULES §1 in the order a parent would want to hear them, then the
    row. Caller holds the schedule lock; the child's profile is locked here, serialising one child's
    bookings across classes (the time-conflict check). The seats and `can_join_waitlist` come from the
    waitlist (held seats are its offers), through the caller. `by`/`reason`: an operator booking for
    the family (RULES §11.3), kept on the row."""
    profile_lock(profile_id=profile.pk)
    _check_open_and_not_booked(schedule=schedule, profile=profile, now=now)
    if seats_free() <= 0:
        raise BusinessError.conflict(
            "schedule_full", messages.SCHEDULE_FULL, {"can_join_waitlist": can_join_waitlist()}
        )
    if selectors.profile_has_time_conflict(profile=profile, schedule=schedule):
        raise BusinessError.conflict("time_conflict", messages.TIME_CONFLICT)
    return _insert_booking(profile=profile, schedule=schedule, kind=kind, now=now, by=by, reason=reason)


def booking_create_for_offer(*, profile: Profile, schedule: CourseSchedule, kind: str, now: datetime) -> Booking:
    """Turns a seat held by a waitlist offer into a booking. The caller holds the schedule lock and
    the offer; the public availability (which counts the hold) is not consulted, but a seat must
    still exist under the capacity: nobody is booked into a seat that does not exist."""
    profile_lock(profile_id=profile.pk)
    _check_open_and_not_booked(schedule=schedule, profile=profile, now=now)
    booked = CourseSchedule.objects.filter(pk=schedule.pk).values_list("booked_count", flat=True).get()  # the counter
    if booked >= schedule.capacity:
        raise BusinessError.conflict("seat_gone", messages.SCHEDULE_FULL)
    if selectors.profile_has_time_conflict(profile=profile, schedule=schedule):
        raise BusinessError.conflict("time_conflict", messages.TIME_CONFLICT)
    return _insert_booking(profile=profile, schedule=schedule, kind=kind, now=now)


def booking_lock_active(*, booking_id: int, now: datetime) -> tuple[Booking, CourseSchedule]:
    """Locks schedule then booking; refuses anything but a booked seat of a class not started."""
    schedule_id = Booking.objects.filter(pk=booking_id).values_list("schedule_id", flat=True).first()
    if schedule_id is None:
        raise BusinessError.not_found()
    schedule = schedule_lock_or_404(schedule_id=schedule_id)
    booking = Booking.objects.select_for_update().get(pk=booking_id)
    if booking.status != Booking.Status.BOOKED or now >= schedule.starts_at:
        raise BusinessError.conflict("booking_not_active", messages.BOOKING_NOT_ACTIVE)
    return booking, schedule


def booking_release(
    *, booking: Booking, status: str, now: datetime, leave_reason: str = "", by=None, reason: str = ""
) -> Booking:
    """Ends a booked seat (cancelled or on leave): the one place a seat's row is freed. The caller
    holds the schedule lock and offers the freed seat to the waitlist (RULES §3) in the same
    transaction (flows.booking, makeup.services.makeup_release). `by`/`reason`: an operator acting
    for the family (RULES §11.1-11.2), kept on the row."""
    booking.status = status
    booking.active = None
    booking.ended_by = by
    booking.end_reason = reason
    fields = ["status", "active", "ended_by", "end_reason", "updated_at"]
    if status == Booking.Status.CANCELLED:
        booking.cancelled_at = now
        fields.append("cancelled_at")
    elif status == Booking.Status.ON_LEAVE:
        booking.leave_at = now
        booking.leave_reason = leave_reason
        fields += ["leave_at", "leave_reason"]
    booking.save(update_fields=fields)
    return booking


def booking_check_leave_deadline(*, schedule: CourseSchedule, now: datetime, late: bool = False) -> None:
    """请假 is allowed until LEAVE_DEADLINE before the start, the deadline itself included. `late`: an
    operator's 超时请假 (RULES §11.1) lifts the deadline; the class must still not have started
    (`booking_lock_active`)."""
    if not late and now > schedule.starts_at - settings.LEAVE_DEADLINE:
        hours = hours_text(settings.LEAVE_DEADLINE.total_seconds() / 60)
        raise BusinessError.conflict("leave_too_late", messages.LEAVE_TOO_LATE.format(hours=hours))


def schedule_capacity_save(*, schedule: CourseSchedule, capacity: int) -> int:
    """Saves a class's new seat count and returns the old one. Caller holds the schedule lock and
    offers raised seats to the waitlist (flows.studio)."""
    old = schedule.capacity
    schedule.capacity = capacity
    schedule.save(update_fields=["capacity", "updated_at"])
    return old


def schedule_reason_required(*, reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError.bad_request(
            "validation_error", messages.REASON_REQUIRED, {"reason": [messages.REASON_REQUIRED]}
        )
    return reason


def schedule_cancel_locked(*, schedule: CourseSchedule, now: datetime) -> list[Booking]:
    """The studio cancels the class (RULES §6.7), the courses part: an open class that has not ended
    becomes `cancelled` and every booked seat `cancelled`; returns those seats (locked, by pk). Caller
    holds the schedule lock and settles what each child is owed (flows.studio)."""
    if schedule.status != CourseSchedule.Status.OPEN:
        raise BusinessError.conflict("schedule_cancelled", messages.SCHEDULE_CANCELLED)
    if now >= schedule.ends_at:
        raise BusinessError.conflict("schedule_ended", messages.SCHEDULE_ENDED)
    schedule.status = CourseSchedule.Status.CANCELLED
    schedule.save(update_fields=["status", "updated_at"])
    seats = Booking.objects.filter(schedule=schedule, status=Booking.Status.BOOKED).order_by("pk")
    lock_rows(seats)
    bookings = list(seats.select_related("profile", "schedule__course"))  # read under the lock, not locked
    for booking in bookings:
        booking.status, booking.active, booking.cancelled_at = Booking.Status.CANCELLED, None, now
        booking.save(update_fields=["status", "active", "cancelled_at", "updated_at"])
    return bookings


def schedule_cancelled_notify(*, schedule: CourseSchedule, bookings: list[Booking], reason: str) -> None:
    """Every booked family hears that the class is cancelled (session_cancelled)."""
    notification_create_many(
        specs=[
            NotificationSpec(
                booking.profile.owner_id,
                "session_cancelled",
                {
                    "course_name": schedule.course.name,
                    "starts_at": local_time_text(schedule.starts_at),
                    "profile_name": booking.profile.name,
                    "profile_id": booking.profile_id,
                    "reason": reason,
                },
                booking.profile_id,
            )
            for booking in bookings
        ]
    )


@retry_on_deadlock
def booking_mark_attendance(*, booking_ids: list[int], status: str, now: datetime | None = None) -> int:
    """Operators mark attendance after class (bulk): booked (or already marked) seats of classes that
    have started become attended or absent. A make-up marked absent is not completed."""
    if status not in (Booking.Status.ATTENDED, Booking.Status.ABSENT):
        raise BusinessError.bad_request("validation_error", messages.ATTENDANCE_STATUS)
    now = now or timezone.now()
    with transaction.atomic():
        # The classes first, in the system's lock order: the marks move their booked counters.
        schedule_ids = Booking.objects.filter(pk__in=booking_ids).values("schedule_id")
        lock_rows(CourseSchedule.objects.filter(pk__in=schedule_ids).order_by("pk"))
        marked = list(
            Booking.objects.filter(
                pk__in=booking_ids,
                schedule__starts_at__lte=now,
                status__in=[Booking.Status.BOOKED, Booking.Status.ATTENDED, Booking.Status.ABSENT],
            ).values_list("pk", flat=True)
        )
        # By id only: MySQL refuses a trigger that writes a table its statement reads (error 1442),
        # and the counters' trigger writes the class rows a filter on the start would join.
        return Booking.objects.filter(pk__in=marked).update(status=status, active=None, updated_at=now)


def schedule_description(*, schedule: CourseSchedule) -> str:
    return messages.CLASS_DESCRIPTION.format(
        starts_at=local_time_text(schedule.starts_at), coach=schedule.coach or "—", venue=schedule.venue or "—"
    )


def schedule_change_locked(
    *, schedule: CourseSchedule, starts_at: datetime, ends_at: datetime, coach: str, venue: str, now: datetime
) -> str:
    """Saves a class's new time, coach and venue (RULES §11.6); returns how it read before. Refuses a
    cancelled class, a start in the past and an end not after the start. Caller holds the lock."""
    if schedule.status != CourseSchedule.Status.OPEN:
        raise BusinessError.conflict("schedule_cancelled", messages.SCHEDULE_NOT_OPEN)
    if starts_at <= now:
        raise BusinessError.bad_request(
            "validation_error", messages.START_IN_PAST, {"starts_at": [messages.START_IN_PAST]}
        )
    if ends_at <= starts_at:
        raise BusinessError.bad_request(
            "validation_error", messages.ENDS_BEFORE_START, {"ends_at": [messages.ENDS_BEFORE_START]}
        )
    if (starts_at, ends_at, coach, venue) == (schedule.starts_at, schedule.ends_at, schedule.coach, schedule.venue):
        raise BusinessError.bad_request("validation_error", messages.NOTHING_CHANGED)
    old = schedule_description(schedule=schedule)
    schedule.starts_at, schedule.ends_at, schedule.coach, schedule.venue = starts_at, ends_at, coach, venue
    schedule.save(update_fields=["starts_at", "ends_at", "coach", "venue", "updated_at"])
    return old


def schedule_changed_notify(*, schedule: CourseSchedule, profiles: list[Profile], old: str) -> None:
    """Every booked and waiting family hears the change (session_changed), once per child."""
    new = schedule_description(schedule=schedule)
    notification_create_many(
        specs=[
            NotificationSpec(
                profile.owner_id,
                "session_changed",
                {
                    "course_name": schedule.course.name,
                    "starts_at": local_time_text(schedule.starts_at),
                    "old": old,
                    "new": new,
                    "schedule_id": schedule.pk,
                    "profile_name": profile.name,
                    "profile_id": profile.pk,
                },
                profile.pk,
            )
            for profile in profiles
        ]
    )
