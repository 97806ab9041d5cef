"""Races on MariaDB with real threads: the schedule lock and the unique keys decide."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import BusinessError
from courses.models import Booking
from flows import offers
from flows.booking import booking_cancel
from tests.concurrency import run_together
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory
from waitlist import selectors, services
from waitlist.models import WaitlistEntry, WaitlistNotification, WaitlistOffer

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]


def full_class(capacity=6, hours=30):
    schedule = ScheduleFactory(starts_at=timezone.now() + timedelta(hours=hours), capacity=capacity)
    holders = [BookingFactory(schedule=schedule) for _ in range(capacity)]
    return schedule, holders


def refused(result, error: str) -> bool:
    """The business refusal `error` (a 409 for the parent), not any other exception."""
    return isinstance(result, BusinessError) and result.error == error


def queue(schedule, n):
    return [offers.waitlist_join(profile=ProfileFactory(), schedule_id=schedule.pk).entry for _ in range(n)]


def test_fifty_accepts_for_one_seat_make_exactly_one_booking():
    schedule, holders = full_class()
    schedule.waitlist_capacity = 60
    schedule.save()
    entries = queue(schedule, 50)
    booking_cancel(booking_id=holders[0].pk)
    results = run_together([lambda e=e: offers.waitlist_offer_accept(entry_id=e.pk) for e in entries])
    winners = [r for r in results if isinstance(r, Booking)]
    losers = [r for r in results if not isinstance(r, Booking)]
    assert len(winners) == 1, results
    assert len(losers) == 49 and all(refused(r, "offer_taken") for r in losers), losers
    assert Booking.objects.filter(schedule=schedule, status="booked").count() == 6
    assert WaitlistOffer.objects.get().status == "claimed"
    assert WaitlistNotification.objects.filter(status="superseded").count() == 49


def test_twenty_joins_for_the_last_waitlist_place_make_exactly_one_entry():
    schedule, _ = full_class()
    schedule.waitlist_capacity = 5
    schedule.save()
    queue(schedule, 4)
    profiles = [ProfileFactory() for _ in range(20)]
    results = run_together([lambda p=p: offers.waitlist_join(profile=p, schedule_id=schedule.pk) for p in profiles])
    joined = [r for r in results if isinstance(r, services.JoinResult)]
    losers = [r for r in results if not isinstance(r, services.JoinResult)]
    assert len(joined) == 1
    # Every loser is the queue-full refusal: a raw IntegrityError or OperationalError (a 500) is not.
    assert len(losers) == 19 and all(refused(r, "waitlist_full") for r in losers), losers
    assert WaitlistEntry.objects.filter(schedule=schedule, status="waiting").count() == 5
    positions = sorted(
        e.ahead + 1
        for e in selectors.waitlist_entries_with_positions(
            queryset=WaitlistEntry.objects.filter(schedule=schedule, status="waiting")
        )
    )
    assert positions == [1, 2, 3, 4, 5]


def test_one_profile_joining_ten_times_at_once_waits_once():
    schedule, _ = full_class()
    profile = ProfileFactory()
    results = run_together([lambda: offers.waitlist_join(profile=profile, schedule_id=schedule.pk)] * 10)
    losers = [r for r in results if not isinstance(r, services.JoinResult)]
    assert len(losers) == 9 and all(refused(r, "already_waitlisted") for r in losers), losers
    assert WaitlistEntry.objects.filter(profile=profile, status="waiting").count() == 1


@pytest.mark.parametrize("offset_ms", [-5, 0, 5])
def test_accept_racing_the_sweeper_at_the_deadline_has_one_consistent_outcome(offset_ms):
    schedule, holders = full_class()
    first, second = queue(schedule, 2)
    released = timezone.now() - timedelta(minutes=15)
    booking_cancel(booking_id=holders[0].pk, now=released)
    offer = WaitlistOffer.objects.get()
    at = offer.deadline + timedelta(milliseconds=offset_ms)
    results = run_together(
        [
            lambda: offers.waitlist_offer_accept(entry_id=second.pk, now=at),
            lambda: services.waitlist_offers_sweep(now=at),
            lambda: services.waitlist_offers_sweep(now=at),
        ]
    )
    offer.refresh_from_db()
    won = isinstance(results[0], Booking)
    if won:
        assert offer.status == "claimed" and offer.claimed_by_id == second.pk
    else:
        assert isinstance(results[0], BusinessError) and results[0].error == "offer_expired"
        assert (offer.phase, offer.status, offer.reserved_for_id) == ("reserved", "open", first.pk)
    assert won == (offset_ms <= 0)  # at or before the deadline the accept wins; after it, never
    assert Booking.objects.filter(schedule=schedule, status="booked").count() == (6 if won else 5)
    assert WaitlistNotification.objects.filter(kind="seat_reserved").count() == (0 if won else 1)


def test_two_sweepers_at_once_do_what_one_does():
    schedules = []
    for hours in (30, 40, 50):
        schedule, holders = full_class(hours=hours)
        queue(schedule, 3)
        booking_cancel(booking_id=holders[0].pk, now=timezone.now() - timedelta(minutes=20))
        schedules.append(schedule)
    now = timezone.now()
    results = run_together([lambda: services.waitlist_offers_sweep(now=now) for _ in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) >= 3  # a later sweeper may lock a schedule again after the first commits: a no-op
    for schedule in schedules:
        offer = WaitlistOffer.objects.get(schedule=schedule)
        assert offer.phase == "reserved" and offer.round == 2
        assert WaitlistNotification.objects.filter(offer=offer, kind="seat_reserved").count() == 1


def test_cancels_and_accepts_racing_never_overbook():
    schedule, holders = full_class(capacity=3)
    entries = queue(schedule, 8)
    work = [lambda b=b: booking_cancel(booking_id=b.pk) for b in holders]
    work += [lambda e=e: offers.waitlist_offer_accept(entry_id=e.pk) for e in entries]
    results = run_together(work)
    assert not [r for r in results if not isinstance(r, Booking | BusinessError)], results
    booked = Booking.objects.filter(schedule=schedule, status="booked").count()
    held = WaitlistOffer.objects.filter(schedule=schedule, status="open").count()
    assert booked + held <= 3
    assert WaitlistOffer.objects.filter(status="claimed").count() == Booking.objects.filter(kind="waitlist").count()
