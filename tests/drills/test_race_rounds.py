"""Race rounds in CI (issue 8): 20 randomized rounds of real threads through tests/races/rounds.py's
round function, on MariaDB; every invariant holds and nothing but business answers comes back.

`make bench-races` runs 1,000 of the same rounds. RACE_ROUNDS_SEED replays another seed.
"""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from compensation.models import ClassCreditCompensation
from courses.models import Booking
from flows import offers
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory
from tests.races.rounds import check_invariants, run_rounds
from waitlist.models import WaitlistOffer

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

SEED = int(os.environ.get("RACE_ROUNDS_SEED", "8"))


def test_twenty_race_rounds_keep_every_invariant():
    result = run_rounds(20, seed=SEED)
    assert result["operations"] >= 20 * 8
    assert result["violations"] == 0, result["violation_samples"]
    assert result["unexpected_exceptions"] == 0 and result["hung_threads"] == 0, result["unexpected_samples"]
    # The rounds really raced: seats were won from offers and some callers lost.
    assert result["outcomes"]["respond:accept"].get("ok", 0) > 0, result["outcomes"]
    assert (
        sum(n for label, answers in result["outcomes"].items() for answer, n in answers.items() if answer != "ok") > 0
    )


def test_the_invariant_check_sees_a_broken_class_and_a_broken_ledger():
    """The checker of the rounds can fail: an overbooked class, a held seat too many, a claimed offer
    without its booking and a ledger that does not add up are all reported."""
    schedule = ScheduleFactory(capacity=2)
    holders = [BookingFactory(schedule=schedule) for _ in range(2)]
    offers.waitlist_join(profile=ProfileFactory(), schedule_id=schedule.pk)
    child = ProfileFactory()
    assert check_invariants(schedule_ids=[schedule.pk], profile_ids=[child.pk]) == []

    Booking.objects.filter(pk=holders[0].pk).update(
        status="cancelled", active=None
    )  # a seat freed behind the waitlist's back
    WaitlistOffer.objects.create(schedule=schedule, deadline=timezone.now(), status="claimed")
    BookingFactory(schedule=schedule)
    BookingFactory(schedule=schedule)
    WaitlistOffer.objects.create(schedule=schedule, deadline=timezone.now())
    ClassCreditCompensation.objects.create(
        profile=child, minutes=30, remaining=20, source="adjustment", expires_at=timezone.now() + timedelta(days=14)
    )
    found = "\n".join(check_invariants(schedule_ids=[schedule.pk], profile_ids=[child.pk]))
    assert "3 booked > capacity 2" in found
    assert "3 booked + 1 held > capacity 2" in found
    assert "claimed without its own waitlist/makeup booking" in found
    assert "remaining 20, ledger says 30" in found  # 10 minutes gone without a use row
