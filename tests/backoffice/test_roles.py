"""RULES §11.7: the two roles exist after migrate, each with its permissions; a 前台 user works the
family desk and cannot change seats; periodic tasks are for superusers only."""

import pytest
from django.contrib.auth.models import Group

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
