"""Races on MariaDB: two make-ups spending the same last minutes at once; the balance never goes negative."""

from datetime import timedelta

import pytest
from django.utils import timezone

from compensation.models import ClassCreditCompensation
from compensation.selectors import compensation_balance
from core.errors import BusinessError
from flows import booking as booking_flows
from makeup import services as makeup_services
from tests.compensation.invariants import assert_ledger_invariants
from tests.concurrency import run_together
from tests.factories import CourseFactory, CourseTypeFactory, ProfileFactory, ScheduleFactory

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]


def test_two_makeups_spending_the_last_minutes_at_once_one_wins():
    kind = CourseTypeFactory(code="regular")
    short, long = (CourseFactory(course_type=kind, level=2, duration_minutes=m) for m in (60, 90))
    profile = ProfileFactory(level=2)
    start = timezone.now() + timedelta(days=3)
    originals = []
    for hours in (0, 3):
        booking = booking_flows.booking_create(
            profile=profile, schedule_id=ScheduleFactory(course=short, starts_at=start + timedelta(hours=hours)).pk
        )
        originals.append(booking_flows.booking_leave(booking_id=booking.pk).booking.pk)
    ClassCreditCompensation.objects.create(
        profile=profile, minutes=30, remaining=30, source="adjustment", expires_at=timezone.now() + timedelta(days=14)
    )
    targets = [ScheduleFactory(course=long, starts_at=start + timedelta(days=1, hours=h)).pk for h in (0, 4)]
    results = run_together(
        [
            lambda original=original, target=target: booking_flows.makeup_book(
                profile=profile, schedule_id=target, original_booking_id=original, use_compensation=True
            )
            for original, target in zip(originals, targets, strict=True)
        ]
    )
    winners = [r for r in results if isinstance(r, makeup_services.BookResult)]
    refused = [r for r in results if isinstance(r, BusinessError)]
    assert len(winners) == 1 and len(refused) == 1, results
    assert refused[0].error == "insufficient_compensation"
    assert compensation_balance(profile_id=profile.pk, now=timezone.now()) == 0
    assert_ledger_invariants([profile.pk])
