"""The data step of migration 0003: existing credits learn which make-up seat earned them."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from compensation.models import ClassCreditCompensation
from courses.models import Booking
from makeup.models import MakeupBooking
from tests.factories import BookingFactory, ProfileFactory

pytestmark = pytest.mark.django_db

name_current_seats = importlib.import_module("compensation.migrations.0003_credit_booking").name_current_seats


def credit(makeup, *, created_at, status=ClassCreditCompensation.Status.ACTIVE):
    return ClassCreditCompensation.objects.create(
        profile=makeup.profile,
        minutes=30,
        remaining=0 if status == ClassCreditCompensation.Status.REVOKED else 30,
        expires_at=created_at + timedelta(days=14),
        makeup=makeup,
        status=status,
        created_at=created_at,
    )


def test_only_the_current_seats_credit_is_named():
    profile = ProfileFactory()
    t0 = timezone.now() - timedelta(days=3)
    seat = BookingFactory(profile=profile, kind=Booking.Kind.MAKEUP, booked_at=t0 + timedelta(days=1))
    makeup = MakeupBooking.objects.create(profile=profile, status=MakeupBooking.Status.BOOKED, booking=seat)
    earlier_seat = credit(makeup, created_at=t0, status=ClassCreditCompensation.Status.REVOKED)
    earlier_unrevoked = credit(makeup, created_at=t0)  # before this seat was booked: an earlier seat's
    current = credit(makeup, created_at=seat.booked_at)  # the booking instant itself counts
    revoked_now = credit(makeup, created_at=seat.booked_at + timedelta(minutes=1), status="revoked")
    cancelled = MakeupBooking.objects.create(
        profile=profile,
        status=MakeupBooking.Status.CANCELLED,
        booking=BookingFactory(profile=profile, kind=Booking.Kind.MAKEUP, status=Booking.Status.CANCELLED),
    )
    of_cancelled = credit(cancelled, created_at=timezone.now())

    name_current_seats(apps, None)

    named = dict(ClassCreditCompensation.objects.values_list("pk", "booking_id"))
    assert named == {
        earlier_seat.pk: None,
        earlier_unrevoked.pk: None,
        current.pk: seat.pk,
        revoked_now.pk: None,
        of_cancelled.pk: None,
    }
