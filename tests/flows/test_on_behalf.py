"""RULES §11.1-11.5: the front desk acts for a family through the same services a parent's request
runs (same checks and answers), and the rows keep who acted and why."""

from datetime import timedelta

import pytest

from core.errors import BusinessError
from courses.models import Booking
from flows import booking as booking_flows
from flows import offers
from makeup.models import MakeupBooking
from notifications.models import Notification
from tests.conftest import at
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory, StaffFactory
from waitlist.models import WaitlistEntry
from waitlist.selectors import waitlist_released_at

pytestmark = pytest.mark.django_db
START = at("2026-12-02 19:00")  # the leave deadline is 17:00 (LEAVE_DEADLINE = 2 h)


@pytest.fixture
def desk():
    return StaffFactory(username="前台小王")


@pytest.mark.parametrize(
    "moment, late, error",
    [
        (at("2026-12-02 17:00"), False, None),  # the deadline itself: anyone may
        (at("2026-12-02 17:00") + timedelta(seconds=1), False, "leave_too_late"),
        (at("2026-12-02 17:00") + timedelta(seconds=1), True, None),  # 超时请假 by the front desk
        (START - timedelta(seconds=1), True, None),
        (START, True, "booking_not_active"),  # never once the class has started
    ],
)
def test_a_leave_recorded_by_the_front_desk_may_be_late_but_not_after_the_start(desk, moment, late, error):
    seat = BookingFactory(schedule=ScheduleFactory(starts_at=START))
    call = lambda: booking_flows.booking_leave(  # noqa: E731
        booking_id=seat.pk, reason="孩子发烧，电话请假", now=moment, by=desk, late=late
    )
    if error:
        with pytest.raises(BusinessError) as refused:
            call()
        assert refused.value.error == error
        seat.refresh_from_db()
        assert seat.status == "booked" and not MakeupBooking.objects.exists()
        return
    result = call()
    seat.refresh_from_db()
    assert (seat.status, seat.ended_by, seat.end_reason, seat.leave_reason) == (
        "on_leave",
        desk,
        "孩子发烧，电话请假",
        "孩子发烧，电话请假",
    )
    assert MakeupBooking.objects.get(pk=result.makeup_id).status == "pending"


def test_only_an_operator_may_take_a_late_leave():
    seat = BookingFactory(schedule=ScheduleFactory(starts_at=START))
    with pytest.raises(ValueError):
        booking_flows.booking_leave(booking_id=seat.pk, now=at("2026-12-02 18:00"), late=True)


def test_a_parents_own_leave_names_no_operator():
    seat = BookingFactory(schedule=ScheduleFactory(starts_at=START))
    booking_flows.booking_leave(booking_id=seat.pk, reason="出游", now=at("2026-12-02 10:00"))
    seat.refresh_from_db()
    assert (seat.ended_by, seat.end_reason, seat.leave_reason) == (None, "", "出游")


def test_a_cancel_for_the_family_offers_the_seat_and_keeps_who_and_why(desk):
    schedule = ScheduleFactory(starts_at=START, capacity=1)
    seat = BookingFactory(schedule=schedule)
    waiting = [ProfileFactory() for _ in range(2)]
    for child in waiting:
        offers.waitlist_join(profile=child, schedule_id=schedule.pk, now=at("2026-12-01 09:00"))
    now = at("2026-12-01 10:00")
    booking_flows.booking_cancel(booking_id=seat.pk, now=now, by=desk, reason="家长微信要求取消")
    seat.refresh_from_db()
    assert (seat.status, seat.ended_by, seat.end_reason) == ("cancelled", desk, "家长微信要求取消")
    assert waitlist_released_at(schedule_id=schedule.pk, at=now) == (1, 2)
    told = Notification.objects.filter(template="waitlist_seat_available").values_list("profile_id", flat=True)
    assert sorted(told) == sorted(child.pk for child in waiting)  # the waiting families hear of the seat
    assert waitlist_released_at(schedule_id=schedule.pk, at=now + timedelta(seconds=1)) == (0, 0)


def test_booking_a_child_for_the_family_runs_the_parents_checks(desk):
    schedule = ScheduleFactory(starts_at=START, capacity=1)
    child = ProfileFactory()
    now = at("2026-12-01 10:00")
    seat = booking_flows.booking_create(profile=child, schedule_id=schedule.pk, now=now, by=desk, reason="到店报名")
    assert (seat.booked_by, seat.book_reason, seat.kind) == (desk, "到店报名", "regular")
    with pytest.raises(BusinessError) as full:  # the same answer a parent gets
        booking_flows.booking_create(profile=ProfileFactory(), schedule_id=schedule.pk, now=now, by=desk, reason="x")
    assert (full.value.error, full.value.message) == ("schedule_full", "课程已满员")
    assert Booking.objects.filter(schedule=schedule).count() == 1


def test_joining_a_waitlist_for_the_family_keeps_who_and_why(desk):
    schedule = ScheduleFactory(starts_at=START, capacity=1)
    BookingFactory(schedule=schedule)
    child = ProfileFactory()
    result = offers.waitlist_join(
        profile=child, schedule_id=schedule.pk, now=at("2026-12-01 10:00"), by=desk, reason="电话登记候补"
    )
    entry = WaitlistEntry.objects.get(pk=result.entry.pk)
    assert (entry.created_by, entry.join_reason, result.position) == (desk, "电话登记候补", 1)
    with pytest.raises(BusinessError) as again:
        offers.waitlist_join(profile=child, schedule_id=schedule.pk, now=at("2026-12-01 10:01"), by=desk, reason="x")
    assert (again.value.error, again.value.message) == ("already_waitlisted", "您已在候补队列中")


def test_arranging_a_make_up_for_the_family_books_its_seat_with_who_and_why(desk):
    child = ProfileFactory(level=2)
    original = BookingFactory(profile=child, schedule=ScheduleFactory(starts_at=START))
    booking_flows.booking_leave(booking_id=original.pk, now=at("2026-12-01 10:00"))
    session = ScheduleFactory(
        starts_at=at("2026-12-05 10:00"),
        course=original.schedule.course,
    )
    result = booking_flows.makeup_book(
        profile=child,
        schedule_id=session.pk,
        original_booking_id=original.pk,
        now=at("2026-12-01 11:00"),
        by=desk,
        reason="家长请前台安排补课",
    )
    seat = Booking.objects.get(pk=result.makeup.booking_id)
    assert (seat.kind, seat.booked_by, seat.book_reason) == ("makeup", desk, "家长请前台安排补课")
    assert MakeupBooking.objects.get(original_booking=original).status == "booked"
    # The family hears it as if they had booked it themselves.
    told = Notification.objects.get(template="makeup_booked")
    assert (told.user_id, told.profile_id) == (child.owner_id, child.pk)
