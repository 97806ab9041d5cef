"""The seed's Wednesday: a 19:00 class (cutoff 13:00), full at 6/6, and parents who queue for it."""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from tests.conftest import at, client_for
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory, UserFactory
from waitlist.models import WaitlistEntry

WEDNESDAY_19 = at("2026-12-02 19:00")


@dataclass
class Parent:
    client: APIClient
    profile: object
    entry_id: int | None = None

    def join(self, schedule, **extra):
        return self.client.post(
            "/api/v1/waitlist/join",
            {"course_schedule_id": schedule.pk, "profile_id": self.profile.pk, **extra},
            format="json",
        )

    def respond(self, action: str):
        return self.client.put(f"/api/v1/waitlist/{self.entry_id}/respond", {"action": action}, format="json")

    def detail(self, schedule):
        return self.client.get(f"/api/v1/schedules/{schedule.pk}?profile_id={self.profile.pk}").json()["data"]

    @property
    def entry(self) -> WaitlistEntry:
        return WaitlistEntry.objects.get(pk=self.entry_id)


class Clock:
    def __init__(self, traveller):
        self.traveller = traveller

    def go(self, text: str, seconds: int = 0):
        from datetime import timedelta

        self.traveller.move_to(at(text) + timedelta(seconds=seconds), tick=False)


@pytest.fixture(autouse=True)
def clock(time_machine):
    """Wednesday 10:00 unless a test moves on; set before any client mints its token."""
    time_machine.move_to(at("2026-12-02 10:00"), tick=False)
    return Clock(time_machine)


@pytest.fixture
def wednesday_class(db):
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19, capacity=6)
    for _ in range(6):
        BookingFactory(schedule=schedule)
    return schedule


def new_parent(level: int = 2) -> Parent:
    user = UserFactory()
    return Parent(client_for(user), ProfileFactory(owner=user, level=level))


@pytest.fixture
def make_parent(db):
    return new_parent


@pytest.fixture
def queue_of(db):
    """queue_of(schedule, n): n parents joined through the API, in order."""

    def build(schedule, n: int) -> list[Parent]:
        parents = []
        for _ in range(n):
            parent = new_parent()
            response = parent.join(schedule)
            assert response.status_code == 200, response.json()
            parent.entry_id = response.json()["data"]["waitlist_id"]
            parents.append(parent)
        return parents

    return build


def seat_holder(schedule):
    """A parent (client, booking) holding one of the class's seats, to cancel or take leave."""
    user = UserFactory()
    booking = BookingFactory(schedule=schedule, profile=ProfileFactory(owner=user))
    return client_for(user), booking


@pytest.fixture
def free_a_seat(db):
    """free_a_seat(schedule): a booked parent cancels through the API (the class stays at capacity - 1 booked)."""

    def free(schedule, how: str = "cancel"):
        booking = schedule.bookings.filter(status="booked").order_by("id").first()
        client = client_for(booking.profile.owner)
        response = client.post(f"/api/v1/bookings/{booking.pk}/{how}", {}, format="json")
        assert response.status_code == 200, response.json()
        return booking

    return free
