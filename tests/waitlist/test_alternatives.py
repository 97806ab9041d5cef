"""RULES §15: other classes when a class is full (主动推荐其他课程). The seed's Wednesday: the 19:00 class
is full (6/6) and it is 10:00 (tests/waitlist/conftest.py's clock); 2026-12-05 is a Saturday."""

from datetime import timedelta

import pytest
import yaml

from courses.models import Booking, CourseSchedule
from tests.conftest import at
from tests.factories import BookingFactory, CourseFactory, CourseTypeFactory, ProfileFactory, ScheduleFactory
from tests.waitlist.conftest import WEDNESDAY_19
from waitlist.models import WaitlistOffer

pytestmark = pytest.mark.django_db


def alternatives(parent, schedule, profile_id=None):
    profile_id = parent.profile.pk if profile_id is None else profile_id
    return parent.client.get(f"/api/v1/schedules/{schedule.pk}/alternatives?profile_id={profile_id}")


def ids(parent, schedule) -> list[int]:
    response = alternatives(parent, schedule)
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["data"]]


def same_course(full, when: str, **fields) -> CourseSchedule:
    return ScheduleFactory(course=full.course, starts_at=at(when), **fields)


def same_type_and_level(full, when: str, **fields) -> CourseSchedule:
    course = CourseFactory(course_type=full.course.course_type, level=full.course.level)
    return ScheduleFactory(course=course, starts_at=at(when), **fields)


def elsewhere(when: str) -> CourseSchedule:
    """A class of another course type (never an alternative), for the child's other bookings."""
    course = CourseFactory(course_type=CourseTypeFactory(code="swim", name="游泳"), level=2)
    return ScheduleFactory(course=course, starts_at=at(when))


# --- which classes, in which order -------------------------------------------------------------


def test_same_course_first_then_same_type_and_level_each_nearest_in_time(wednesday_class, make_parent):
    full = wednesday_class
    thursday = same_course(full, "2026-12-03 19:00")  # 24 h after the full class
    wednesday_afternoon = same_course(full, "2026-12-02 15:00")  # 4 h before: earlier, but after now
    saturday = same_course(full, "2026-12-05 10:00")  # 63 h after
    sunday = same_course(full, "2026-12-06 10:00")  # 87 h after
    next_hour = same_type_and_level(full, "2026-12-02 20:00")  # nearest of all, but another course
    thursday_morning = same_type_and_level(full, "2026-12-03 10:00")  # the sixth: beyond the five
    parent = make_parent()
    assert ids(parent, full) == [wednesday_afternoon.pk, thursday.pk, saturday.pk, sunday.pk, next_hour.pk]
    sunday.delete()
    assert ids(parent, full) == [wednesday_afternoon.pk, thursday.pk, saturday.pk, next_hour.pk, thursday_morning.pk]


def test_at_equal_distance_the_earlier_class_comes_first(wednesday_class, make_parent):
    after = same_course(wednesday_class, "2026-12-02 21:00")
    before = same_course(wednesday_class, "2026-12-02 17:00")
    assert ids(make_parent(), wednesday_class) == [before.pk, after.pk]


def test_other_course_types_and_levels_are_not_offered(wednesday_class, make_parent):
    full = wednesday_class
    ScheduleFactory(
        course=CourseFactory(course_type=full.course.course_type, level=3), starts_at=at("2026-12-03 10:00")
    )
    ScheduleFactory(
        course=CourseFactory(course_type=full.course.course_type, level=1), starts_at=at("2026-12-03 11:00")
    )
    vip = CourseTypeFactory(code="vip", name="VIP小班")
    ScheduleFactory(course=CourseFactory(course_type=vip, level=2), starts_at=at("2026-12-03 12:00"))
    assert ids(make_parent(), full) == []


