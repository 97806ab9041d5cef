"""RULES §6.7: the studio cancels a whole class (a coach is ill), and attendance after class."""

from datetime import timedelta

import pytest

from compensation.models import ClassCreditCompensation, CompensationUsage
from core.errors import BusinessError
from courses.models import Booking
from courses.services import booking_mark_attendance
from flows.studio import schedule_cancel_by_studio
from makeup.models import MakeupBooking
from makeup.services import makeup_complete
from notifications.models import Notification
from tests.compensation.invariants import assert_ledger_invariants
from tests.factories import BookingFactory, StaffFactory
from tests.makeup.conftest import book, give_credit
from waitlist.models import WaitlistEntry, WaitlistOffer

pytestmark = pytest.mark.django_db


def test_cancelling_a_class_owes_makeups_closes_the_waitlist_and_tells_every_family(
    world, make_second_makeup, queue_of
):
    target = world.sessions["90"]
    regulars = [BookingFactory(schedule=target) for _ in range(3)]
    # The child's make-up is booked into this class too (shorter: it earned 30 minutes).
    assert book(world, target, confirm_shorter=True).status_code == 200
    for _ in range(target.capacity - 4):
        BookingFactory(schedule=target)
    queue_of(target, 2)
    from flows.booking import booking_cancel

    booking_cancel(booking_id=regulars[0].pk)  # an offer is open for the waitlist
    assert WaitlistOffer.objects.filter(schedule=target, status="open").exists()
    result = schedule_cancel_by_studio(schedule_id=target.pk, reason="教练生病", by=StaffFactory())
    target.refresh_from_db()
    assert target.status == "cancelled"
    assert not Booking.objects.filter(schedule=target, status="booked").exists()
    assert (result.bookings_cancelled, result.makeups_owed, result.waiting_closed) == (
        target.capacity - 1,
        target.capacity - 2,
        2,
    )
    owed = MakeupBooking.objects.filter(original_booking__schedule=target, status="pending")
    assert owed.count() == target.capacity - 2
    mine = MakeupBooking.objects.get(pk=world.makeup_id)
    assert (mine.status, mine.booking) == ("pending", None)  # the make-up is owed again
    assert ClassCreditCompensation.objects.get(makeup=mine).status == "revoked"
    assert {e.status for e in WaitlistEntry.objects.filter(schedule=target)} == {"closed"}
    assert WaitlistOffer.objects.get(schedule=target).status == "lapsed"
    assert Notification.objects.filter(template="session_cancelled").count() == target.capacity - 1
    # Waiting families hear that the class is cancelled, not that a cutoff passed.
    assert not Notification.objects.filter(template="waitlist_closed").exists()
    told = Notification.objects.filter(template="waitlist_session_cancelled")
    assert told.count() == 2
    assert {row.body for row in told} == {f"{target.course.name}（2026年12月5日 09:00）已取消，候补已结束"}
    assert_ledger_invariants()


def test_a_cancelled_class_cannot_be_cancelled_twice_or_after_it_ended(world, clock):
    target = world.sessions["120"]
    schedule_cancel_by_studio(schedule_id=target.pk, reason="场地维修")
    with pytest.raises(BusinessError) as twice:
        schedule_cancel_by_studio(schedule_id=target.pk, reason="again")
    assert twice.value.error == "schedule_cancelled"
    other = world.sessions["150"]
    clock.move_to(other.ends_at, tick=False)
    with pytest.raises(BusinessError) as ended:
        schedule_cancel_by_studio(schedule_id=other.pk, reason="x")
    assert ended.value.message == "课程已结束"
    with pytest.raises(BusinessError):
        schedule_cancel_by_studio(schedule_id=world.sessions["60"].pk, reason=" ")


def test_the_earned_credit_of_a_cancelled_class_is_revoked_only_as_far_as_unspent(world, make_second_makeup):
    target = world.sessions["90"]
    book(world, target, confirm_shorter=True)  # +30
    second = make_second_makeup()
    give_credit(world.profile, 10, days=30)
    # The second make-up spends 30 of the 40 minutes: the soonest-expiring first (the earned 30).
    assert (
        book(
            world, world.sessions["150"], use_compensation=True, original_booking_id=second.original_booking_id
        ).status_code
        == 200
    )
    schedule_cancel_by_studio(schedule_id=target.pk, reason="教练生病")
    earned = ClassCreditCompensation.objects.get(makeup_id=world.makeup_id)
    assert (earned.remaining, earned.status) == (0, "revoked")
    # Cancelling the second make-up gives its minutes back; those of the revoked credit are revoked again.
    world.client.delete(f"/api/v1/makeup/{second.pk}/cancel")
    earned.refresh_from_db()
    assert (earned.remaining, earned.status) == (0, "revoked")
    kinds = list(CompensationUsage.objects.filter(credit=earned).order_by("id").values_list("kind", "minutes"))
    assert kinds == [("use", 30), ("restore", 30), ("revoke", 30)]
    assert_ledger_invariants()


def test_attendance_after_class_and_an_absent_makeup_is_not_completed(world, clock):
    book(world, world.sessions["120"])
    seat = Booking.objects.get(kind="makeup")
    others = [BookingFactory(schedule=world.sessions["120"]) for _ in range(2)]
    assert booking_mark_attendance(booking_ids=[seat.pk], status="absent") == 0  # not started yet
    clock.move_to(world.sessions["120"].starts_at + timedelta(minutes=5), tick=False)
    assert booking_mark_attendance(booking_ids=[seat.pk], status="absent") == 1
    assert booking_mark_attendance(booking_ids=[o.pk for o in others], status="attended") == 2
    clock.move_to(world.sessions["120"].ends_at, tick=False)
    assert makeup_complete() == 0
    assert MakeupBooking.objects.get(pk=world.makeup_id).status == "booked"
    booking_mark_attendance(booking_ids=[seat.pk], status="attended")
    assert makeup_complete() == 1
    with pytest.raises(BusinessError):
        booking_mark_attendance(booking_ids=[seat.pk], status="cancelled")


def test_joining_booking_or_makeup_booking_a_cancelled_class_answers_schedule_cancelled(world, clock, queue_of):
    """RULES §6.7: 409 schedule_cancelled 课程已取消, before the cutoff's answer (here: past it)."""
    target = world.sessions["120"]
    schedule_cancel_by_studio(schedule_id=target.pk, reason="教练生病")
    clock.move_to(target.starts_at - timedelta(hours=1), tick=False)  # past the cutoff, before the start
    cancelled = {"code": 409, "message": "课程已取消", "error": "schedule_cancelled", "data": None}
    body = {"course_schedule_id": target.pk, "profile_id": world.profile.pk}
    answers = [
        world.client.post("/api/v1/waitlist/join", body, format="json"),
        world.client.post("/api/v1/bookings", body, format="json"),
        book(world, target),
    ]
    assert [(answer.status_code, answer.json()) for answer in answers] == [(409, cancelled)] * 3
    assert not WaitlistEntry.objects.filter(schedule=target).exists()
    assert not Booking.objects.filter(schedule=target, status="booked").exists()
