"""RULES §12, the engine: a released seat, or a seat reserved in the hand-over, is booked at once for
an entry with 自动递补, with every rule of the accept; otherwise the offer runs as before."""

from datetime import timedelta

import pytest

from courses.models import Booking
from notifications.models import Notification
from tests.conftest import at
from tests.factories import BookingFactory, ScheduleFactory
from tests.waitlist.conftest import WEDNESDAY_19
from waitlist import services as waitlist_services
from waitlist.models import WaitlistEntry, WaitlistOffer

pytestmark = pytest.mark.django_db


def joined(parent, schedule, **extra):
    response = parent.join(schedule, **extra)
    assert response.status_code == 200, response.json()
    parent.entry_id = response.json()["data"]["waitlist_id"]
    return parent


def templates_of(parent):
    return list(
        Notification.objects.filter(user=parent.profile.owner).order_by("pk").values_list("template", flat=True)
    )


def test_a_cancellation_books_the_auto_accept_head_in_the_same_request(wednesday_class, make_parent, free_a_seat):
    head = joined(make_parent(), wednesday_class, auto_accept=True)
    second = joined(make_parent(), wednesday_class)

    freed = free_a_seat(wednesday_class)

    seat = Booking.objects.get(profile=head.profile, schedule=wednesday_class)
    assert (seat.status, seat.kind) == ("booked", "waitlist")
    assert head.entry.status == "booked"
    offer = WaitlistOffer.objects.get(schedule=wednesday_class)
    assert (offer.status, offer.claimed_by_id, offer.booking_id) == ("claimed", head.entry_id, seat.pk)
    assert wednesday_class.bookings.filter(status="booked").count() == 6
    assert freed.profile_id != head.profile.pk
    # The family hears it in the words of RULES §12; nobody else is told of that seat.
    message = Notification.objects.get(user=head.profile.owner)
    assert message.template == "waitlist_auto_booked"
    assert message.payload["hours"] == "2"
    assert message.body == (
        f"已为{head.profile.name}自动预约{wednesday_class.course.name}（2026年12月2日 19:00），"
        "如不能参加请在开课前2小时前请假"
    )
    assert templates_of(second) == []
    assert second.entry.status == "waiting"
    assert second.client.get(f"/api/v1/waitlist/{second.entry_id}").json()["data"]["position"] == 1


def test_only_the_head_counts_a_second_entrys_auto_accept_waits_for_the_broadcast(
    wednesday_class, make_parent, free_a_seat
):
    head = joined(make_parent(), wednesday_class)
    second = joined(make_parent(), wednesday_class, auto_accept=True)
    free_a_seat(wednesday_class)
    assert not Booking.objects.filter(profile=second.profile, schedule=wednesday_class).exists()
    assert WaitlistOffer.objects.get(schedule=wednesday_class).status == "open"
    assert templates_of(head) == ["waitlist_seat_available"]
    assert templates_of(second) == ["waitlist_seat_available"]  # notified like everyone, may accept by hand
    second.respond("start")
    assert second.respond("accept").status_code == 200


def test_an_auto_accept_refused_for_a_time_conflict_leaves_the_offer_running(wednesday_class, make_parent, free_a_seat):
    head = joined(make_parent(), wednesday_class, auto_accept=True)
    other = joined(make_parent(), wednesday_class)
    # The head's child got a seat at the same hour elsewhere meanwhile (booked by the studio directly,
    # so §13 did not end the entry): the accept's time-conflict rule refuses the auto-booking.
    BookingFactory(profile=head.profile, schedule=ScheduleFactory(starts_at=WEDNESDAY_19 + timedelta(minutes=30)))

    free_a_seat(wednesday_class)

    assert not Booking.objects.filter(profile=head.profile, schedule=wednesday_class).exists()
    offer = WaitlistOffer.objects.get(schedule=wednesday_class)
    assert (offer.status, offer.phase) == ("open", "broadcast")
    assert head.entry.status == "waiting"
    assert templates_of(head) == ["waitlist_seat_available"]
    assert templates_of(other) == ["waitlist_seat_available"]


