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


def test_booking_a_makeup_ends_the_childs_overlapping_waiting_entry(world):
    """RULES §13 by the make-up route: the child waits for a full 10:00 class and books its make-up
    into the 09:00–10:30 session: the 10:00 entry ends (time_conflict) in the same transaction."""
    from datetime import timedelta

    from tests.factories import ScheduleFactory

    session = world.sessions["90"]
    ten = ScheduleFactory(starts_at=session.starts_at + timedelta(hours=1), capacity=1)
    fill(ten)
    body = {"course_schedule_id": ten.pk, "profile_id": world.profile.pk}
    entry_id = world.client.post("/api/v1/waitlist/join", body, format="json").json()["data"]["waitlist_id"]

    from tests.makeup.conftest import book

    assert book(world, session, confirm_shorter=True).status_code == 200
    entry = WaitlistEntry.objects.get(pk=entry_id)
    assert (entry.status, entry.end_reason) == ("cancelled", "time_conflict")
