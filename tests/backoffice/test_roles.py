"""RULES §11.7: the two roles exist after migrate, each with its permissions; a 前台 user works the
family desk and cannot change seats; periodic tasks are for superusers only."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from tests.factories import ProfileFactory, ScheduleFactory, StaffFactory

pytestmark = pytest.mark.django_db


def codes(group_name):
    return {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=group_name).permissions.all()}


def test_the_roles_exist_after_migrate_with_their_permissions():
    front, manager = codes("前台"), codes("运营主管")
    assert {"courses.act_for_family", "courses.change_booking", "courses.view_courseschedule"} <= front
    assert not {"courses.change_courseschedule", "compensation.change_classcreditcompensation"} & front
    assert front < manager
    assert {
        "courses.change_courseschedule",
        "waitlist.change_waitlistentry",
        "compensation.change_classcreditcompensation",
        "notifications.change_notification",
    } <= manager
    assert not any(code.startswith("django_celery_beat.") for code in manager)


@pytest.mark.parametrize("role, may_change_classes", [("前台", False), ("运营主管", True)])
def test_each_role_reaches_what_it_may(client, role, may_change_classes):
    staff = StaffFactory()
    staff.groups.add(Group.objects.get(name=role))
    client.force_login(staff)
    child = ProfileFactory()
    schedule = ScheduleFactory()
    assert client.get(f"/admin/accounts/profile/{child.pk}/desk/").status_code == 200
    assert client.get(f"/admin/courses/courseschedule/{schedule.pk}/change/").status_code == 200  # view
    forged = client.post(f"/admin/courses/courseschedule/{schedule.pk}/change/", {"capacity": 9})
    assert (forged.status_code != 403) is may_change_classes
    assert client.get("/admin/django_celery_beat/periodictask/").status_code == 403


def login_as(client, role):
    staff = StaffFactory()
    staff.groups.add(Group.objects.get(name=role))
    client.force_login(staff)
    return staff


@pytest.mark.parametrize("role, allowed", [("前台", False), ("运营主管", True)])
def test_the_dashboard_is_the_managers(client, role, allowed):
    login_as(client, role)
    assert client.get("/admin/dashboard/").status_code == (200 if allowed else 403)
    assert ("ops-dashboard-link" in client.get("/admin/").content.decode()) is allowed


@pytest.mark.parametrize("role, allowed", [("前台", False), ("运营主管", True)])
def test_resend_is_the_managers_and_a_forged_post_changes_nothing(client, role, allowed):
    from notifications.models import Notification

    login_as(client, role)
    parent = ProfileFactory().owner
    failed = Notification.objects.create(
        user=parent, template="waitlist_closed", title="t", body="b", wechat_status="failed"
    )
    page = client.get("/admin/notifications/notification/").content.decode()
    assert ('value="resend"' in page) is allowed
    forged = client.post("/admin/notifications/notification/", {"action": "resend", "_selected_action": [failed.pk]})
    assert (forged.status_code == 403) is not allowed
    failed.refresh_from_db()
    assert (failed.wechat_status != "failed") is allowed


@pytest.mark.parametrize("role, may_adjust", [("前台", False), ("运营主管", True)])
def test_the_ledger_is_read_by_both_and_adjusted_by_the_manager(client, role, may_adjust):
    child = ProfileFactory()
    login_as(client, role)
    url = f"/admin/accounts/profile/{child.pk}/compensation/"
    page = client.get(url)
    assert page.status_code == 200
    assert ('id="adjust-form"' in page.content.decode()) is may_adjust
    response = client.post(url, {"minutes": 30, "reason": "老师调课补偿"})
    assert response.status_code == (302 if may_adjust else 403)


@pytest.mark.parametrize("role, allowed", [("前台", False), ("运营主管", True)])
def test_class_and_queue_actions_are_the_managers(client, role, allowed):
    from flows import offers
    from tests.factories import BookingFactory

    login_as(client, role)
    schedule = ScheduleFactory(capacity=1)
    BookingFactory(schedule=schedule)
    entries = [offers.waitlist_join(profile=ProfileFactory(), schedule_id=schedule.pk).entry for _ in range(2)]
    page = client.get("/admin/waitlist/waitlistentry/").content.decode()
    assert ('value="_prioritize"' in page) is allowed
    moved = client.post(
        "/admin/waitlist/waitlistentry/",
        {"action": "_prioritize", "_selected_action": [entries[1].pk], "apply": "1", "reason": "老学员"},
    )
    assert (moved.status_code == 403) is not allowed
    entries[1].refresh_from_db()
    assert (entries[1].priority > 0) is allowed
    sent = client.post(
        "/admin/courses/courseschedule/",
        {"action": "_manual_send", "_selected_action": [schedule.pk], "apply": "1", "reason": "补发"},
    )
    assert (sent.status_code == 403) is not allowed
    removed = client.post(
        "/admin/waitlist/waitlistentry/",
        {"action": "_remove", "_selected_action": [entries[0].pk], "apply": "1", "reason": "家长取消"},
    )
    assert (removed.status_code == 403) is not allowed
    cancelled = client.post(
        "/admin/courses/courseschedule/",
        {"action": "_cancel_class", "_selected_action": [schedule.pk], "apply": "1", "reason": "教练请假"},
    )
    assert (cancelled.status_code == 403) is not allowed
    schedule.refresh_from_db()
    assert (schedule.status == "cancelled") is allowed


def test_the_front_desk_marks_attendance(client):
    from courses.models import Booking
    from tests.factories import BookingFactory

    login_as(client, "前台")
    seat = BookingFactory(schedule=ScheduleFactory(starts_at=timezone.now() - timedelta(hours=2)))
    client.post("/admin/courses/booking/", {"action": "mark_attended", "_selected_action": [seat.pk]})
    assert Booking.objects.get(pk=seat.pk).status == "attended"


def test_attendance_needs_change_booking_and_the_seat_link_needs_the_desk(client):
    from django.contrib.auth.models import Permission

    from courses.models import Booking
    from tests.factories import BookingFactory

    staff = StaffFactory()
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_booking", "view_courseschedule"]))
    client.force_login(staff)
    seat = BookingFactory(schedule=ScheduleFactory(starts_at=timezone.now() - timedelta(hours=2)))
    forged = client.post("/admin/courses/booking/", {"action": "mark_attended", "_selected_action": [seat.pk]})
    assert forged.status_code == 403 and Booking.objects.get(pk=seat.pk).status == "booked"
    page = client.get(f"/admin/courses/courseschedule/{seat.schedule_id}/change/").content.decode()
    assert "/desk/" not in page
