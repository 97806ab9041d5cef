"""US-3: my waitlists with positions, estimates and open offers; constant query counts."""

from datetime import timedelta

import pytest

from tests.factories import BookingFactory, ScheduleFactory
from tests.waitlist.conftest import WEDNESDAY_19

pytestmark = pytest.mark.django_db


def full_class(hours_later=0, capacity=1):
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19 + timedelta(hours=hours_later), capacity=capacity)
    for _ in range(capacity):
        BookingFactory(schedule=schedule)
    return schedule


def test_my_waitlists_with_position_estimate_and_offer(wednesday_class, queue_of, make_parent, free_a_seat, clock):
    others = queue_of(wednesday_class, 2)
    parent = make_parent()
    parent.entry_id = parent.join(wednesday_class).json()["data"]["waitlist_id"]
    clock.go("2026-12-02 11:00")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 11:05")
    data = parent.client.get("/api/v1/waitlist/my").json()["data"]
    assert data["count"] == 1
    (item,) = data["items"]
    assert item["id"] == parent.entry_id and item["status"] == "waiting"
    assert (item["position"], item["estimated_wait_time"], item["promotion_chance"], item["makeup_id"]) == (
        3,
        "约1小时",
        None,
        None,
    )
    assert item["schedule"]["id"] == wednesday_class.pk and item["schedule"]["starts_at"] == "2026-12-02T19:00:00+08:00"
    assert item["offer"]["button"] == "有名额，立即预约" and item["offer"]["seconds_left"] == 600
    assert item["offer"]["phase"] == "broadcast"
    others[0].client.delete(f"/api/v1/waitlist/{others[0].entry_id}")
    assert parent.client.get("/api/v1/waitlist/my").json()["data"]["items"][0]["position"] == 2


def test_one_entry_reads_as_its_my_item_for_its_owner_only(wednesday_class, queue_of, make_parent, free_a_seat, clock):
    """GET waitlist/{id} (issue 15): the `waitlist/my` item of one entry, in any status, owner only."""
    first, second = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 11:00")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 11:05")
    mine = second.client.get(f"/api/v1/waitlist/{second.entry_id}").json()
    listed = second.client.get("/api/v1/waitlist/my").json()["data"]["items"][0]
    assert mine["code"] == 200 and mine["data"] == listed
    assert (mine["data"]["position"], mine["data"]["offer"]["seconds_left"]) == (2, 600)
    second.client.delete(f"/api/v1/waitlist/{second.entry_id}")
    ended = second.client.get(f"/api/v1/waitlist/{second.entry_id}").json()["data"]
    assert (ended["status"], ended["position"], ended["offer"]) == ("cancelled", None, None)
    other = first.client.get(f"/api/v1/waitlist/{second.entry_id}")
    assert (other.status_code, other.json()["message"]) == (404, "资源不存在")
    assert first.client.get("/api/v1/waitlist/999999").status_code == 404


def test_status_filter_and_history(wednesday_class, queue_of):
    (parent,) = queue_of(wednesday_class, 1)
    parent.client.delete(f"/api/v1/waitlist/{parent.entry_id}")
    assert parent.client.get("/api/v1/waitlist/my").json()["data"]["count"] == 0  # default: waiting
    cancelled = parent.client.get("/api/v1/waitlist/my?status=cancelled").json()["data"]["items"]
    assert [(i["id"], i["status"], i["position"], i["offer"]) for i in cancelled] == [
        (parent.entry_id, "cancelled", None, None)
    ]
    assert parent.client.get("/api/v1/waitlist/my?status=all").json()["data"]["count"] == 1


def test_only_my_entries_and_my_profiles(wednesday_class, queue_of, other_profile):
    a, b = queue_of(wednesday_class, 2)
    assert [i["id"] for i in a.client.get("/api/v1/waitlist/my").json()["data"]["items"]] == [a.entry_id]
    assert a.client.get(f"/api/v1/waitlist/my?profile_id={other_profile.pk}").status_code == 404
    assert a.client.get(f"/api/v1/waitlist/position/{b.entry_id}").status_code == 404
    assert a.client.delete(f"/api/v1/waitlist/{b.entry_id}").status_code == 404
    assert b.entry.status == "waiting"