def test_every_item_is_a_schedule_item_with_its_match_line(wednesday_class, make_parent):
    full = wednesday_class  # 王教练, 朝阳馆
    saturday = same_course(full, "2026-12-05 10:00")
    thursday = same_type_and_level(full, "2026-12-03 18:00", coach="李教练", venue="海淀馆")
    friday = same_type_and_level(full, "2026-12-04 09:30", coach="王教练", venue="海淀馆")
    parent = make_parent()
    response = alternatives(parent, full)
    body = response.json()
    assert (response.status_code, body["code"], body["message"]) == (200, 200, "操作成功")
    assert [(item["id"], item["match"]) for item in body["data"]] == [
        (
            saturday.pk,
            {
                "same_course": True,
                "same_coach": True,
                "same_venue": True,
                "text": "同课程 · 同教练 · 同场馆 · 周六 10:00",
            },
        ),
        (
            thursday.pk,
            {"same_course": False, "same_coach": False, "same_venue": False, "text": "同类型同级别 · 周四 18:00"},
        ),
        (
            friday.pk,
            {
                "same_course": False,
                "same_coach": True,
                "same_venue": False,
                "text": "同类型同级别 · 同教练 · 周五 09:30",
            },
        ),
    ]
    listed = parent.client.get(
        f"/api/v1/schedules?profile_id={parent.profile.pk}&date_from=2026-12-05&date_to=2026-12-05"
    )
    (item,) = listed.json()["data"]["items"]
    assert {key: value for key, value in body["data"][0].items() if key != "match"} == item  # the `GET schedules` shape
    assert (item["available"], item["is_full"], item["my"]["booking_id"]) == (6, False, None)


def test_an_empty_list_is_an_empty_list(wednesday_class, make_parent):
    response = alternatives(make_parent(), wednesday_class)
    assert response.status_code == 200
    assert response.json() == {"code": 200, "message": "操作成功", "data": []}


# --- free seats, open, after now ------------------------------------------------------------------


def test_only_classes_with_a_seat_a_parent_can_book_now(wednesday_class, make_parent, queue_of, free_a_seat):
    full = wednesday_class
    one_left = same_course(full, "2026-12-03 19:00", capacity=2)
    BookingFactory(schedule=one_left)
    taken = same_course(full, "2026-12-04 19:00", capacity=1)
    BookingFactory(schedule=taken)
    held = same_course(full, "2026-12-05 19:00", capacity=1)  # its freed seat is held for its waitlist
    BookingFactory(schedule=held)
    queue_of(held, 1)
    free_a_seat(held)
    assert WaitlistOffer.objects.get(schedule=held).status == "open"
    overbooked = same_course(full, "2026-12-06 19:00", capacity=2)  # capacity lowered below its bookings
    BookingFactory.create_batch(2, schedule=overbooked)
    CourseSchedule.objects.filter(pk=overbooked.pk).update(capacity=1)
    assert ids(make_parent(), full) == [one_left.pk]


def test_a_cancelled_class_is_not_offered(wednesday_class, make_parent):
    same_course(wednesday_class, "2026-12-03 19:00", status=CourseSchedule.Status.CANCELLED)
    kept = same_course(wednesday_class, "2026-12-04 19:00")
    assert ids(make_parent(), wednesday_class) == [kept.pk]


def test_a_class_starting_now_or_earlier_is_not_offered_a_later_one_today_is(wednesday_class, make_parent, clock):
    full = wednesday_class
    clock.go("2026-12-02 09:59")
    same_course(full, "2026-12-02 09:00")  # started an hour ago
    at_ten = same_course(full, "2026-12-02 10:00")
    at_ten_past = same_course(full, "2026-12-02 10:01")
    parent = make_parent()
    assert ids(parent, full) == [at_ten_past.pk, at_ten.pk]  # before the full class, after now: offered
    clock.go("2026-12-02 10:00")
    assert ids(parent, full) == [at_ten_past.pk]  # starting now is not after now
    clock.go("2026-12-02 10:01")
    assert ids(parent, full) == []


def test_the_window_ends_fourteen_days_after_the_class_starts(wednesday_class, make_parent):
    full = wednesday_class  # Wednesday 2 December 19:00: the window ends Wednesday 16 December 19:00
    same_course(full, "2026-12-16 19:00")  # exactly start + 14 days: excluded
    same_course(full, "2026-12-16 19:01")  # a minute after: excluded
    last = same_course(full, "2026-12-16 18:59")  # a minute before: offered
    assert WEDNESDAY_19 + timedelta(days=14) == at("2026-12-16 19:00")
    assert ids(make_parent(), full) == [last.pk]


