"""A family with one of everything a parent can write to: the rows the security tests aim at."""

from datetime import timedelta

from django.utils import timezone

from compensation.models import ClassCreditCompensation
from flows import offers
from flows.booking import booking_cancel, booking_leave
from notifications.services import notification_create
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory


def family_with_everything(owner, *, with_offer: bool = False) -> dict:
    """A child with a booking, a waiting entry on a full class, a make-up, a credit and a message.
    With `with_offer` the full class's seat is freed, so that the entry holds an open offer."""
    profile = ProfileFactory(owner=owner)
    soon = timezone.now() + timedelta(days=2)
    booking = BookingFactory(profile=profile, schedule=ScheduleFactory(starts_at=soon))
    full = ScheduleFactory(starts_at=soon + timedelta(hours=4), capacity=1)
    seat = BookingFactory(schedule=full)
    entry = offers.waitlist_join(profile=profile, schedule_id=full.pk).entry
    left = BookingFactory(profile=profile, schedule=ScheduleFactory(starts_at=soon + timedelta(hours=8)))
    makeup_id = booking_leave(booking_id=left.pk).makeup_id
    ClassCreditCompensation.objects.create(
        profile=profile, minutes=30, remaining=30, expires_at=soon + timedelta(days=9)
    )
    message = notification_create(
        user_id=owner.pk, template="waitlist_closed", payload={"course_name": "x", "starts_at": "y"}
    )
    if with_offer:
        booking_cancel(booking_id=seat.pk)
    return {
        "profile": profile.pk,
        "booking": booking.pk,
        "entry": entry.pk,
        "schedule": full.pk,
        "makeup": makeup_id,
        "original_booking": left.pk,
        "notification": message.pk,
    }
