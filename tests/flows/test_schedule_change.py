"""RULES §11.6: 调整课程 moves a class, or changes its coach or venue, with a reason; every booked and
waiting family is told, clashes are listed, open offers' deadlines follow the new cutoff."""

from datetime import timedelta

import pytest

from core.errors import BusinessError
from flows import offers
from flows.booking import booking_cancel
from flows.studio import schedule_change
from notifications.models import Notification
from tests.conftest import at
from tests.factories import BookingFactory, CourseFactory, ProfileFactory, ScheduleFactory, StaffFactory
from waitlist.models import WaitlistEntry, WaitlistOffer
from waitlist.selectors import schedule_has_families

pytestmark = pytest.mark.django_db
WEDNESDAY_19 = at("2026-12-02 19:00")


@pytest.fixture
def full_class():
    schedule = ScheduleFactory(
        starts_at=WEDNESDAY_19, capacity=2, course=CourseFactory(name="少儿游泳"), coach="王教练", venue="朝阳馆"
    )
    seats = [BookingFactory(schedule=schedule, profile=ProfileFactory(name=name)) for name in ("乐乐", "安安")]
    waiting = ProfileFactory(name="小米")
    offers.waitlist_join(profile=waiting, schedule_id=schedule.pk, now=at("2026-12-01 09:00"))
    return schedule, seats, waiting


def change(schedule, *, starts_at, minutes=60, coach="王教练", venue="朝阳馆", now, reason="教练调课"):
    return schedule_change(
        schedule_id=schedule.pk,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        coach=coach,
        venue=venue,
        reason=reason,
        by=StaffFactory(),
        now=now,
    )


def test_every_booked_and_waiting_family_is_told_once(full_class):
    schedule, seats, waiting = full_class
    result = change(schedule, starts_at=at("2026-12-02 18:00"), venue="海淀馆", now=at("2026-12-01 10:00"))
    told = Notification.objects.filter(template="session_changed").order_by("profile_id")
    assert sorted(told.values_list("profile__name", flat=True)) == ["乐乐", "安安", "小米"]
    assert result.families_told == 3 and result.clashes == []
    assert (
        told.first().body
        == "少儿游泳已由2026年12月2日 19:00（王教练，朝阳馆）调整为2026年12月2日 18:00（王教练，海淀馆）"
    )
    schedule.refresh_from_db()
    assert (schedule.starts_at, schedule.ends_at, schedule.venue) == (
        at("2026-12-02 18:00"),
        at("2026-12-02 19:00"),
        "海淀馆",
    )


def test_children_whose_new_time_clashes_are_listed_and_keep_their_seats(full_class):
    schedule, seats, _ = full_class
    BookingFactory(profile=seats[1].profile, schedule=ScheduleFactory(starts_at=at("2026-12-02 17:30")))
    result = change(schedule, starts_at=at("2026-12-02 17:00"), now=at("2026-12-01 10:00"))
    assert result.clashes == ["安安"]
    assert seats[1].profile.bookings.filter(status="booked").count() == 2  # nothing cancelled for them


@pytest.mark.parametrize(
    "starts_at, minutes, error",
    [
        (at("2026-12-01 10:00"), 60, "调整后的开课时间不能早于现在"),  # the instant itself is not ahead
        (at("2026-12-01 10:00") + timedelta(seconds=1), 0, "结束时间须晚于开课时间"),
    ],
)
def test_a_start_in_the_past_or_an_end_not_after_the_start_is_refused(full_class, starts_at, minutes, error):
    schedule, _, _ = full_class
    with pytest.raises(BusinessError) as refused:
        change(schedule, starts_at=starts_at, minutes=minutes, now=at("2026-12-01 10:00"))
    assert refused.value.message == error
    schedule.refresh_from_db()
    assert schedule.starts_at == WEDNESDAY_19 and not Notification.objects.filter(template="session_changed").exists()


def test_one_second_ahead_is_a_valid_start(full_class):
    schedule, _, _ = full_class
    now = at("2026-12-01 10:00")
    assert change(schedule, starts_at=now + timedelta(seconds=1), now=now).families_told == 3


def test_a_reason_is_required(full_class):
    schedule, _, _ = full_class
    with pytest.raises(BusinessError) as refused:
        change(schedule, starts_at=at("2026-12-02 18:00"), now=at("2026-12-01 10:00"), reason=" ")
    assert refused.value.message == "请填写原因"


def test_open_offers_follow_the_new_cutoff(full_class):
    """Seat freed 12:30 for the 19:00 class: deadline 12:45. Moved to 18:40 (cutoff 12:40): the
    deadline becomes 12:40; moved to 18:00 (cutoff 12:00, already past): the waitlist closes."""
    schedule, seats, waiting = full_class
    booking_cancel(booking_id=seats[0].pk, now=at("2026-12-02 12:30"))
    offer = WaitlistOffer.objects.get(schedule=schedule)
    assert offer.deadline == at("2026-12-02 12:45")
    result = change(schedule, starts_at=at("2026-12-02 18:40"), now=at("2026-12-02 12:31"))
    offer.refresh_from_db()
    assert (result.deadlines_changed, offer.deadline, offer.status) == (1, at("2026-12-02 12:40"), "open")
    change(schedule, starts_at=at("2026-12-02 18:00"), now=at("2026-12-02 12:32"))
    offer.refresh_from_db()
    assert offer.status == "lapsed"
    assert WaitlistEntry.objects.get(profile=waiting).status == "closed"


def test_a_class_with_families_is_flagged_and_an_empty_one_is_not(full_class):
    schedule, _, _ = full_class
    assert schedule_has_families(schedule=schedule)
    assert not schedule_has_families(schedule=ScheduleFactory())


def test_a_change_that_changes_nothing_is_refused_and_tells_nobody(full_class):
    schedule, _, _ = full_class
    with pytest.raises(BusinessError) as refused:
        change(schedule, starts_at=WEDNESDAY_19, now=at("2026-12-01 10:00"))
    assert refused.value.message == "调整内容与现在相同，未通知家庭"
    assert not Notification.objects.filter(template="session_changed").exists()


def test_siblings_are_one_family_told_twice_by_name(full_class):
    schedule, seats, _ = full_class
    sibling = ProfileFactory(name="乐乐的妹妹", owner=seats[0].profile.owner)
    schedule.capacity = 3
    schedule.save()
    BookingFactory(schedule=schedule, profile=sibling)
    result = change(schedule, starts_at=at("2026-12-02 18:00"), now=at("2026-12-01 10:00"))
    assert result.families_told == 3  # two parents with seats, one waiting
    assert Notification.objects.filter(template="session_changed").count() == 4  # one per child
