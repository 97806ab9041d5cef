"""RULES §11.1-11.5 in the admin: the family desk acts through the same services a parent's request
runs, needs its permission, logs who and why, and answers in words."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission

from courses.models import Booking
from makeup.models import MakeupBooking
from tests.conftest import at
from tests.factories import BookingFactory, CourseFactory, ProfileFactory, ScheduleFactory, StaffFactory
from waitlist.models import WaitlistEntry

pytestmark = pytest.mark.django_db
NOW = at("2026-12-02 10:00")
START = at("2026-12-02 19:00")


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def desk_user(client):
    staff = StaffFactory(username="front1")
    staff.user_permissions.add(
        Permission.objects.get(codename="act_for_family"), Permission.objects.get(codename="view_profile")
    )
    client.force_login(staff)
    return staff


@pytest.fixture
def child():
    return ProfileFactory(name="乐乐", level=2)


def desk_url(profile):
    return f"/admin/accounts/profile/{profile.pk}/desk/"


def post(client, profile, action, **fields):
    data = {"desk_action": action, **{f"{action}-{key}": value for key, value in fields.items()}}
    return client.post(desk_url(profile), data, follow=True)


def notices(response):
    return [str(m) for m in response.context["messages"]]


def test_a_leave_by_phone_owes_a_make_up_and_offers_the_seat_in_words(client, desk_user, child):
    schedule = ScheduleFactory(starts_at=START, capacity=1)
    seat = BookingFactory(schedule=schedule, profile=child)
    # two families wait for the full class
    from flows import offers

    for _ in range(2):
        offers.waitlist_join(profile=ProfileFactory(), schedule_id=schedule.pk, now=NOW - timedelta(hours=1))
    response = post(client, child, "leave", booking=seat.pk, reason="孩子发烧，明天请假")
    assert notices(response) == ["已为乐乐记录请假：生成待补课1条，名额已发给2位候补"]
    seat.refresh_from_db()
    assert (seat.status, seat.ended_by, seat.end_reason) == ("on_leave", desk_user, "孩子发烧，明天请假")
    assert MakeupBooking.objects.get(original_booking=seat).status == "pending"
    log = LogEntry.objects.get(object_id=str(seat.pk))
    assert (log.user, log.change_message) == (desk_user, "代家长办理：请假：孩子发烧，明天请假")


@pytest.mark.parametrize("late, answer", [(False, "未办理：请假需在开课前2小时申请"), (True, None)])
def test_after_the_leave_deadline_only_a_late_leave_is_recorded(client, desk_user, child, clock, late, answer):
    seat = BookingFactory(schedule=ScheduleFactory(starts_at=START), profile=child)
    clock.move_to(at("2026-12-02 17:00") + timedelta(seconds=1), tick=False)
    fields = {"booking": seat.pk, "reason": "临时生病"}
    if late:
        fields["late"] = "on"
    response = post(client, child, "leave", **fields)
    seat.refresh_from_db()
    if answer:
        assert notices(response) == [answer] and seat.status == "booked"
    else:
        assert notices(response) == ["已为乐乐记录超时请假：生成待补课1条，无人候补，名额已开放预约"]
        assert seat.status == "on_leave"


def test_cancel_book_and_waitlist_for_the_family(client, desk_user, child):
    course = CourseFactory(name="少儿游泳")
    seat = BookingFactory(schedule=ScheduleFactory(starts_at=START, course=course), profile=child)
    response = post(client, child, "cancel", booking=seat.pk, reason="家长微信要求取消")
    assert notices(response) == ["已为乐乐取消预约：少儿游泳（2026年12月2日 19:00），无人候补，名额已开放预约"]

    other = ScheduleFactory(starts_at=at("2026-12-03 19:00"), course=course, capacity=1)
    response = post(client, child, "book", schedule=other.pk, reason="到店报名")
    assert notices(response) == ["已为乐乐预约：少儿游泳（2026年12月3日 19:00）"]
    assert Booking.objects.get(schedule=other, profile=child).booked_by == desk_user

    sibling = ProfileFactory(name="安安")
    response = post(client, sibling, "book", schedule=other.pk, reason="到店报名")
    assert notices(response) == ["未办理：课程已满员"]  # the parent's answer
    response = post(client, sibling, "waitlist", schedule=other.pk, reason="电话登记候补")
    assert notices(response) == ["已为安安加入候补：少儿游泳（2026年12月3日 19:00），第1位"]
    entry = WaitlistEntry.objects.get(profile=sibling)
    assert (entry.created_by, entry.join_reason) == (desk_user, "电话登记候补")


def test_a_make_up_is_chosen_from_eligible_sessions_with_its_effect_shown_first(client, desk_user, child):
    from flows import booking as booking_flows

    course = CourseFactory(name="少儿体适能", duration_minutes=120)
    original = BookingFactory(profile=child, schedule=ScheduleFactory(starts_at=START, course=course))
    booking_flows.booking_leave(booking_id=original.pk, now=NOW)
    makeup = MakeupBooking.objects.get(original_booking=original)
    shorter = CourseFactory(
        name="少儿体适能（短）", course_type=course.course_type, level=course.level, duration_minutes=90
    )
    session = ScheduleFactory(starts_at=at("2026-12-05 10:00"), course=shorter)
    full = ScheduleFactory(starts_at=at("2026-12-05 15:00"), course=course, capacity=1)
    BookingFactory(schedule=full)

    page = client.get(desk_url(child), {"makeup": makeup.pk})
    choices = [value.instance.pk for value, _ in page.context["forms"]["makeup"].fields["session"].choices if value]
    assert choices == [session.pk]  # full sessions are not offered (RULES §11.4)

    fields = {"makeup": makeup.pk, "session": session.pk, "reason": "家长请前台安排补课"}
    preview = client.post(
        desk_url(child), {"desk_action": "makeup", "preview": "1", **{f"makeup-{k}": v for k, v in fields.items()}}
    )
    assert preview.context["preview"]["confirm_prompt"] == "本课程仅1.5小时，比您原课程少0.5小时，是否确认预约？"
    assert preview.context["preview"]["effect"] == "补课比原课程少30分钟：需家长确认，差额30分钟转为课时补偿"
    assert MakeupBooking.objects.get(pk=makeup.pk).status == "pending"  # nothing booked by a preview

    refused = post(client, child, "makeup", **fields)
    assert notices(refused) == ["未办理：本课程仅1.5小时，比您原课程少0.5小时，是否确认预约？"]
    done = post(client, child, "makeup", confirm_shorter="on", **fields)
    assert notices(done) == ["已为乐乐安排补课：少儿体适能（短）（2026年12月5日 10:00），时长差30分钟已转为课时补偿"]
    assert MakeupBooking.objects.get(pk=makeup.pk).status == "booked"


def test_without_the_permission_no_link_no_page_and_a_forged_post_is_403(client, child):
    staff = StaffFactory()
    staff.user_permissions.add(Permission.objects.get(codename="view_profile"))
    client.force_login(staff)
    seat = BookingFactory(schedule=ScheduleFactory(starts_at=START), profile=child)
    assert "代家长办理" not in client.get("/admin/accounts/profile/").content.decode()
    assert client.get(desk_url(child)).status_code == 403
    forged = client.post(desk_url(child), {"desk_action": "leave", "leave-booking": seat.pk, "leave-reason": "x"})
    assert forged.status_code == 403
    seat.refresh_from_db()
    assert seat.status == "booked"


def test_the_desk_link_shows_with_the_permission(client, desk_user, child):
    page = client.get("/admin/accounts/profile/").content.decode()
    assert f'href="{desk_url(child)}"' in page


def test_from_the_class_page_a_child_is_booked_or_waitlisted_by_name(client, desk_user, child):
    desk_user.user_permissions.add(*Permission.objects.filter(codename__in=["view_courseschedule", "view_booking"]))
    schedule = ScheduleFactory(starts_at=START, capacity=1, course=CourseFactory(name="少儿游泳"))
    page = client.get(f"/admin/courses/courseschedule/{schedule.pk}/change/").content.decode()
    assert f'href="/admin/courses/courseschedule/{schedule.pk}/family/"' in page
    url = f"/admin/courses/courseschedule/{schedule.pk}/family/"
    response = client.post(url, {"profile": child.pk, "action": "book", "reason": "到店报名"}, follow=True)
    assert notices(response) == ["已为乐乐预约：少儿游泳（2026年12月2日 19:00）"]
    page = client.get(f"/admin/courses/courseschedule/{schedule.pk}/change/").content.decode()
    assert f'href="{desk_url(child)}"' in page  # each seat leads to its child's desk
    sibling = ProfileFactory(name="安安")
    response = client.post(url, {"profile": sibling.pk, "action": "waitlist", "reason": "电话登记"}, follow=True)
    assert notices(response) == ["已为安安加入候补：少儿游泳（2026年12月2日 19:00），第1位"]
    refused = client.post(url, {"profile": sibling.pk, "action": "waitlist", "reason": "再登记"})
    assert [str(m) for m in refused.context["messages"]] == ["未办理：您已在候补队列中"]


def test_the_class_page_offers_no_family_actions_without_the_permission(client):
    staff = StaffFactory()
    staff.user_permissions.add(Permission.objects.get(codename="view_courseschedule"))
    client.force_login(staff)
    schedule = ScheduleFactory(starts_at=START)
    page = client.get(f"/admin/courses/courseschedule/{schedule.pk}/change/").content.decode()
    assert "/family/" not in page
    forged = client.post(f"/admin/courses/courseschedule/{schedule.pk}/family/", {"action": "book", "reason": "x"})
    assert forged.status_code == 403
