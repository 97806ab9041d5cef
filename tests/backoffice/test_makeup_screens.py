"""Issue 14: a make-up reads right on its screen — a leave has a leave time, a class the studio
cancelled does not, and a redemption has no original length of 0."""

import pytest

from compensation import services as compensation_services
from flows.booking import booking_leave, makeup_book
from flows.studio import schedule_cancel_by_studio
from makeup.admin import MakeupBookingAdmin
from makeup.models import MakeupBooking
from tests.factories import BookingFactory, CourseFactory, ProfileFactory, ScheduleFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_leave_cancelled_class_and_redemption_each_read_as_what_they_are():
    from django.contrib import admin

    screen = MakeupBookingAdmin(MakeupBooking, admin.site)
    by_leave = BookingFactory()
    booking_leave(booking_id=by_leave.pk)
    cancelled = BookingFactory()
    schedule_cancel_by_studio(schedule_id=cancelled.schedule_id, reason="教练请假", by=StaffFactory())
    child = ProfileFactory(level=3)
    compensation_services.compensation_adjust(profile_id=child.pk, minutes=120, reason="x", by=StaffFactory())
    makeup_book(
        profile=child,
        schedule_id=ScheduleFactory(course=CourseFactory(level=2, duration_minutes=60)).pk,
        original_booking_id=None,
        use_compensation=True,
    )
    leave = MakeupBooking.objects.get(original_booking=by_leave)
    studio = MakeupBooking.objects.get(original_booking=cancelled)
    redemption = MakeupBooking.objects.get(profile=child)
    assert [screen.origin(m) for m in (leave, studio, redemption)] == ["请假", "课程取消", "课时补偿兑换"]
    assert screen.leave_time(leave) == leave.leave_at
    assert screen.leave_time(studio) is None and screen.leave_time(redemption) is None
    assert screen.original_length(leave) == 60 and screen.original_length(redemption) is None


def test_the_make_up_pages_render(client):
    client.force_login(StaffFactory(is_superuser=True))
    seat = BookingFactory()
    booking_leave(booking_id=seat.pk)
    makeup = MakeupBooking.objects.get()
    assert "请假" in client.get("/admin/makeup/makeupbooking/").content.decode()
    assert client.get(f"/admin/makeup/makeupbooking/{makeup.pk}/change/").status_code == 200
