"""RULES §11.6 in the admin: the plain edit form cannot move a class families hold; 调整课程 can, with
a reason, tells them, and says so in words; only 运营主管 (change_courseschedule) reaches it."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group

from notifications.models import Notification
from tests.conftest import at
from tests.factories import BookingFactory, CourseFactory, ProfileFactory, ScheduleFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(at("2026-12-01 10:00"), tick=False)


def staff_in(client, role):
    staff = StaffFactory()
    staff.groups.add(Group.objects.get(name=role))
    client.force_login(staff)
    return staff


@pytest.fixture
def held_class():
    schedule = ScheduleFactory(
        starts_at=at("2026-12-02 19:00"), course=CourseFactory(name="少儿游泳"), coach="王教练", venue="朝阳馆"
    )
    BookingFactory(schedule=schedule, profile=ProfileFactory(name="乐乐"))
    return schedule


def edit_form_data(schedule, **changes):
    data = {
        "course": schedule.course_id,
        "starts_at_0": "2026-12-02",
        "starts_at_1": "19:00:00",
        "ends_at_0": "2026-12-02",
        "ends_at_1": "20:00:00",
        "coach": schedule.coach,
        "venue": schedule.venue,
        "capacity": schedule.capacity,
        "waitlist_capacity": "",
        **{
            f"{prefix}-{key}": value
            for prefix in ("bookings", "waitlist_entries", "waitlist_offers")
            for key, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))
        },
    }
    data.update(changes)
    return data


def test_the_plain_edit_form_refuses_to_move_a_class_with_a_booking(client, held_class):
    staff_in(client, "运营主管")
    url = f"/admin/courses/courseschedule/{held_class.pk}/change/"
    response = client.post(url, edit_form_data(held_class, starts_at_1="18:00:00"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {"__all__": ['该课程已有预约或候补，请使用"调整课程"操作']}
    held_class.refresh_from_db()
    assert held_class.starts_at == at("2026-12-02 19:00")


def test_adjust_tells_the_families_and_answers_in_words(client, held_class):
    manager = staff_in(client, "运营主管")
    page = client.get(f"/admin/courses/courseschedule/{held_class.pk}/change/").content.decode()
    assert f'href="/admin/courses/courseschedule/{held_class.pk}/adjust/"' in page
    response = client.post(
        f"/admin/courses/courseschedule/{held_class.pk}/adjust/",
        {
            "starts_at_0": "2026-12-02",
            "starts_at_1": "18:00",
            "ends_at_0": "2026-12-02",
            "ends_at_1": "19:00",
            "coach": "李教练",
            "venue": "朝阳馆",
            "reason": "教练时间调整",
        },
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "已调整 少儿游泳：2026年12月2日 19:00（王教练，朝阳馆） → 2026年12月2日 18:00（李教练，朝阳馆），已通知1个家庭"
    ]
    assert Notification.objects.get(template="session_changed").profile.name == "乐乐"
    log = LogEntry.objects.get(object_id=str(held_class.pk))
    assert (log.user, log.change_message) == (manager, "调整课程：教练时间调整")


def test_the_front_desk_neither_sees_nor_reaches_adjust(client, held_class):
    staff_in(client, "前台")
    page = client.get(f"/admin/courses/courseschedule/{held_class.pk}/change/").content.decode()
    assert "/adjust/" not in page
    assert client.get(f"/admin/courses/courseschedule/{held_class.pk}/adjust/").status_code == 403
    forged = client.post(f"/admin/courses/courseschedule/{held_class.pk}/adjust/", {"reason": "x"})
    assert forged.status_code == 403


def test_a_class_with_only_a_waiting_child_is_not_moved_in_the_plain_form(client):
    from flows import offers

    staff_in(client, "运营主管")
    waited = ScheduleFactory(starts_at=at("2026-12-02 19:00"), course=CourseFactory(), coach="王教练", venue="朝阳馆")
    waited.capacity = 1
    waited.save()
    BookingFactory(schedule=waited)
    offers.waitlist_join(profile=ProfileFactory(), schedule_id=waited.pk)
    waited.bookings.update(status="cancelled", active=None)  # only the waiting entry holds it now
    response = client.post(
        f"/admin/courses/courseschedule/{waited.pk}/change/", edit_form_data(waited, starts_at_1="18:00:00")
    )
    assert response.context["adminform"].form.errors == {"__all__": ['该课程已有预约或候补，请使用"调整课程"操作']}


def test_a_class_nobody_holds_is_still_edited_in_the_plain_form(client):
    staff_in(client, "运营主管")
    empty = ScheduleFactory(starts_at=at("2026-12-02 19:00"), course=CourseFactory(), coach="王教练", venue="朝阳馆")
    response = client.post(
        f"/admin/courses/courseschedule/{empty.pk}/change/", edit_form_data(empty, starts_at_1="18:00:00")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    empty.refresh_from_db()
    assert empty.starts_at == at("2026-12-02 18:00")
