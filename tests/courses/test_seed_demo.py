from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Profile, User
from compensation.models import ClassCreditCompensation
from courses.models import Booking, Course, CourseSchedule, CourseType
from makeup.models import MakeupBooking
from tests.conftest import at
from waitlist.selectors import schedules_with_seats

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "types": list(CourseType.objects.order_by("code").values_list("code", "waitlist_capacity")),
        "courses": list(Course.objects.order_by("name").values_list("name", "level", "duration_minutes", "price")),
        "schedules": list(
            CourseSchedule.objects.order_by("starts_at", "course_id").values_list(
                "course__name", "starts_at", "capacity", "coach", "venue"
            )
        ),
        "users": list(User.objects.order_by("username").values_list("username", "is_staff")),
        "profiles": list(
            Profile.objects.order_by("owner__username", "name").values_list("owner__username", "name", "level")
        ),
        "bookings": list(
            Booking.objects.order_by("schedule__starts_at", "profile__name").values_list(
                "schedule_id", "profile_id", "status"
            )
        ),
        "makeups": list(MakeupBooking.objects.values_list("profile_id", "status")),
        "credits": list(ClassCreditCompensation.objects.values_list("profile_id", "minutes")),
    }


def test_seed_demo_twice_gives_the_same_data(settings, time_machine):
    settings.DEBUG = True
    time_machine.move_to(at("2026-12-01 08:00"), tick=False)
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert snapshot() == first
    assert "password 'studio-admin'" in out.getvalue()
    # What a person needs to click through: both types with their waitlist capacity, three levels,
    # 60/90/120 minutes, two weeks of classes, families, and some full classes.
    assert first["types"] == [("regular", 8), ("vip", 5)]
    assert {level for _, level, _, _ in first["courses"]} == {1, 2, 3}
    assert {minutes for _, _, minutes, _ in first["courses"]} == {60, 90, 120}
    assert len(first["schedules"]) == 14 * 8
    assert User.objects.filter(is_staff=False).count() == 8 and Profile.objects.count() == 12
    full = [s for s in schedules_with_seats(queryset=CourseSchedule.objects.all()) if s.available <= 0]
    assert len(full) >= 3
    assert User.objects.get(username="admin").check_password("studio-admin")
    from compensation.models import ClassCreditCompensation
    from makeup.models import MakeupBooking

    assert MakeupBooking.objects.filter(status="pending").count() == 1
    assert ClassCreditCompensation.objects.count() == 1


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
    assert not CourseType.objects.exists()


def test_a_class_an_operator_moved_is_not_seeded_again(settings, time_machine):
    """RULES §11.6: a class moved from 19:00 to 18:00 stays the only copy after another seed_demo run."""
    from datetime import timedelta

    from flows.studio import schedule_change

    settings.DEBUG = True
    time_machine.move_to(at("2026-12-01 08:00"), tick=False)
    call_command("seed_demo", stdout=StringIO())
    evening = CourseSchedule.objects.filter(starts_at=at("2026-12-02 19:00")).order_by("id").first()
    schedule_change(
        schedule_id=evening.pk,
        starts_at=at("2026-12-02 18:00"),
        ends_at=at("2026-12-02 18:00") + timedelta(minutes=evening.course.duration_minutes),
        coach=evening.coach,
        venue=evening.venue,
        reason="教练调课",
    )
    before = snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert snapshot() == before
    assert not CourseSchedule.objects.filter(course=evening.course, starts_at=at("2026-12-02 19:00")).exists()


def test_seed_demo_gives_each_role_an_operator(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert list(User.objects.get(username="frontdesk").groups.values_list("name", flat=True)) == ["前台"]
    assert list(User.objects.get(username="manager").groups.values_list("name", flat=True)) == ["运营主管"]
    assert "Operators: 'frontdesk' (前台) and 'manager' (运营主管)" in out.getvalue()


def test_parent1s_child_can_join_every_full_class_ahead(settings, time_machine):
    """The docs send a developer in as parent1: the demo must let that family try the waitlist."""
    from courses.selectors import profile_has_time_conflict

    settings.DEBUG = True
    time_machine.move_to(at("2026-12-01 08:00"), tick=False)
    call_command("seed_demo", stdout=StringIO())
    child = Profile.objects.get(owner__wechat_openid="dev_parent1")
    full = [s for s in schedules_with_seats(queryset=CourseSchedule.objects.all()) if s.available <= 0]
    assert len(full) >= 3
    for schedule in full:
        assert not Booking.objects.filter(profile=child, schedule=schedule).exists()
        assert not profile_has_time_conflict(profile=child, schedule=schedule)
    assert Booking.objects.filter(profile=child, status="booked").exists()  # 我的 has classes to show


def test_parent1_opens_on_a_waiting_entry_an_offer_and_its_message(settings, time_machine):
    from notifications.models import Notification
    from waitlist.models import WaitlistEntry, WaitlistOffer

    settings.DEBUG = True
    time_machine.move_to(at("2026-12-01 08:00"), tick=False)
    call_command("seed_demo", stdout=StringIO())
    child = Profile.objects.get(owner__wechat_openid="dev_parent1")
    entries = WaitlistEntry.objects.filter(profile=child, status="waiting").order_by("schedule__starts_at")
    assert entries.count() == 2
    offered, waiting = entries
    assert WaitlistOffer.objects.filter(schedule=offered.schedule, status="open").count() == 1
    assert offered.notifications.filter(status="open").count() == 1  # the offer is this child's
    assert not WaitlistOffer.objects.filter(schedule=waiting.schedule).exists()
    assert offered.schedule.starts_at < waiting.schedule.starts_at
    assert list(Notification.objects.filter(user=child.owner).values_list("template", flat=True)) == [
        "waitlist_seat_available"
    ]
    call_command("seed_demo", stdout=StringIO())  # a second run joins and cancels nothing more
    assert WaitlistEntry.objects.filter(profile=child).count() == 2
    assert WaitlistOffer.objects.count() == 1
