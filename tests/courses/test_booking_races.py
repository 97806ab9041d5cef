"""Races on MariaDB with real threads: the schedule row lock and the unique key decide, not Python."""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import BusinessError
from courses.models import Booking
from flows import booking as booking_flows
from tests.concurrency import run_together
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]


def refused(result, errors: set[str]) -> bool:
    """One of these business refusals (a 409 for the parent), not any other exception."""
    return isinstance(result, BusinessError) and result.error in errors


def test_twenty_parents_racing_for_the_last_seat_make_exactly_one_booking():
    schedule = ScheduleFactory(capacity=6, starts_at=timezone.now() + timedelta(days=1))
    for _ in range(5):
        BookingFactory(schedule=schedule)
    profiles = [ProfileFactory() for _ in range(20)]
    results = run_together(
        [lambda p=p: booking_flows.booking_create(profile=p, schedule_id=schedule.pk) for p in profiles]
    )
    winners = [r for r in results if isinstance(r, Booking)]
    losers = [r for r in results if not isinstance(r, Booking)]
    assert len(winners) == 1
    assert len(losers) == 19 and all(refused(r, {"schedule_full"}) for r in losers), losers
    assert Booking.objects.filter(schedule=schedule, status="booked").count() == 6


def test_one_child_booked_twice_at_once_gets_one_seat():
    schedule = ScheduleFactory(capacity=6, starts_at=timezone.now() + timedelta(days=1))
    profile = ProfileFactory()
    results = run_together([lambda: booking_flows.booking_create(profile=profile, schedule_id=schedule.pk)] * 10)
    losers = [r for r in results if not isinstance(r, Booking)]
    # Every loser is the refusal: a raw IntegrityError from the unique key (a 500) is not.
    assert len(losers) == 9 and all(refused(r, {"already_booked"}) for r in losers), losers
    assert Booking.objects.filter(profile=profile, status="booked").count() == 1


def test_one_child_into_two_overlapping_classes_at_once_gets_one():
    start = timezone.now() + timedelta(days=1)
    first = ScheduleFactory(starts_at=start)
    second = ScheduleFactory(starts_at=start + timedelta(minutes=30))
    profile = ProfileFactory()
    results = run_together(
        [
            lambda: booking_flows.booking_create(profile=profile, schedule_id=first.pk),
            lambda: booking_flows.booking_create(profile=profile, schedule_id=second.pk),
        ]
        * 4
    )
    losers = [r for r in results if not isinstance(r, Booking)]
    assert len(losers) == 7 and all(refused(r, {"time_conflict", "already_booked"}) for r in losers), losers
    assert Booking.objects.filter(profile=profile, status="booked").count() == 1


def test_cancel_and_rebook_race_never_exceeds_capacity():
    schedule = ScheduleFactory(capacity=3, starts_at=timezone.now() + timedelta(days=1))
    holders = [BookingFactory(schedule=schedule) for _ in range(3)]
    newcomers = [ProfileFactory() for _ in range(12)]
    work = [lambda b=b: booking_flows.booking_cancel(booking_id=b.pk) for b in holders]
    work += [lambda p=p: booking_flows.booking_create(profile=p, schedule_id=schedule.pk) for p in newcomers]
    results = run_together(work)
    assert not [r for r in results if not isinstance(r, Booking | BusinessError)], results
    assert Booking.objects.filter(schedule=schedule, status="booked").count() <= 3
    assert (
        sum(isinstance(r, Booking) and r.status == "booked" for r in results)
        == Booking.objects.filter(schedule=schedule, status="booked").count()
    )


def test_locking_one_class_does_not_lock_its_course_or_other_classes_of_the_type():
    """The schedule lock takes the schedule row only: no JOIN in the FOR UPDATE, so classes of one
    course type do not serialise on its row, and SKIP LOCKED skips only the class really held."""
    import time

    from django.db import transaction

    from courses.locks import schedule_lock

    start = timezone.now() + timedelta(days=1)
    held = ScheduleFactory(starts_at=start)
    other = ScheduleFactory(starts_at=start + timedelta(hours=3))
    assert held.course.course_type_id == other.course.course_type_id
    locked, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            schedule_lock(schedule_id=held.pk)
            locked.set()
            release.wait(10)
        return "held"

    def contend():
        locked.wait(10)
        started = time.monotonic()
        with transaction.atomic():
            skipped_held = schedule_lock(schedule_id=held.pk, skip_locked=True) is None
            got_other = schedule_lock(schedule_id=other.pk, skip_locked=True) is not None
        booking = booking_flows.booking_create(profile=ProfileFactory(), schedule_id=other.pk)
        release.set()
        return skipped_held, got_other, booking.status, time.monotonic() - started

    results = run_together([hold, contend])
    assert results[0] == "held"
    skipped_held, got_other, status, waited = results[1]
    assert (skipped_held, got_other, status) == (True, True, "booked")
    assert waited < 2  # nothing waited for the lock on the other class