def test_the_hand_over_books_a_reserved_auto_accept_entry_at_once(wednesday_class, make_parent, free_a_seat, clock):
    first = joined(make_parent(), wednesday_class)
    second = joined(make_parent(), wednesday_class, auto_accept=True)
    free_a_seat(wednesday_class)  # 10:00: broadcast to both (the head has no auto-accept)
    # 10:15:01 reserved for the first; 10:30:02 the first expires and the second, auto, is booked.
    waitlist_services.waitlist_offers_sweep(now=at("2026-12-02 10:15") + timedelta(seconds=1))
    assert templates_of(first)[-1] == "waitlist_seat_reserved"
    waitlist_services.waitlist_offers_sweep(now=at("2026-12-02 10:30") + timedelta(seconds=2))

    seat = Booking.objects.get(profile=second.profile, schedule=wednesday_class)
    assert (seat.status, seat.kind) == ("booked", "waitlist")
    assert second.entry.status == "booked"
    assert first.entry.status == "expired"
    assert WaitlistOffer.objects.get(schedule=wednesday_class).status == "claimed"
    assert templates_of(second) == ["waitlist_seat_available", "waitlist_auto_booked"]  # no seat_reserved


@pytest.mark.parametrize(
    ("seconds_after_notice", "auto_booked"),
    [(-1, True), (0, True), (1, False)],
    ids=["a second before start-2h", "at start-2h exactly", "one second inside 2h"],
)
def test_inside_the_minimum_notice_the_parent_confirms(make_parent, clock, settings, seconds_after_notice, auto_booked):
    """With a cutoff shorter than the notice (60 minutes here), the notice decides: until start − 2h
    inclusive the seat is booked at once; one second later the offer runs as without auto-accept."""
    settings.WAITLIST_CUTOFF = timedelta(minutes=60)
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19, capacity=1)
    holder = BookingFactory(schedule=schedule)
    head = joined(make_parent(), schedule, auto_accept=True)
    clock.go("2026-12-02 17:00", seconds=seconds_after_notice)

    from flows.booking import booking_cancel

    booking_cancel(booking_id=holder.pk)

    assert Booking.objects.filter(profile=head.profile, schedule=schedule, status="booked").exists() is auto_booked
    expected = "waitlist_auto_booked" if auto_booked else "waitlist_seat_available"
    assert templates_of(head) == [expected]


def test_quiet_hours_do_not_delay_an_auto_booking(make_parent, clock):
    """RULES §5.4 counts waking time for the windows a parent answers in; an auto-booking answers
    nothing, so a seat freed at 23:00 is booked at 23:00."""
    schedule = ScheduleFactory(starts_at=at("2026-12-03 19:00"), capacity=1)
    holder = BookingFactory(schedule=schedule)
    head = joined(make_parent(), schedule, auto_accept=True)
    clock.go("2026-12-02 23:00")
    from flows.booking import booking_cancel

    booking_cancel(booking_id=holder.pk)
    assert Booking.objects.filter(profile=head.profile, schedule=schedule, status="booked").exists()
    assert templates_of(head) == ["waitlist_auto_booked"]


def test_a_leave_and_a_patch_switched_on_later_auto_book_too(wednesday_class, make_parent, free_a_seat):
    head = joined(make_parent(), wednesday_class)
    switched = head.client.patch(f"/api/v1/waitlist/{head.entry_id}", {"auto_accept": True}, format="json")
    assert switched.status_code == 200
    free_a_seat(wednesday_class, how="leave")
    assert head.entry.status == "booked"
    assert templates_of(head) == ["waitlist_auto_booked"]


def test_two_seats_freed_at_once_book_two_auto_accept_entries_in_order(make_parent):
    """A capacity raised by two (the studio's 增加座位) is two releases: the queue's first two
    auto-accept entries are booked, the third plain entry is offered nothing."""
    from flows.studio import schedule_set_capacity

    schedule = ScheduleFactory(starts_at=WEDNESDAY_19, capacity=1)
    BookingFactory(schedule=schedule)
    one = joined(make_parent(), schedule, auto_accept=True)
    two = joined(make_parent(), schedule, auto_accept=True)
    three = joined(make_parent(), schedule)
    schedule_set_capacity(schedule_id=schedule.pk, capacity=3)
    assert (one.entry.status, two.entry.status, three.entry.status) == ("booked", "booked", "waiting")
    assert templates_of(three) == []
    assert not WaitlistOffer.objects.filter(schedule=schedule, status="open").exists()


def test_auto_accept_off_by_default_changes_nothing(wednesday_class, make_parent, free_a_seat):
    head = joined(make_parent(), wednesday_class)
    free_a_seat(wednesday_class)
    assert head.entry.status == "waiting"
    assert WaitlistEntry.objects.get(pk=head.entry_id).auto_accept is False
    assert templates_of(head) == ["waitlist_seat_available"]
