"""Make-up classes (docs/rules.md §6): owed after a leave, booked into an eligible session with the
duration difference settled in compensation minutes, cancelled with an exact reversal.

Locks: the session's schedule row, then the profile row (the ledger's lock), then the make-up.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.locks import profile_lock
from compensation import messages as compensation_messages
from compensation import selectors as compensation_selectors
from compensation import services as compensation_services
from compensation.models import ClassCreditCompensation
from core.db import lock_rows, retry_on_deadlock
from core.errors import BusinessError
from core.formatting import local_time_text
from courses import services as course_services
from courses.locks import schedule_lock
from courses.models import Booking, CourseSchedule
from makeup import messages, selectors
from makeup.models import MakeupBooking
from notifications.services import NotificationSpec, notification_create_many
from waitlist import selectors as waitlist_selectors
from waitlist import services as waitlist_services
from waitlist.models import WaitlistOffer


def makeup_create_for_leave(*, booking: Booking, now: datetime) -> MakeupBooking:
    """A leave owes a make-up, in the leave's transaction (RULES §6.1)."""
    course = booking.schedule.course
    return MakeupBooking.objects.create(
        profile_id=booking.profile_id,
        original_booking=booking,
        original_course=course,
        original_minutes=course.duration_minutes,
        status=MakeupBooking.Status.PENDING,
        leave_at=now,
    )


@dataclass(frozen=True)
class BookResult:
    makeup: MakeupBooking
    booking: Booking
    duration_difference: int
    compensation_generated: int
    compensation_used: int
    remaining_compensation: int


def _notify(makeup: MakeupBooking, schedule: CourseSchedule, template: str) -> None:
    profile = makeup.profile
    notification_create_many(
        specs=[
            NotificationSpec(
                profile.owner_id,
                template,
                {
                    "course_name": schedule.course.name,
                    "starts_at": local_time_text(schedule.starts_at),
                    "profile_name": profile.name,
                    "profile_id": profile.pk,
                    "makeup_id": makeup.pk,
                },
                profile.pk,
            )
        ]
    )


def check_duration_rules(
    *, makeup: MakeupBooking, schedule: CourseSchedule, confirm_shorter: bool, use_compensation: bool, now: datetime
) -> int:
    """RULES §6.3 (and §6.6): shorter needs confirming, longer (or a redemption) needs enough minutes.
    Returns the duration difference."""
    session = schedule.course.duration_minutes
    difference = session - makeup.original_minutes
    if difference < 0 and not confirm_shorter:
        prompt = selectors.makeup_confirm_prompt(session_minutes=session, original_minutes=makeup.original_minutes)
        raise BusinessError.conflict("confirm_required", prompt)
    if difference > 0:
        balance = compensation_selectors.compensation_balance(profile_id=makeup.profile_id, now=now)
        if not use_compensation or balance < difference:
            message = (
                compensation_messages.REDEEM_INSUFFICIENT.format(minutes=difference)
                if makeup.original_booking_id is None
                else compensation_messages.INSUFFICIENT.format(minutes=difference)
            )
            raise BusinessError.conflict("insufficient_compensation", message)
    return difference


def makeup_settle(
    *,
    makeup: MakeupBooking,
    schedule: CourseSchedule,
    confirm_shorter: bool,
    use_compensation: bool,
    now: datetime,
    book: Callable[[], Booking],
) -> BookResult:
    """Books the seat (`book`) as this make-up and settles the minutes; used by a direct make-up
    booking and by accepting a make-up's waitlist offer. The caller holds the schedule lock."""
    profile_lock(profile_id=makeup.profile_id)
    makeup = MakeupBooking.objects.select_for_update().get(pk=makeup.pk)
    if makeup.status != MakeupBooking.Status.PENDING:
        raise BusinessError.conflict("makeup_not_pending", messages.NOT_PENDING)
    difference = check_duration_rules(
        makeup=makeup, schedule=schedule, confirm_shorter=confirm_shorter, use_compensation=use_compensation, now=now
    )
    booking = book()
    generated = used = 0
    if difference < 0:
        generated = -difference
        compensation_services.compensation_credit_create(
            profile_id=makeup.profile_id,
            minutes=generated,
            now=now,
            source=ClassCreditCompensation.Source.MAKEUP_SHORTER,
            makeup=makeup,
            booking=booking,
        )
    elif difference > 0:
        used = difference
        compensation_services.compensation_spend(
            profile_id=makeup.profile_id,
            minutes=used,
            now=now,
            makeup=makeup,
            error=BusinessError.conflict(
                "insufficient_compensation", compensation_messages.INSUFFICIENT.format(minutes=used)
            ),
        )
    makeup.status = MakeupBooking.Status.BOOKED
    makeup.booking = booking
    makeup.makeup_minutes = schedule.course.duration_minutes
    makeup.duration_difference = difference
    makeup.save(update_fields=["status", "booking", "makeup_minutes", "duration_difference", "updated_at"])
    _end_other_waitlist_entries(makeup, schedule, now)
    _notify(makeup, schedule, "makeup_booked")
    return BookResult(
        makeup,
        booking,
        difference,
        generated,
        used,
        compensation_selectors.compensation_balance(profile_id=makeup.profile_id, now=now),
    )