def test_the_window_follows_the_full_class_not_today(wednesday_class, make_parent, clock):
    """A class a week ahead looks 14 days past its own start, whatever the date today."""
    full = same_course(wednesday_class, "2026-12-09 19:00", capacity=1)
    BookingFactory(schedule=full)
    far = same_course(wednesday_class, "2026-12-23 18:00")  # 21 days from now, 13 d 23 h after the class
    assert ids(make_parent(), full) == [far.pk]


# --- the child's own bookings -------------------------------------------------------------------


def test_a_class_overlapping_the_childs_booking_is_not_offered(wednesday_class, make_parent):
    full = wednesday_class
    parent = make_parent()
    BookingFactory(profile=parent.profile, schedule=elsewhere("2026-12-03 18:00"))  # the child's class, 18:00-19:00
    overlapping = same_course(full, "2026-12-03 18:30")
    right_after = same_course(full, "2026-12-03 19:00")  # touching is not overlapping
    right_before = same_course(full, "2026-12-03 17:00")
    assert ids(parent, full) == [right_before.pk, right_after.pk]  # 22 h and 24 h from the full class
    assert overlapping.pk in ids(make_parent(), full)  # another child's bookings do not matter


def test_a_make_up_seat_occupies_the_child_a_cancelled_or_left_one_does_not(wednesday_class, make_parent):
    full = wednesday_class
    parent = make_parent()
    BookingFactory(profile=parent.profile, schedule=elsewhere("2026-12-04 10:00"), kind=Booking.Kind.MAKEUP)
    BookingFactory(profile=parent.profile, schedule=elsewhere("2026-12-05 10:00"), status=Booking.Status.ON_LEAVE)
    BookingFactory(profile=parent.profile, schedule=elsewhere("2026-12-06 10:00"), status=Booking.Status.CANCELLED)
    same_course(full, "2026-12-04 10:30")
    after_leave = same_course(full, "2026-12-05 10:30")
    after_cancel = same_course(full, "2026-12-06 10:30")
    assert ids(parent, full) == [after_leave.pk, after_cancel.pk]


def test_a_class_the_child_already_booked_is_not_offered(wednesday_class, make_parent):
    parent = make_parent()
    booked = same_course(wednesday_class, "2026-12-03 19:00")
    BookingFactory(profile=parent.profile, schedule=booked)
    assert ids(parent, wednesday_class) == []


# --- profile_id: the caller's child, as everywhere ------------------------------------------------


def test_an_only_child_needs_no_profile_id_several_children_do(wednesday_class, make_parent):
    offered = same_course(wednesday_class, "2026-12-03 19:00")
    parent = make_parent()
    url = f"/api/v1/schedules/{wednesday_class.pk}/alternatives"
    assert [item["id"] for item in parent.client.get(url).json()["data"]] == [offered.pk]
    ProfileFactory(owner=parent.profile.owner)
    response = parent.client.get(url)
    assert response.status_code == 400
    assert response.json() == {
        "code": 400,
        "message": "参数错误",
        "error": "validation_error",
        "data": {"profile_id": ["该字段是必填项。"]},
    }


@pytest.mark.parametrize("profile_id", ["abc", "0", "-1", "1.5", str(2**60)])
def test_an_invalid_profile_id_is_400(wednesday_class, make_parent, profile_id):
    response = alternatives(make_parent(), wednesday_class, profile_id=profile_id)
    body = response.json()
    assert (response.status_code, body["code"], body["error"], body["message"]) == (
        400,
        400,
        "validation_error",
        "参数错误",
    )
    assert list(body["data"]) == ["profile_id"]


def test_another_parents_child_is_404_profile(wednesday_class, make_parent, other_profile):
    same_course(wednesday_class, "2026-12-03 19:00")
    response = alternatives(make_parent(), wednesday_class, profile_id=other_profile.pk)
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "档案不存在", "error": "not_found", "data": None}


def test_an_unknown_class_is_404_class(make_parent):
    response = make_parent().client.get("/api/v1/schedules/999999/alternatives")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "课程不存在", "error": "not_found", "data": None}


