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


def test_parent1s_make_up_has_real_choices(settings, time_machine):
    """The make-up search shows something worth choosing: other days and hours, other coaches and
    venues, a shorter and a longer session of the same level."""
    from makeup.selectors import makeup_eligible_schedule_ids

    settings.DEBUG = True
    time_machine.move_to(at("2026-12-01 08:00"), tick=False)
    call_command("seed_demo", stdout=StringIO())
    makeup = MakeupBooking.objects.get(status="pending")
    ids, _ = makeup_eligible_schedule_ids(profile=makeup.profile, now=at("2026-12-01 08:00"), makeup=makeup)
    choices = list(CourseSchedule.objects.filter(pk__in=ids).select_related("course"))
    assert len(choices) >= 8
    minutes = makeup.original_course.duration_minutes
    assert {c.course.duration_minutes for c in choices} >= {minutes - 30, minutes, minutes + 30}
    assert len({c.coach for c in choices}) >= 2 and len({c.venue for c in choices}) >= 2
    assert len({c.starts_at.date() for c in choices}) >= 4
    # 我的 still has classes to show, and the child is not booked every day.
    assert 1 <= Booking.objects.filter(profile=makeup.profile, status="booked").count() <= 4


def test_a_second_run_keeps_what_operators_changed(settings, time_machine):
    """After a day at the desk (a cancellation, a renamed child, a new capacity, a new password),
    seed_demo changes nothing: no seat refilled, no second child, no password reset."""
    from flows.booking import booking_cancel

    settings.DEBUG = True
    time_machine.move_to(at("2026-12-01 08:00"), tick=False)
    call_command("seed_demo", stdout=StringIO())
    seat = Booking.objects.filter(status="booked", profile__owner__wechat_openid="dev_parent2").first()
    booking_cancel(booking_id=seat.pk)
    child = Profile.objects.get(owner__wechat_openid="dev_parent3")
    child.name = "小米"
    child.save()
    CourseSchedule.objects.filter(pk=seat.schedule_id).update(capacity=10)
    for username in ("admin", "frontdesk"):
        user = User.objects.get(username=username)
        user.set_password("changed-at-the-desk")
        user.save()
    time_machine.move_to(at("2026-12-01 09:00"), tick=False)
    before = snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert snapshot() == before
    assert list(Profile.objects.filter(owner=child.owner).values_list("name", flat=True)) == ["小米"]
    assert User.objects.get(username="admin").check_password("changed-at-the-desk")
    assert User.objects.get(username="frontdesk").check_password("changed-at-the-desk")


def test_the_dev_login_is_not_throttled(client, db, monkeypatch, settings):
    from rest_framework.throttling import SimpleRateThrottle

    from config.settings import dev

    # DRF reads the rates once, at import; a dev process imports them from the dev settings.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", dev.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    settings.WECHAT_LOGIN_BACKEND = "dev"
    answers = [
        client.post("/api/v1/auth/wechat-login", {"code": f"parent{n % 8 + 1}"}, content_type="application/json")
        for n in range(40)  # above the 30 a minute of the other settings
    ]
    assert {answer.status_code for answer in answers} == {200}


def test_a_bigger_studio_with_progress(settings, time_machine):
    settings.DEBUG = True
    time_machine.move_to(at("2026-12-01 08:00"), tick=False)
    out = StringIO()
    call_command("seed_demo", "--scale", "2", stdout=out)
    assert CourseSchedule.objects.count() == 14 * 4 * 4  # four classes per slot
    assert User.objects.filter(is_staff=False).count() == 16
    lines = out.getvalue().splitlines()
    assert "  classes: 14/14 (100%)" in lines and lines.count("  classes: 7/14 (50%)") == 1
    assert any(line.startswith("classes: 224 classes over 14 days, 224 new in ") for line in lines)
    assert any(line.startswith("  bookings: ") and line.endswith("(100%)") for line in lines)
    assert any(line.startswith("bookings: ") and " new bookings in " in line for line in lines)


def test_the_everyday_demo_prints_no_progress(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "(100%)" not in out.getvalue()


@pytest.mark.parametrize("scale", ["0", "101", "many"])
def test_a_scale_out_of_range_is_refused(settings, scale):
    settings.DEBUG = True
    with pytest.raises(CommandError):
        call_command("seed_demo", "--scale", scale, stdout=StringIO())
    assert not CourseSchedule.objects.exists()