def _end_other_waitlist_entries(makeup: MakeupBooking, schedule: CourseSchedule, now: datetime) -> None:
    """A make-up booked somewhere leaves the other waitlists it was queued in for — after commit, each
    class in its own transaction: locking other classes here, after the profile, would invert the
    lock order (schedule, then profile) and deadlock with a seat release in those classes. Until
    then an accept there is refused anyway (the make-up is no longer pending)."""
    makeup_id, schedule_id = makeup.pk, schedule.pk
    transaction.on_commit(
        lambda: waitlist_services.waitlist_entries_end_for_makeup(
            makeup_id=makeup_id, except_schedule_id=schedule_id, now=now
        ),
        robust=True,
    )


def makeup_lock_to_book(*, profile, original_booking_id: int | None) -> MakeupBooking:
    """The make-up a booking is for, locked: the pending one of `original_booking_id`, or (without
    one) a new redemption, not saved until it books. Caller holds the schedule and profile locks."""
    if original_booking_id is None:
        return MakeupBooking(profile=profile, original_minutes=0, status=MakeupBooking.Status.PENDING)
    pending = MakeupBooking.objects.filter(
        original_booking_id=original_booking_id, profile=profile, status=MakeupBooking.Status.PENDING
    ).order_by("pk")
    lock_rows(pending)
    makeup = pending.select_related("original_course", "original_booking").first()  # read under the lock
    if makeup is None:
        raise BusinessError.conflict("makeup_not_pending", messages.NOT_PENDING)
    return makeup


def makeup_check_bookable(
    *,
    makeup: MakeupBooking,
    profile,
    schedule: CourseSchedule,
    confirm_shorter: bool,
    use_compensation: bool,
    now: datetime,
) -> None:
    """RULES §6.3 before the seat is taken, in this order: eligible by §6.2 (fullness aside), a free
    seat (else the waitlist is offered), the duration rules. A redemption's record is saved once all
    pass. Caller holds the schedule and profile locks."""
    if not selectors.makeup_is_eligible(profile=profile, schedule_id=schedule.pk, now=now, makeup=makeup):
        raise BusinessError.conflict("not_eligible", messages.NOT_ELIGIBLE)
    if waitlist_selectors.schedule_seats(schedule=schedule) <= 0:
        can_join = waitlist_selectors.waitlist_can_join(schedule=schedule, profile=profile, now=now)
        raise BusinessError.conflict("schedule_full", messages.FULL_PROMPT, {"can_join_waitlist": can_join})
    check_duration_rules(
        makeup=makeup, schedule=schedule, confirm_shorter=confirm_shorter, use_compensation=use_compensation, now=now
    )
    if makeup.pk is None:
        makeup.save()  # a redemption's record exists only once it books


def makeup_check_redeem(*, original_booking_id: int | None, use_compensation: bool) -> None:
    """Without a make-up to book, only a redemption paid in compensation minutes (RULES §6.6)."""
    if original_booking_id is None and not use_compensation:
        raise BusinessError.bad_request(
            "validation_error",
            messages.REDEEM_NEEDS_COMPENSATION,
            {"original_booking_id": [messages.REDEEM_NEEDS_COMPENSATION]},
        )


@dataclass(frozen=True)
class CancelResult:
    makeup: MakeupBooking
    compensation_restored: int
    compensation_revoked: int


def _owe_again(makeup: MakeupBooking) -> None:
    """Its seat is gone: the make-up is owed again (pending); a redemption, which owed nothing, ends cancelled."""
    if makeup.original_booking_id is None:
        makeup.status = MakeupBooking.Status.CANCELLED
    else:
        makeup.status = MakeupBooking.Status.PENDING
        makeup.booking = None
        makeup.makeup_minutes = None
        makeup.duration_difference = None
    makeup.save(update_fields=["status", "booking", "makeup_minutes", "duration_difference", "updated_at"])


def makeup_release(
    *, makeup: MakeupBooking, schedule: CourseSchedule, now: datetime, by=None, reason: str = ""
) -> CancelResult:
    """Cancels a booked make-up inside the caller's transaction (schedule locked): the seat is freed to
    the waitlist, spent minutes go back where they came from, the credit it created is revoked (or
    the whole cancel is refused if that credit was spent). A redemption ends `cancelled`."""
    profile_lock(profile_id=makeup.profile_id)
    revoked = compensation_services.compensation_revoke_created(
        makeup=makeup, now=now
    )  # may refuse: nothing written yet
    restored = compensation_services.compensation_restore(makeup=makeup, now=now)
    booking = Booking.objects.select_for_update().get(pk=makeup.booking_id)
    if booking.status == Booking.Status.BOOKED:
        course_services.booking_release(booking=booking, status=Booking.Status.CANCELLED, now=now, by=by, reason=reason)
        waitlist_services.waitlist_seat_released(schedule=schedule, reason=WaitlistOffer.Reason.MAKEUP_CANCEL, now=now)
    _owe_again(makeup)
    _notify(makeup, schedule, "makeup_cancelled")
    return CancelResult(makeup, restored, revoked)