def test_bad_status_is_400(wednesday_class, queue_of):
    (parent,) = queue_of(wednesday_class, 1)
    assert parent.client.get("/api/v1/waitlist/my?status=nope").status_code == 400


def test_my_waitlists_query_count_does_not_grow(make_parent, free_a_seat, django_assert_max_num_queries, settings):
    settings.WAITLIST_MAX_ACTIVE_PER_PROFILE = 100  # one child in many queues (RULES §13's limit aside)
    parent = make_parent()

    def join(n, start):
        for i in range(start, start + n):
            schedule = full_class(hours_later=2 * i)
            assert parent.join(schedule).status_code == 200
            if i % 2:
                free_a_seat(schedule)  # some entries have an open offer

    join(2, 0)
    with django_assert_max_num_queries(9) as small:
        parent.client.get("/api/v1/waitlist/my?page_size=100")
    baseline = len(small.captured_queries)  # now: later requests reset Django's query log
    join(20, 2)
    with django_assert_max_num_queries(baseline):
        response = parent.client.get("/api/v1/waitlist/my?page_size=100")
    assert response.json()["data"]["count"] == 22


def test_my_waitlists_query_count_does_not_grow_with_overdue_offers(
    make_parent, free_a_seat, clock, django_assert_max_num_queries, settings
):
    """STYLE / brief (4): list query counts must not grow with the list. Even with the sweeper late and many
    classes overdue, the list costs the same queries."""
    settings.WAITLIST_MAX_ACTIVE_PER_PROFILE = 100  # one child in many queues (RULES §13's limit aside)
    parent = make_parent()

    def classes(n, start):
        for i in range(start, start + n):
            schedule = full_class(hours_later=24 + i)
            assert parent.join(schedule).status_code == 200
            free_a_seat(schedule)

    clock.go("2026-12-02 10:00")
    classes(1, 0)
    clock.go("2026-12-02 10:16")  # the broadcast is over, no sweeper ran
    with django_assert_max_num_queries(100) as small:
        response = parent.client.get("/api/v1/waitlist/my?page_size=100")
    assert response.json()["data"]["count"] == 1
    baseline = len(small.captured_queries)
    clock.go("2026-12-02 10:20")
    classes(10, 1)
    clock.go("2026-12-02 10:36")
    with django_assert_max_num_queries(baseline):
        response = parent.client.get("/api/v1/waitlist/my?page_size=100")
    assert response.json()["data"]["count"] == 11


def test_schedules_query_count_with_waitlists_does_not_grow(
    make_parent, free_a_seat, django_assert_max_num_queries, settings
):
    settings.WAITLIST_MAX_ACTIVE_PER_PROFILE = 100  # one child in many queues (RULES §13's limit aside)
    parent = make_parent()
    for i in range(2):
        parent.join(full_class(hours_later=2 * i))
    url = f"/api/v1/schedules?profile_id={parent.profile.pk}&page_size=100"
    with django_assert_max_num_queries(7) as small:
        parent.client.get(url)
    baseline = len(small.captured_queries)
    for i in range(2, 25):
        schedule = full_class(hours_later=2 * i)
        parent.join(schedule)
        free_a_seat(schedule)
    with django_assert_max_num_queries(baseline):
        items = parent.client.get(url).json()["data"]["items"]
    assert len(items) == 25
    assert all(item["my"]["waitlist_status"] == "waiting" and item["my"]["position"] == 1 for item in items)


def test_my_waitlists_never_show_an_offer_that_can_no_longer_be_taken(wednesday_class, queue_of, free_a_seat, clock):
    """The list does not catch up (that would cost queries per class); it never shows a stale offer,
    and the detail page, which the offer button leads to, does catch up (RULES §5.5)."""
    first, second = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 11:00")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 11:16")  # the broadcast closed; no sweeper ran
    for parent in (first, second):
        (item,) = parent.client.get("/api/v1/waitlist/my").json()["data"]["items"]
        assert item["offer"] is None
    offer = first.detail(wednesday_class)["my"]["offer"]
    assert offer["phase"] == "reserved" and offer["deadline"] == "2026-12-02T11:31:00+08:00"
    (mine,) = first.client.get("/api/v1/waitlist/my").json()["data"]["items"]
    assert mine["offer"]["phase"] == "reserved"
