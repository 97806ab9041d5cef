"""RULES §12 with a make-up entry: 自动递补 books the make-up with the §6.3 rules of the accept; a
make-up whose rules fail at that moment is not booked, and its offer runs on."""

import pytest

from compensation.models import ClassCreditCompensation
from makeup.models import MakeupBooking
from notifications.models import Notification
from tests.makeup.conftest import fill, give_credit
from tests.makeup.test_makeup_waitlist import free_one_seat, join
from waitlist.models import WaitlistEntry, WaitlistOffer

pytestmark = pytest.mark.django_db


def test_a_freed_seat_books_the_makeup_at_once_and_credits_the_shorter_session(world):
    session = world.sessions["90"]
    fill(session)
    entry_id = join(world, session, confirm_shorter=True, auto_accept=True).json()["data"]["waitlist_id"]

    free_one_seat(session)

    makeup = MakeupBooking.objects.get(pk=world.makeup_id)
    assert (makeup.status, makeup.booking.schedule, makeup.booking.kind) == ("booked", session, "makeup")
    assert makeup.duration_difference == -30
    assert ClassCreditCompensation.objects.get(profile=world.profile).minutes == 30  # 120 − 90 credited
    assert WaitlistEntry.objects.get(pk=entry_id).status == "booked"
    assert list(
        Notification.objects.filter(user=world.profile.owner, template__startswith="waitlist").values_list(
            "template", flat=True
        )
    ) == ["waitlist_auto_booked"]


def test_a_makeup_whose_minutes_no_longer_suffice_is_not_auto_booked(world):
    longer = world.sessions["150"]
    fill(longer)
    credit = give_credit(world.profile, 30)
    entry_id = join(world, longer, use_compensation=True, auto_accept=True).json()["data"]["waitlist_id"]
    credit.remaining = credit.minutes = 10  # spent elsewhere meanwhile
    credit.save()

    free_one_seat(longer)

    assert MakeupBooking.objects.get(pk=world.makeup_id).status == "pending"
    assert WaitlistEntry.objects.get(pk=entry_id).status == "waiting"
    offer = WaitlistOffer.objects.get(schedule=longer)
    assert (offer.status, offer.phase) == ("open", "broadcast")
    assert ClassCreditCompensation.objects.get(pk=credit.pk).remaining == 10  # nothing spent
