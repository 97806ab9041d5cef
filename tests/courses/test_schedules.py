"""GET schedules / schedules/{id} / bookings/my: fields, filters, isolation and constant query counts."""

from datetime import timedelta

import pytest

from courses.models import Booking
from tests.conftest import at
from tests.factories import BookingFactory, CourseFactory, CourseTypeFactory, ProfileFactory, ScheduleFactory

pytestmark = pytest.mark.django_db

WEDNESDAY_19 = at("2026-12-02 19:00")


@pytest.fixture(autouse=True)
def now(time_machine):
    time_machine.move_to(at("2026-12-02 10:00"), tick=False)


def items(response):
    assert response.status_code == 200, response.json()
    return response.json()["data"]["items"]


def test_schedule_item_fields(parent_client, profile):
    course = CourseFactory(
        name="少儿体能A", level=2, duration_minutes=90, course_type=CourseTypeFactory(code="vip", name="VIP小班")
    )
    schedule = ScheduleFactory(course=course, starts_at=WEDNESDAY_19, capacity=6, coach="李教练", venue="海淀馆")
    BookingFactory(schedule=schedule)
    mine = BookingFactory(schedule=schedule, profile=profile)
    (item,) = items(parent_client.get(f"/api/v1/schedules?profile_id={profile.pk}"))
    assert item == {
        "id": schedule.pk,
        "course": {
            "id": course.pk,
            "name": "少儿体能A",
            "course_type": "vip",
            "level": 2,
            "duration_minutes": 90,
            "price": "180.00",
        },
        "starts_at": "2026-12-02T19:00:00+08:00",
        "ends_at": "2026-12-02T20:30:00+08:00",
        "coach": "李教练",
        "venue": "海淀馆",
        "capacity": 6,
        "status": "open",
        "booked_count": 2,
        "available": 4,
        "is_full": False,
        "label": None,
        "waitlist": {"count": 0, "capacity": 8, "is_open": True, "display": "候补: 0/8人"},
        "my": {"booking_id": mine.pk, "waitlist_id": None, "waitlist_status": None, "position": None},
    }


def test_full_schedule_is_labelled(parent_client):
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19, capacity=2)
    BookingFactory(schedule=schedule)
    BookingFactory(schedule=schedule)
    BookingFactory(schedule=schedule, status="cancelled")
    (item,) = items(parent_client.get("/api/v1/schedules"))
    assert (item["booked_count"], item["available"], item["is_full"], item["label"]) == (2, 0, True, "已满员")
    assert item["my"] is None  # no profile asked about


def test_over_capacity_shows_zero_available(parent_client):
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19, capacity=3)
    for _ in range(4):
        BookingFactory(schedule=schedule)
    (item,) = items(parent_client.get("/api/v1/schedules"))
    assert (item["available"], item["is_full"]) == (0, True)


def test_filters_dates_type_level_and_hides_past_and_cancelled(parent_client):
    vip = CourseTypeFactory(code="vip", name="VIP")
    today = ScheduleFactory(starts_at=WEDNESDAY_19)
    tomorrow_vip = ScheduleFactory(
        starts_at=WEDNESDAY_19 + timedelta(days=1), course=CourseFactory(course_type=vip, level=3)
    )
    ScheduleFactory(starts_at=at("2026-12-02 08:00"))  # already over at 10:00
    ScheduleFactory(starts_at=WEDNESDAY_19, status="cancelled")
    assert [i["id"] for i in items(parent_client.get("/api/v1/schedules"))] == [today.pk, tomorrow_vip.pk]
    assert [i["id"] for i in items(parent_client.get("/api/v1/schedules?date_from=2026-12-03"))] == [tomorrow_vip.pk]
    assert [i["id"] for i in items(parent_client.get("/api/v1/schedules?date_to=2026-12-02"))] == [today.pk]
    assert [i["id"] for i in items(parent_client.get("/api/v1/schedules?course_type=vip"))] == [tomorrow_vip.pk]
    assert [i["id"] for i in items(parent_client.get("/api/v1/schedules?level=3"))] == [tomorrow_vip.pk]


def test_date_filter_uses_shanghai_days(parent_client):
    late = ScheduleFactory(starts_at=at("2026-12-03 23:30"))  # 15:30 UTC on the 3rd
    early = ScheduleFactory(starts_at=at("2026-12-04 00:30"))  # 16:30 UTC on the 3rd, but the 4th in Shanghai
    assert [i["id"] for i in items(parent_client.get("/api/v1/schedules?date_from=2026-12-03&date_to=2026-12-03"))] == [
        late.pk
    ]
    assert [i["id"] for i in items(parent_client.get("/api/v1/schedules?date_from=2026-12-04&date_to=2026-12-04"))] == [
        early.pk
    ]


