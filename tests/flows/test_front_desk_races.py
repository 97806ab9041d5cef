"""Races on MariaDB with real threads (issue 14): the front desk acting for families and the manager
moving a class, at the same instant as parents. The schedule lock decides; every invariant of the
race rounds holds afterwards."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import BusinessError
from courses.models import Booking
from flows import booking as booking_flows
from flows import offers
from flows.studio import schedule_change
from tests.concurrency import run_together
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory, StaffFactory
from tests.races.rounds import check_invariants

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]


def test_the_desk_and_a_parent_booking_the_last_seat_make_one_booking():
    schedule = ScheduleFactory(starts_at=timezone.now() + timedelta(days=2), capacity=2)
    BookingFactory(schedule=schedule)
    desk, children = StaffFactory(), [ProfileFactory() for _ in range(8)]
    results = run_together(
        [
            lambda c=c, i=i: booking_flows.booking_create(
                profile=c, schedule_id=schedule.pk, by=desk if i % 2 else None, reason="到店报名" if i % 2 else ""
            )
            for i, c in enumerate(children)
        ]
    )
    assert len([r for r in results if isinstance(r, Booking)]) == 1, results
    assert {r.error for r in results if isinstance(r, BusinessError)} == {"schedule_full"}
    assert Booking.objects.filter(schedule=schedule, status="booked").count() == 2
    assert check_invariants(schedule_ids=[schedule.pk], profile_ids=[c.pk for c in children]) == []


def test_moving_a_class_while_its_seat_is_accepted_and_freed_keeps_every_invariant():
    starts = timezone.now() + timedelta(days=2)
    schedule = ScheduleFactory(starts_at=starts, capacity=3)
    seats = [BookingFactory(schedule=schedule) for _ in range(3)]
    entries = [offers.waitlist_join(profile=ProfileFactory(), schedule_id=schedule.pk).entry for _ in range(4)]
    booking_flows.booking_cancel(booking_id=seats[0].pk)  # one seat offered to the four
    manager = StaffFactory()
    work = [
        lambda: schedule_change(
            schedule_id=schedule.pk,
            starts_at=starts - timedelta(hours=1),
            ends_at=starts,
            coach="李教练",
            venue="海淀馆",
            reason="教练调课",
            by=manager,
        ),
        *[lambda e=e: offers.waitlist_offer_accept(entry_id=e.pk) for e in entries],
        lambda: booking_flows.booking_cancel(booking_id=seats[1].pk, by=manager, reason="家长要求"),
        lambda: booking_flows.booking_leave(booking_id=seats[2].pk, reason="生病"),
    ]
    results = run_together(work)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, BusinessError)]
    assert unexpected == []
    assert not isinstance(results[0], Exception)  # the move itself always succeeds
    won = [r for r in results[1:5] if isinstance(r, Booking)]
    assert 1 <= len(won) <= 3  # the first seat for sure; the others if freed before their accept
    schedule.refresh_from_db()
    assert (schedule.starts_at, schedule.venue) == (starts - timedelta(hours=1), "海淀馆")
    assert check_invariants(schedule_ids=[schedule.pk], profile_ids=[e.profile_id for e in entries]) == []