# --- queries -------------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_a_thousand_candidates(
    wednesday_class, make_parent, django_assert_max_num_queries
):
    full = wednesday_class
    parent = make_parent()
    BookingFactory(profile=parent.profile, schedule=ScheduleFactory(starts_at=at("2026-12-03 08:00")))
    same_course(full, "2026-12-03 19:00")
    same_type_and_level(full, "2026-12-03 20:00")
    with django_assert_max_num_queries(6) as small:  # user, profile, class, candidates, items, entries
        assert len(ids(parent, full)) == 2
    baseline = len(small.captured_queries)
    other = CourseFactory(course_type=full.course.course_type, level=full.course.level)
    first = at("2026-12-02 11:00")
    CourseSchedule.objects.bulk_create(
        CourseSchedule(
            course=full.course if n % 2 else other,
            starts_at=first + timedelta(minutes=19 * n),  # 1,000 classes over 13 days
            ends_at=first + timedelta(minutes=19 * n + 60),
            coach="王教练",
            venue="朝阳馆",
        )
        for n in range(1000)
    )
    with django_assert_max_num_queries(baseline):
        assert len(ids(parent, full)) == 5


# --- the join's refusal, the detail, the waitlist ----------------------------------------------


def test_the_full_queue_answer_carries_the_list_and_one_tap_books_it(wednesday_class, queue_of, make_parent):
    """Done when (issue 22): a parent who meets 候补队列已满，请选择其他课程 sees the other classes in the same
    answer and books one with a single request."""
    queue_of(wednesday_class, 8)
    saturday = same_course(wednesday_class, "2026-12-05 10:00")
    thursday = same_type_and_level(wednesday_class, "2026-12-03 18:00")
    parent = make_parent()
    response = parent.join(wednesday_class)
    body = response.json()
    assert (response.status_code, body["error"], body["message"]) == (
        409,
        "waitlist_full",
        "候补队列已满，请选择其他课程",
    )
    assert body["data"]["alternatives"] == alternatives(parent, wednesday_class).json()["data"]
    assert [item["id"] for item in body["data"]["alternatives"]] == [saturday.pk, thursday.pk]
    booked = parent.client.post(
        "/api/v1/bookings",
        {"course_schedule_id": body["data"]["alternatives"][0]["id"], "profile_id": parent.profile.pk},
        format="json",
    )
    assert (booked.status_code, booked.json()["message"]) == (200, "预约成功")
    assert Booking.objects.get(profile=parent.profile).schedule == saturday