@pytest.mark.parametrize(
    "query",
    [
        "date_from=tomorrow",
        "date_from=2026-12-05&date_to=2026-12-04",
        "level=0",
        "profile_id=abc",
        "course_type=%E4%B8%AD",
    ],
)
def test_bad_schedule_filters_are_400(parent_client, query):
    response = parent_client.get(f"/api/v1/schedules?{query}")
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"


@pytest.mark.parametrize("query", ["date_from=0001-01-01", "date_to=9999-12-31"])
def test_extreme_dates_in_the_schedule_list_are_not_a_500(parent_client, query):
    """RULES §9/§10: bad input is a 4xx envelope, never a 500."""
    response = parent_client.get(f"/api/v1/schedules?{query}")
    assert response.status_code == 400, response.json()
    assert response.json() == {
        "code": 400,
        "message": "参数错误",
        "error": "validation_error",
        "data": {query.split("=")[0]: ["日期超出范围"]},
    }


def test_another_parents_profile_id_is_404_on_schedules(parent_client, other_profile):
    ScheduleFactory(starts_at=WEDNESDAY_19)
    for url in ("/api/v1/schedules", f"/api/v1/schedules/{ScheduleFactory(starts_at=WEDNESDAY_19).pk}"):
        response = parent_client.get(f"{url}?profile_id={other_profile.pk}")
        assert response.status_code == 404
        assert response.json()["message"] == "档案不存在"


def test_schedule_detail(parent_client, profile):
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19)
    booking = BookingFactory(schedule=schedule, profile=profile)
    data = parent_client.get(f"/api/v1/schedules/{schedule.pk}?profile_id={profile.pk}").json()["data"]
    assert data["id"] == schedule.pk
    assert data["my"] == {
        "booking_id": booking.pk,
        "waitlist_id": None,
        "waitlist_status": None,
        "position": None,
        "offer": None,
        "button": None,
        "alternatives_count": None,  # RULES §15: only a full class counts other classes
    }


def test_a_cancelled_class_is_labelled_cancelled_before_full(parent_client):
    """RULES §6.7: 已取消 takes precedence over 已满员; a class with free seats is labelled too."""
    full = ScheduleFactory(starts_at=WEDNESDAY_19, capacity=1, status="cancelled")
    BookingFactory(schedule=full)
    free = ScheduleFactory(starts_at=WEDNESDAY_19, capacity=6, status="cancelled")
    full_item = parent_client.get(f"/api/v1/schedules/{full.pk}").json()["data"]
    assert (full_item["status"], full_item["is_full"], full_item["label"]) == ("cancelled", True, "已取消")
    free_item = parent_client.get(f"/api/v1/schedules/{free.pk}").json()["data"]
    assert (free_item["status"], free_item["is_full"], free_item["label"]) == ("cancelled", False, "已取消")


def test_an_open_class_with_free_seats_has_no_label(parent_client):
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19, capacity=2)
    BookingFactory(schedule=schedule)
    assert parent_client.get(f"/api/v1/schedules/{schedule.pk}").json()["data"]["label"] is None
    (item,) = items(parent_client.get("/api/v1/schedules"))
    assert item["label"] is None


# --- a one-child parent's missing profile_id means that child (issue 12) ------------------------


def test_the_list_without_profile_id_shows_my_for_an_only_child(parent_client, profile):
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19)
    mine = BookingFactory(schedule=schedule, profile=profile)
    (item,) = items(parent_client.get("/api/v1/schedules"))
    assert item["my"] == {"booking_id": mine.pk, "waitlist_id": None, "waitlist_status": None, "position": None}
    assert items(parent_client.get(f"/api/v1/schedules?profile_id={profile.pk}")) == [item]


def test_the_detail_without_profile_id_shows_my_for_an_only_child(parent_client, profile):
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19)
    mine = BookingFactory(schedule=schedule, profile=profile)
    data = parent_client.get(f"/api/v1/schedules/{schedule.pk}").json()["data"]
    assert data["my"] == {
        "booking_id": mine.pk,
        "waitlist_id": None,
        "waitlist_status": None,
        "position": None,
        "offer": None,
        "button": None,
        "alternatives_count": None,  # RULES §15: only a full class counts other classes
    }


