"""The seed's make-up numbers: a child left a 120-minute class (¥180); sessions of 90, 60, 120 and
150 minutes to make it up in, at the same and other levels and types."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from compensation.models import ClassCreditCompensation
from tests.conftest import at, client_for
from tests.factories import (
    BookingFactory,
    CourseFactory,
    CourseTypeFactory,
    ProfileFactory,
    ScheduleFactory,
    UserFactory,
)
from tests.waitlist.conftest import queue_of  # noqa: F401 - a fixture the make-up tests use too

NOW = at("2026-12-02 10:00")


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@dataclass
class World:
    client: object
    profile: object
    original: object  # the 120-minute class the child left
    leave_booking: object
    makeup_id: int
    regular: object
    sessions: dict


def course(kind, level, minutes, price="180.00", name=None):
    return CourseFactory(
        course_type=kind,
        level=level,
        duration_minutes=minutes,
        price=Decimal(price),
        name=name or f"L{level}-{minutes}分钟",
    )


@pytest.fixture
def world(db) -> World:
    regular = CourseTypeFactory(code="regular", name="常规班", waitlist_capacity=8)
    vip = CourseTypeFactory(code="vip", name="VIP小班", waitlist_capacity=5)
    user = UserFactory()
    profile = ProfileFactory(owner=user, level=2)
    client = client_for(user)
    original = ScheduleFactory(
        course=course(regular, 2, 120, name="少儿体能·进阶"),
        starts_at=at("2026-12-03 19:00"),
        coach="王教练",
        venue="朝阳馆",
    )
    leave_booking = BookingFactory(profile=profile, schedule=original)
    response = client.post(f"/api/v1/bookings/{leave_booking.pk}/leave", {}, format="json")
    assert response.status_code == 200
    day = at("2026-12-05 09:00")
    elsewhere = {"coach": "张教练", "venue": "通州馆"}
    sessions = {
        "90": ScheduleFactory(course=course(regular, 2, 90), starts_at=day, coach="王教练", venue="朝阳馆"),
        "60": ScheduleFactory(
            course=course(regular, 2, 60), starts_at=day + timedelta(hours=3), coach="李教练", venue="海淀馆"
        ),
        "120": ScheduleFactory(
            course=course(regular, 2, 120), starts_at=day + timedelta(days=1), coach="王教练", venue="海淀馆"
        ),
        "150": ScheduleFactory(course=course(regular, 2, 150), starts_at=day + timedelta(days=1, hours=5), **elsewhere),
        "lower": ScheduleFactory(course=course(regular, 1, 120), starts_at=day + timedelta(days=2), **elsewhere),
        "higher": ScheduleFactory(
            course=course(regular, 3, 120), starts_at=day + timedelta(days=2, hours=3), **elsewhere
        ),
        "vip": ScheduleFactory(course=course(vip, 2, 120), starts_at=day + timedelta(days=2, hours=6), **elsewhere),
    }
    return World(client, profile, original, leave_booking, response.json()["data"]["makeup_id"], regular, sessions)


def give_credit(profile, minutes, days=14, now=NOW):
    return ClassCreditCompensation.objects.create(
        profile=profile, minutes=minutes, remaining=minutes, expires_at=now + timedelta(days=days), source="adjustment"
    )


def book(world, schedule, **flags):
    body = {
        "course_schedule_id": schedule.pk,
        "profile_id": world.profile.pk,
        "original_booking_id": world.leave_booking.pk,
        **flags,
    }
    return world.client.post("/api/v1/makeup/book", body, format="json")


def fill(schedule):
    for _ in range(schedule.capacity - schedule.bookings.filter(status="booked").count()):
        BookingFactory(schedule=schedule)


@pytest.fixture
def make_second_makeup(world):
    """A second leave of the same child (another 120-minute class): a second owed make-up."""

    def make():
        other = ScheduleFactory(course=world.original.course, starts_at=at("2026-12-04 19:00"))
        booking = BookingFactory(profile=world.profile, schedule=other)
        response = world.client.post(f"/api/v1/bookings/{booking.pk}/leave", {}, format="json")
        from makeup.models import MakeupBooking

        return MakeupBooking.objects.get(pk=response.json()["data"]["makeup_id"])

    return make
