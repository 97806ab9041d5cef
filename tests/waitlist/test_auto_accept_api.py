"""RULES §12 (setting 自动递补: at join and by PATCH waitlist/{id}) and §13's limit on a child's
waiting entries (409 waitlist_limit, after the §2 checks)."""

from datetime import timedelta

import pytest

from tests.conftest import client_for
from tests.factories import BookingFactory, ScheduleFactory, UserFactory
from tests.waitlist.conftest import WEDNESDAY_19
from waitlist.models import WaitlistEntry

pytestmark = pytest.mark.django_db


def full_class(starts_at):
    schedule = ScheduleFactory(starts_at=starts_at, capacity=1)
    BookingFactory(schedule=schedule)
    return schedule


def patch(parent, entry_id, body):
    return parent.client.patch(f"/api/v1/waitlist/{entry_id}", body, format="json")


def test_auto_accept_is_off_unless_asked_at_join(wednesday_class, make_parent):
    plain, eager = make_parent(), make_parent()
    plain_id = plain.join(wednesday_class).json()["data"]["waitlist_id"]
    eager_id = eager.join(wednesday_class, auto_accept=True).json()["data"]["waitlist_id"]
    assert WaitlistEntry.objects.get(pk=plain_id).auto_accept is False
    assert WaitlistEntry.objects.get(pk=eager_id).auto_accept is True
    assert eager.client.get(f"/api/v1/waitlist/{eager_id}").json()["data"]["auto_accept"] is True
    items = plain.client.get("/api/v1/waitlist/my").json()["data"]["items"]
    assert [item["auto_accept"] for item in items] == [False]


def test_patch_switches_auto_accept_on_and_off_with_the_item_and_a_message(wednesday_class, make_parent):
    parent = make_parent()
    entry_id = parent.join(wednesday_class).json()["data"]["waitlist_id"]

    on = patch(parent, entry_id, {"auto_accept": True})
    assert on.status_code == 200
    assert on.json()["message"] == "已开启自动递补"
    assert on.json()["data"]["id"] == entry_id and on.json()["data"]["auto_accept"] is True
    assert on.json()["data"]["position"] == 1
    assert WaitlistEntry.objects.get(pk=entry_id).auto_accept is True

    off = patch(parent, entry_id, {"auto_accept": False})
    assert off.json()["message"] == "已关闭自动递补"
    assert WaitlistEntry.objects.get(pk=entry_id).auto_accept is False


def test_patch_an_entry_no_longer_waiting_is_409_not_waiting(wednesday_class, make_parent):
    parent = make_parent()
    entry_id = parent.join(wednesday_class).json()["data"]["waitlist_id"]
    parent.client.delete(f"/api/v1/waitlist/{entry_id}")
    response = patch(parent, entry_id, {"auto_accept": True})
    assert response.status_code == 409
    assert response.json()["error"] == "not_waiting" and response.json()["message"] == "该候补已结束"
    assert WaitlistEntry.objects.get(pk=entry_id).auto_accept is False


def test_patch_another_parents_entry_is_404_and_changes_nothing(wednesday_class, make_parent):
    owner, other = make_parent(), make_parent()
    entry_id = owner.join(wednesday_class).json()["data"]["waitlist_id"]
    response = patch(other, entry_id, {"auto_accept": True})
    assert response.status_code == 404 and response.json()["message"] == "资源不存在"
    assert WaitlistEntry.objects.get(pk=entry_id).auto_accept is False


@pytest.mark.parametrize("body", [{}, {"auto_accept": "maybe"}, {"auto_accept": None}, []])
def test_patch_with_a_bad_body_is_400_and_changes_nothing(wednesday_class, make_parent, body):
    parent = make_parent()
    entry_id = parent.join(wednesday_class).json()["data"]["waitlist_id"]
    response = patch(parent, entry_id, body)
    assert response.status_code == 400 and response.json()["error"] == "validation_error"
    assert WaitlistEntry.objects.get(pk=entry_id).auto_accept is False


def test_a_child_holds_at_most_the_limit_of_waiting_entries(make_parent, settings):
    settings.WAITLIST_MAX_ACTIVE_PER_PROFILE = 3
    parent = make_parent()
    classes = [full_class(WEDNESDAY_19 + timedelta(days=1, hours=2 * i)) for i in range(4)]
    for schedule in classes[:3]:
        assert parent.join(schedule).status_code == 200
    response = parent.join(classes[3])
    assert response.status_code == 409
    assert response.json() == {
        "code": 409,
        "message": "候补数量已达上限（3个）",
        "error": "waitlist_limit",
        "data": None,
    }
    assert WaitlistEntry.objects.filter(profile=parent.profile).count() == 3

    # An entry that ended frees its place: the fourth class can be joined now.
    first = WaitlistEntry.objects.filter(profile=parent.profile).order_by("pk").first()
    parent.client.delete(f"/api/v1/waitlist/{first.pk}")
    assert parent.join(classes[3]).status_code == 200


def test_the_default_limit_is_ten(make_parent):
    parent = make_parent()
    classes = [full_class(WEDNESDAY_19 + timedelta(days=1, hours=i)) for i in range(11)]
    answers = [parent.join(schedule).status_code for schedule in classes]
    assert answers == [200] * 10 + [409]
    assert parent.join(classes[10]).json()["message"] == "候补数量已达上限（10个）"


def test_the_limit_is_checked_after_the_rules_of_joining(make_parent, settings):
    """At the limit, a class with a free seat still answers schedule_not_full, and a second join of
    a class already joined answers already_waitlisted."""
    settings.WAITLIST_MAX_ACTIVE_PER_PROFILE = 1
    parent = make_parent()
    joined = full_class(WEDNESDAY_19 + timedelta(days=1))
    assert parent.join(joined).status_code == 200
    free = ScheduleFactory(starts_at=WEDNESDAY_19 + timedelta(days=2), capacity=2)
    assert parent.join(free).json()["error"] == "schedule_not_full"
    assert parent.join(joined).json()["error"] == "already_waitlisted"
    assert parent.join(full_class(WEDNESDAY_19 + timedelta(days=3))).json()["error"] == "waitlist_limit"


def test_the_limit_counts_the_child_not_the_parent(make_parent, settings):
    """Two children of one parent each have their own limit."""
    from tests.factories import ProfileFactory

    settings.WAITLIST_MAX_ACTIVE_PER_PROFILE = 1
    user = UserFactory()
    client = client_for(user)
    first, second = ProfileFactory(owner=user), ProfileFactory(owner=user)
    schedule = full_class(WEDNESDAY_19 + timedelta(days=1))
    for child in (first, second):
        body = {"course_schedule_id": schedule.pk, "profile_id": child.pk}
        assert client.post("/api/v1/waitlist/join", body, format="json").status_code == 200