def test_without_profile_id_several_children_show_no_my(parent_client, profile):
    sibling = ProfileFactory(owner=profile.owner)
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19)
    BookingFactory(schedule=schedule, profile=profile)
    BookingFactory(schedule=schedule, profile=sibling)
    (item,) = items(parent_client.get("/api/v1/schedules"))
    assert item["my"] is None
    assert parent_client.get(f"/api/v1/schedules/{schedule.pk}").json()["data"]["my"] is None
    # naming a child still works
    (named,) = items(parent_client.get(f"/api/v1/schedules?profile_id={sibling.pk}"))
    assert named["my"]["booking_id"] == Booking.objects.get(profile=sibling).pk


def test_unknown_schedule_detail_is_404_course_missing(parent_client):
    response = parent_client.get("/api/v1/schedules/424242")
    assert response.status_code == 404
    assert response.json()["message"] == "课程不存在"


def test_schedules_query_count_does_not_grow_with_the_list(parent_client, profile, django_assert_max_num_queries):
    def create(n):
        for i in range(n):
            schedule = ScheduleFactory(starts_at=WEDNESDAY_19 + timedelta(hours=2 * i))
            BookingFactory(schedule=schedule, profile=profile)
            BookingFactory(schedule=schedule)

    create(2)
    # user, profile, count, the page's ids, the page's details, the profile's entries, the first end
    with django_assert_max_num_queries(7) as small:
        parent_client.get(f"/api/v1/schedules?profile_id={profile.pk}&page_size=100")
    baseline = len(small.captured_queries)
    create(30)
    with django_assert_max_num_queries(baseline):
        response = parent_client.get(f"/api/v1/schedules?profile_id={profile.pk}&page_size=100")
    assert response.json()["data"]["count"] == 32


def test_my_bookings_lists_only_mine_with_filters(parent_client, profile, other_profile):
    sibling = ProfileFactory(owner=profile.owner)
    a = BookingFactory(profile=profile, schedule=ScheduleFactory(starts_at=WEDNESDAY_19))
    b = BookingFactory(
        profile=sibling, schedule=ScheduleFactory(starts_at=WEDNESDAY_19 + timedelta(days=1)), status="cancelled"
    )
    BookingFactory(profile=other_profile)
    assert [i["id"] for i in items(parent_client.get("/api/v1/bookings/my"))] == [a.pk, b.pk]
    assert [i["id"] for i in items(parent_client.get(f"/api/v1/bookings/my?profile_id={profile.pk}"))] == [a.pk]
    assert [i["id"] for i in items(parent_client.get("/api/v1/bookings/my?status=cancelled"))] == [b.pk]
    item = items(parent_client.get(f"/api/v1/bookings/my?profile_id={profile.pk}"))[0]
    assert item["schedule"]["starts_at"] == "2026-12-02T19:00:00+08:00"
    assert item["kind"] == "regular" and item["status"] == "booked" and item["profile_id"] == profile.pk


def test_my_bookings_with_another_parents_profile_is_404(parent_client, other_profile):
    assert parent_client.get(f"/api/v1/bookings/my?profile_id={other_profile.pk}").status_code == 404


def test_my_bookings_bad_status_is_400(parent_client):
    assert parent_client.get("/api/v1/bookings/my?status=whatever").status_code == 400


def test_my_bookings_query_count_does_not_grow(parent_client, profile, django_assert_max_num_queries):
    for i in range(2):
        BookingFactory(profile=profile, schedule=ScheduleFactory(starts_at=WEDNESDAY_19 + timedelta(hours=2 * i)))
    with django_assert_max_num_queries(4) as small:
        parent_client.get("/api/v1/bookings/my?page_size=100")
    baseline = len(small.captured_queries)
    for i in range(2, 30):
        BookingFactory(profile=profile, schedule=ScheduleFactory(starts_at=WEDNESDAY_19 + timedelta(hours=2 * i)))
    with django_assert_max_num_queries(baseline):
        response = parent_client.get("/api/v1/bookings/my?page_size=100")
    assert response.json()["data"]["count"] == 30


def test_every_endpoint_needs_a_token(anon_client):
    for method, url in [
        ("get", "/api/v1/schedules"),
        ("get", "/api/v1/schedules/1"),
        ("post", "/api/v1/bookings"),
        ("get", "/api/v1/bookings/my"),
        ("post", "/api/v1/bookings/1/cancel"),
        ("post", "/api/v1/bookings/1/leave"),
        ("get", "/api/v1/profiles"),
        ("post", "/api/v1/profiles"),
    ]:
        response = getattr(anon_client, method)(url)
        assert response.status_code == 401, url
        assert response.json()["message"] == "请先登录"
