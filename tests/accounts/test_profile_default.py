"""A parent with exactly one child: endpoints whose profile_id is optional answer about that child
(issue 12). With no child or several, a missing profile_id means no child in particular, as before;
and the hot-read cache never serves the one-child answer after a second child is added."""

import pytest

from accounts.models import Profile
from accounts.selectors import profile_of_owner_or_only
from core.errors import BusinessError
from tests.conftest import at
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory

pytestmark = pytest.mark.django_db

WEDNESDAY_19 = at("2026-12-02 19:00")


@pytest.fixture(autouse=True)
def now(time_machine):
    time_machine.move_to(at("2026-12-02 10:00"), tick=False)


# --- the selector -------------------------------------------------------------------------------


def test_a_given_profile_id_is_the_owners_profile(parent, profile):
    ProfileFactory(owner=parent)
    assert profile_of_owner_or_only(user=parent, profile_id=profile.pk) == profile


def test_another_parents_profile_id_is_404_profile_missing(parent, profile, other_profile):
    with pytest.raises(BusinessError) as refused:
        profile_of_owner_or_only(user=parent, profile_id=other_profile.pk)
    assert (refused.value.status, refused.value.error, refused.value.message) == (404, "not_found", "档案不存在")


def test_without_profile_id_an_only_child_is_the_profile(parent, profile, other_profile):
    assert profile_of_owner_or_only(user=parent, profile_id=None) == profile  # other parents' children don't count


def test_without_profile_id_no_child_or_several_children_is_none(parent):
    assert profile_of_owner_or_only(user=parent, profile_id=None) is None
    ProfileFactory(owner=parent)
    ProfileFactory(owner=parent)
    assert profile_of_owner_or_only(user=parent, profile_id=None) is None


def test_the_selector_is_keyword_only(parent, profile):
    with pytest.raises(TypeError):
        profile_of_owner_or_only(parent, None)  # type: ignore[misc]


# --- through the API, with the hot-read cache on (tests: HOT_READS_SECONDS = 30) ----------------


def test_adding_a_second_child_ends_the_cached_one_child_answer(parent_client, profile, django_assert_num_queries):
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19)
    mine = BookingFactory(schedule=schedule, profile=profile)
    first = parent_client.get("/api/v1/schedules").json()["data"]
    assert first["items"][0]["my"] == {
        "booking_id": mine.pk,
        "waitlist_id": None,
        "waitlist_status": None,
        "position": None,
    }
    with django_assert_num_queries(1):  # the JWT's user: the answer now comes from the cache
        assert parent_client.get("/api/v1/schedules").json()["data"] == first

    response = parent_client.post("/api/v1/profiles", {"name": "乐乐的妹妹", "level": 1}, format="json")
    assert response.status_code == 200, response.json()

    (item,) = parent_client.get("/api/v1/schedules").json()["data"]["items"]
    assert item["my"] is None
    assert parent_client.get(f"/api/v1/schedules/{schedule.pk}").json()["data"]["my"] is None
    # naming the child still answers about it
    (named,) = parent_client.get(f"/api/v1/schedules?profile_id={profile.pk}").json()["data"]["items"]
    assert named["my"]["booking_id"] == mine.pk


def test_my_waitlists_without_profile_id_list_an_only_childs_entries_and_then_every_childs(parent_client, profile):
    """waitlist/my without profile_id: the only child's entries; once a second child exists, every
    child's entries (as before), never a cached one-child answer."""
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19, capacity=1)
    BookingFactory(schedule=schedule)

    def join(child):
        response = parent_client.post(
            "/api/v1/waitlist/join", {"course_schedule_id": schedule.pk, "profile_id": child.pk}, format="json"
        )
        assert response.status_code == 200, response.json()
        return response.json()["data"]["waitlist_id"]

    first_entry = join(profile)
    listed = parent_client.get("/api/v1/waitlist/my").json()["data"]
    assert [item["id"] for item in listed["items"]] == [first_entry]
    assert listed == parent_client.get(f"/api/v1/waitlist/my?profile_id={profile.pk}").json()["data"]

    sibling_id = parent_client.post("/api/v1/profiles", {"name": "乐乐的弟弟", "level": 2}, format="json").json()[
        "data"
    ]["id"]
    sibling_entry = join(Profile.objects.get(pk=sibling_id, owner=profile.owner))
    assert [item["id"] for item in parent_client.get("/api/v1/waitlist/my").json()["data"]["items"]] == [
        sibling_entry,
        first_entry,
    ]


def test_another_parent_without_children_sees_no_my(other_client, profile):
    """Someone else's only child is never the default: a parent with no child gets `my: null`."""
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19)
    BookingFactory(schedule=schedule, profile=profile)
    (item,) = other_client.get("/api/v1/schedules").json()["data"]["items"]
    assert item["my"] is None
    assert other_client.get(f"/api/v1/schedules/{schedule.pk}").json()["data"]["my"] is None


def test_adding_a_child_answers_in_words(parent_client):
    response = parent_client.post("/api/v1/profiles", {"name": "乐乐", "level": 2}, format="json").json()
    assert (response["code"], response["message"], response["data"]["name"]) == (200, "已添加乐乐的档案", "乐乐")