def test_the_schema_documents_the_full_queue_answer_of_a_join(anon_client):
    """/api/schema/ describes the join's 409: the envelope, `data` null or `{alternatives: [...]}` of
    the `schedules/{id}/alternatives` items."""
    schema = yaml.safe_load(anon_client.get("/api/schema/").content)
    refused = schema["paths"]["/api/v1/waitlist/join"]["post"]["responses"]["409"]
    ref = refused["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    components = schema["components"]["schemas"]
    envelope = components[ref]
    assert set(envelope["required"]) == {"code", "message", "error", "data"}
    data = envelope["properties"]["data"]
    assert data["nullable"] is True
    alternatives_list = components[data["allOf"][0]["$ref"].rsplit("/", 1)[1]]["properties"]["alternatives"]
    listed = schema["paths"]["/api/v1/schedules/{id}/alternatives"]["get"]["responses"]["200"]
    assert alternatives_list["items"] == listed["content"]["application/json"]["schema"]["properties"]["data"]["items"]


def test_other_refusals_of_a_join_carry_no_list(wednesday_class, make_parent, queue_of):
    same_course(wednesday_class, "2026-12-03 19:00")
    (waiting,) = queue_of(wednesday_class, 1)
    response = waiting.join(wednesday_class)
    assert (response.status_code, response.json()["error"], response.json()["data"]) == (
        409,
        "already_waitlisted",
        None,
    )


def test_the_detail_of_a_full_class_counts_the_other_classes(wednesday_class, make_parent):
    parent = make_parent()
    assert parent.detail(wednesday_class)["my"]["alternatives_count"] == 0
    offered = same_course(wednesday_class, "2026-12-03 19:00")
    same_type_and_level(wednesday_class, "2026-12-04 19:00")
    assert parent.detail(wednesday_class)["my"]["alternatives_count"] == 2
    BookingFactory(profile=parent.profile, schedule=ScheduleFactory(starts_at=at("2026-12-03 19:30")))
    assert parent.detail(wednesday_class)["my"]["alternatives_count"] == 1  # the child is busy on Thursday
    assert parent.detail(offered)["my"]["alternatives_count"] is None  # not full: nothing to count


def history(course, offers_each: list[int]):
    """Ten past classes of the course, each having opened `offers_each[i]` offers before its cutoff."""
    for index, count in enumerate(offers_each):
        past = ScheduleFactory(course=course, starts_at=at("2026-11-20 19:00") - timedelta(days=index))
        for _ in range(count):
            WaitlistOffer.objects.create(
                schedule=past,
                deadline=past.starts_at - timedelta(hours=7),
                released_at=past.starts_at - timedelta(hours=8),
            )


@pytest.mark.parametrize(
    "offers_each, chance, counted",
    [
        (None, None, True),  # too little history: no chance known
        ([2, 2] + [1] * 8, 0.2, True),  # below 0.3
        ([2, 2, 2] + [1] * 7, 0.3, False),  # exactly 0.3 is not below it
        ([2] * 7 + [0] * 3, 0.7, False),
    ],
)
def test_waitlist_my_counts_other_classes_for_a_long_wait(
    wednesday_class, queue_of, make_parent, offers_each, chance, counted
):
    if offers_each is not None:
        history(wednesday_class.course, offers_each)
    same_course(wednesday_class, "2026-12-03 19:00")
    same_type_and_level(wednesday_class, "2026-12-04 19:00")
    first, second = queue_of(wednesday_class, 2)
    (item,) = second.client.get("/api/v1/waitlist/my").json()["data"]["items"]
    assert (item["position"], item["promotion_chance"]) == (2, chance)
    assert item["alternatives_count"] == (2 if counted else None)
    assert second.client.get(f"/api/v1/waitlist/{second.entry_id}").json()["data"] == item


def test_an_entry_names_its_child_whichever_child_is_selected(wednesday_class, queue_of):
    """The mini-program's entry page lists and books other classes for the entry's child (`profile_id`),
    not the child selected in the app: a message may open the entry of a sibling."""
    (parent,) = queue_of(wednesday_class, 1)
    sibling = ProfileFactory(owner=parent.profile.owner)
    (item,) = parent.client.get(f"/api/v1/waitlist/my?profile_id={parent.profile.pk}").json()["data"]["items"]
    assert item["profile_id"] == parent.profile.pk != sibling.pk
    assert parent.client.get(f"/api/v1/waitlist/{parent.entry_id}").json()["data"]["profile_id"] == parent.profile.pk


def test_first_in_line_or_no_longer_waiting_counts_nothing(wednesday_class, queue_of):
    same_course(wednesday_class, "2026-12-03 19:00")
    first, second = queue_of(wednesday_class, 2)
    (mine,) = first.client.get("/api/v1/waitlist/my").json()["data"]["items"]
    assert (mine["position"], mine["promotion_chance"], mine["alternatives_count"]) == (1, None, None)
    second.client.delete(f"/api/v1/waitlist/{second.entry_id}")
    (ended,) = second.client.get("/api/v1/waitlist/my?status=cancelled").json()["data"]["items"]
    assert (ended["status"], ended["alternatives_count"]) == ("cancelled", None)


def test_waitlist_my_counts_cost_the_same_queries_for_any_number_of_entries(
    make_parent, queue_of, django_assert_max_num_queries, settings
):
    settings.WAITLIST_MAX_ACTIVE_PER_PROFILE = 100
    parent = make_parent()

    def wait_second_in(n, start):
        for i in range(start, start + n):
            full = ScheduleFactory(starts_at=WEDNESDAY_19 + timedelta(hours=3 * i), capacity=1)
            BookingFactory(schedule=full)
            same_course(full, "2026-12-10 10:00")
            queue_of(full, 1)
            assert parent.join(full).status_code == 200

    wait_second_in(2, 0)
    with django_assert_max_num_queries(12) as small:
        items = parent.client.get("/api/v1/waitlist/my?page_size=100").json()["data"]["items"]
    assert {(item["position"], item["alternatives_count"]) for item in items} == {(2, 2)}
    baseline = len(small.captured_queries)
    wait_second_in(10, 2)
    with django_assert_max_num_queries(baseline):
        items = parent.client.get("/api/v1/waitlist/my?page_size=100").json()["data"]["items"]
    assert len(items) == 12 and all(item["alternatives_count"] == 5 for item in items)


def test_waitlist_my_counts_follow_a_seat_taken_elsewhere_and_a_class_starting(
    wednesday_class, queue_of, make_parent, clock, django_assert_num_queries
):
    """Hot reads: a cached `waitlist/my` ends when a seat is taken in any class, and when a candidate starts."""
    clock.go("2026-12-02 10:20")  # not on the hour: the wait estimate keeps the answer till 11:00
    last_seat = same_course(wednesday_class, "2026-12-02 12:30", capacity=1)
    same_course(wednesday_class, "2026-12-03 19:00")
    _, second = queue_of(wednesday_class, 2)

    def count():
        return second.client.get("/api/v1/waitlist/my").json()["data"]["items"][0]["alternatives_count"]

    assert count() == 2
    with django_assert_num_queries(1):  # from the cache: the JWT's user, nothing else
        assert count() == 2
    booker = make_parent()
    booked = booker.client.post(
        "/api/v1/bookings", {"course_schedule_id": last_seat.pk, "profile_id": booker.profile.pk}, format="json"
    )
    assert count() == 1  # another family took the last seat of a class where nobody of ours waits
    assert booker.client.post(f"/api/v1/bookings/{booked.json()['data']['booking_id']}/cancel").status_code == 200
    assert count() == 2
    clock.go("2026-12-02 12:29", seconds=50)
    assert count() == 2  # kept in the cache until 12:30, when the class starts
    clock.go("2026-12-02 12:30")
    assert count() == 1


# --- guards: cases that must stay as they are ------------------------------------------------------


def test_a_class_with_free_seats_never_lists_itself(wednesday_class, make_parent):
    free = same_course(wednesday_class, "2026-12-03 19:00")  # 6 seats, none booked
    other = same_course(wednesday_class, "2026-12-04 19:00")
    assert ids(make_parent(), free) == [other.pk]


def test_waitlist_my_applies_each_entrys_own_fourteen_day_window(wednesday_class, make_parent, queue_of):
    """Two long waits of one child starting on different days: a class 15 days after the first (out of
    its window) and 3 days before the second (inside its window) counts for the second only."""
    late = same_course(wednesday_class, "2026-12-20 19:00", capacity=1)
    BookingFactory(schedule=late)
    same_course(wednesday_class, "2026-12-17 19:00")  # 15 days after wednesday_class, 3 days before `late`
    parent = make_parent()
    for full in (wednesday_class, late):
        queue_of(full, 1)
        assert parent.join(full).status_code == 200
    items = parent.client.get("/api/v1/waitlist/my").json()["data"]["items"]
    counts = {item["schedule"]["id"]: (item["position"], item["alternatives_count"]) for item in items}
    assert counts == {wednesday_class.pk: (2, 0), late.pk: (2, 1)}


def test_an_empty_coach_or_venue_is_never_the_same(make_parent):
    full = ScheduleFactory(starts_at=at("2026-12-03 19:00"), capacity=1, coach="", venue="")
    BookingFactory(schedule=full)
    other = same_course(full, "2026-12-04 19:00", coach="", venue="")
    (item,) = alternatives(make_parent(), full).json()["data"]
    assert (item["id"], item["match"]) == (
        other.pk,
        {"same_course": True, "same_coach": False, "same_venue": False, "text": "同课程 · 周五 19:00"},
    )


def test_the_match_line_reads_the_shanghai_weekday_and_time_past_midnight(wednesday_class, make_parent):
    """Saturday 00:30 in Shanghai is Friday 16:30 UTC: the line reads the local day and time."""
    saturday = same_course(wednesday_class, "2026-12-05 00:30")
    (item,) = alternatives(make_parent(), wednesday_class).json()["data"]
    assert (item["id"], item["match"]["text"]) == (saturday.pk, "同课程 · 同教练 · 同场馆 · 周六 00:30")