@retry_on_deadlock
def makeup_cancel(*, makeup_id: int, now: datetime | None = None) -> CancelResult:
    """DELETE makeup/{id}/cancel: a booked make-up, before its class starts."""

    now = now or timezone.now()
    schedule_id = (
        MakeupBooking.objects.filter(pk=makeup_id, status=MakeupBooking.Status.BOOKED)
        .values_list("booking__schedule_id", flat=True)
        .first()
    )
    if schedule_id is None:
        raise BusinessError.conflict("makeup_not_cancellable", messages.NOT_CANCELLABLE)
    with transaction.atomic():
        schedule = schedule_lock(schedule_id=schedule_id)
        makeup = _lock_makeup(pk=makeup_id)
        if makeup.status != MakeupBooking.Status.BOOKED or now >= schedule.starts_at:
            raise BusinessError.conflict("makeup_not_cancellable", messages.NOT_CANCELLABLE)
        return makeup_release(makeup=makeup, schedule=schedule, now=now)


def _lock_makeup(**lookup) -> MakeupBooking | None:
    """The lock order is schedule, profile, make-up: the caller holds the schedule; the profile is
    locked here first, and the make-up row alone (no JOIN under FOR UPDATE)."""
    profile_id = MakeupBooking.objects.filter(**lookup).values_list("profile_id", flat=True).first()
    if profile_id is None:
        return None
    profile_lock(profile_id=profile_id)
    locked = lock_rows(MakeupBooking.objects.filter(**lookup).order_by("pk")[:1])
    return locked[0] if locked else None


def makeup_for_booking(*, booking: Booking) -> MakeupBooking | None:
    return _lock_makeup(booking=booking, status=MakeupBooking.Status.BOOKED)


def makeup_complete(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Hourly: a booked make-up whose class has ended is completed, unless the child was marked absent."""
    now = now or timezone.now()
    ids = list(
        MakeupBooking.objects.filter(status=MakeupBooking.Status.BOOKED, booking__schedule__ends_at__lte=now)
        .exclude(booking__status=Booking.Status.ABSENT)
        .values_list("id", flat=True)[:batch]
    )
    return MakeupBooking.objects.filter(pk__in=ids, status=MakeupBooking.Status.BOOKED).update(
        status=MakeupBooking.Status.COMPLETED, completed_at=now, updated_at=now
    )


def makeup_expire(*, now: datetime | None = None) -> int:
    """Only when MAKEUP_VALIDITY_DAYS is set: owed make-ups older than that expire."""
    if settings.MAKEUP_VALIDITY_DAYS is None:
        return 0
    now = now or timezone.now()
    limit = now - timezone.timedelta(days=settings.MAKEUP_VALIDITY_DAYS)
    return MakeupBooking.objects.filter(status=MakeupBooking.Status.PENDING, leave_at__lte=limit).update(
        status=MakeupBooking.Status.EXPIRED, updated_at=now
    )


def makeup_for_waitlist(
    *, profile, makeup_id: int, schedule: CourseSchedule, confirm_shorter: bool, use_compensation: bool, now: datetime
) -> MakeupBooking:
    """RULES §6.4 at join: the profile's pending make-up, an eligible session, and the §6.3 flags."""
    makeup = (
        MakeupBooking.objects.filter(pk=makeup_id, profile=profile)
        .select_related("original_course", "original_booking")
        .first()
    )
    if makeup is None:
        raise BusinessError.not_found()  # 资源不存在, as for any other parent's id (RULES §9)
    if makeup.status != MakeupBooking.Status.PENDING:
        raise BusinessError.conflict("makeup_not_pending", messages.NOT_PENDING)
    if not selectors.makeup_is_eligible(profile=profile, schedule_id=schedule.pk, now=now, makeup=makeup):
        raise BusinessError.conflict("not_eligible", messages.NOT_ELIGIBLE)
    check_duration_rules(
        makeup=makeup, schedule=schedule, confirm_shorter=confirm_shorter, use_compensation=use_compensation, now=now
    )
    return makeup


def makeup_owed_for_cancelled_class(*, booking: Booking, now: datetime) -> MakeupBooking:
    """The studio cancelled the class (RULES §6.7): the child is owed a make-up, as after a leave."""
    return makeup_create_for_leave(booking=booking, now=now)


def makeup_return_for_cancelled_class(*, makeup: MakeupBooking, schedule: CourseSchedule, now: datetime) -> None:
    """The studio cancelled the class a make-up was booked into: the make-up is owed again (a
    redemption ends cancelled). Minutes it spent go back; the credit it earned is revoked as far as
    it is unspent — never refused: the cancellation is the studio's, not the parent's."""
    profile_lock(profile_id=makeup.profile_id)
    compensation_services.compensation_revoke_created(makeup=makeup, now=now, unspent_only=True)
    compensation_services.compensation_restore(makeup=makeup, now=now)
    _owe_again(makeup)
