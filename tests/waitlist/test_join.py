"""RULES §2 and the seed's US-1: joining, its checks in order, positions, capacity, estimates."""

from datetime import timedelta

import pytest
from django.db import OperationalError

from core.db import MAX_ATTEMPTS
from tests.conftest import at
from tests.factories import BookingFactory, CourseFactory, CourseTypeFactory, ProfileFactory, ScheduleFactory
from tests.waitlist.conftest import WEDNESDAY_19
from waitlist.models import WaitlistEntry, WaitlistOffer

pytestmark = pytest.mark.django_db


def test_full_class_shows_label_and_join_button(wednesday_class, make_parent):
    parent = make_parent()
    data = parent.detail(wednesday_class)
    assert (data["booked_count"], data["capacity"], data["is_full"], data["label"]) == (6, 6, True, "已满员")
    assert data["my"]["button"] == "加入候补"
    assert data["waitlist"] == {"count": 0, "capacity": 8, "is_open": True, "display": "候补: 0/8人"}


def test_fourth_in_a_queue_of_three_of_eight(wednesday_class, queue_of, make_parent):
    queue_of(wednesday_class, 3)
    parent = make_parent()
    response = parent.join(wednesday_class)
    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "加入候补成功"
    data = body["data"]
    entry = WaitlistEntry.objects.get(pk=data["waitlist_id"])
    assert (entry.profile, entry.schedule, entry.status) == (parent.profile, wednesday_class, "waiting")
    assert data["position"] == 4
    assert data["display"] == "您是第4位候补"
    assert (data["count"], data["capacity"]) == (4, 8)
    assert data["estimated_wait_time"] == "约3小时"  # 10:00 → cutoff 13:00
    assert data["promotion_chance"] is None  # no history yet


def test_full_queue_refuses_the_ninth(wednesday_class, queue_of, make_parent):
    queue_of(wednesday_class, 8)
    parent = make_parent()
    response = parent.join(wednesday_class)
    assert response.status_code == 409
    assert response.json() == {
        "code": 409,
        "message": "候补队列已满，请选择其他课程",
        "error": "waitlist_full",
        "data": {"alternatives": []},  # RULES §15: no other class to offer (tests/waitlist/test_alternatives.py)
    }
    assert WaitlistEntry.objects.count() == 8
    assert parent.detail(wednesday_class)["my"]["button"] == "加入候补"  # API.md: shown on a full queue too


def test_join_button_on_a_full_queue_leads_to_the_queue_full_answer(wednesday_class, queue_of, make_parent):
    """API.md (issue 12): the button shows on a full queue, so that tapping it gives the seed's message."""
    queue_of(wednesday_class, 8)
    parent = make_parent()
    data = parent.detail(wednesday_class)
    assert (data["is_full"], data["waitlist"]["count"], data["waitlist"]["capacity"]) == (True, 8, 8)
    assert data["my"]["button"] == "加入候补"
    response = parent.join(wednesday_class)
    assert response.status_code == 409
    assert response.json()["message"] == "候补队列已满，请选择其他课程" and response.json()["error"] == "waitlist_full"
    assert not WaitlistEntry.objects.filter(profile=parent.profile).exists()
    assert parent.detail(wednesday_class)["my"]["button"] == "加入候补"


def test_no_join_button_with_a_seat_of_ones_own_or_after_the_cutoff(wednesday_class, queue_of, make_parent, clock):
    queue_of(wednesday_class, 8)
    seated = make_parent()
    BookingFactory(schedule=wednesday_class, profile=seated.profile)
    assert seated.detail(wednesday_class)["my"]["button"] is None
    outsider = make_parent()
    clock.go("2026-12-02 13:00")  # the cutoff instant still belongs to the open period (RULES §5.2)
    assert outsider.detail(wednesday_class)["my"]["button"] == "加入候补"
    clock.go("2026-12-02 13:00", seconds=1)  # one second after the cutoff: the waitlist has ended
    assert outsider.detail(wednesday_class)["my"]["button"] is None


def test_vip_course_type_capacity_of_five(make_parent, queue_of):
    vip = CourseTypeFactory(code="vip", name="VIP小班", waitlist_capacity=5)
    schedule = ScheduleFactory(course=CourseFactory(course_type=vip), starts_at=WEDNESDAY_19, capacity=4)
    for _ in range(4):
        BookingFactory(schedule=schedule)
    queue_of(schedule, 2)
    data = make_parent().detail(schedule)
    assert data["waitlist"]["display"] == "候补: 2/5人"
    queue_of(schedule, 3)
    assert make_parent().join(schedule).json()["error"] == "waitlist_full"


def test_schedule_override_beats_course_type_and_default(wednesday_class, queue_of, make_parent, settings):
    wednesday_class.course.course_type.waitlist_capacity = None
    wednesday_class.course.course_type.save()
    settings.WAITLIST_DEFAULT_CAPACITY = 3
    assert make_parent().detail(wednesday_class)["waitlist"]["capacity"] == 3
    wednesday_class.waitlist_capacity = 2
    wednesday_class.save()
    queue_of(wednesday_class, 2)
    assert make_parent().join(wednesday_class).json()["error"] == "waitlist_full"


def test_lowering_capacity_below_the_count_removes_nobody(wednesday_class, queue_of, make_parent):
    parents = queue_of(wednesday_class, 4)
    wednesday_class.waitlist_capacity = 2
    wednesday_class.save()
    assert WaitlistEntry.objects.filter(status="waiting").count() == 4
    assert make_parent().join(wednesday_class).json()["error"] == "waitlist_full"
    for parent in parents[:3]:
        parent.client.delete(f"/api/v1/waitlist/{parent.entry_id}")
    assert make_parent().join(wednesday_class).status_code == 200  # 1 < 2 again


def test_joined_parent_sees_joined_and_can_cancel(wednesday_class, queue_of):
    (parent,) = queue_of(wednesday_class, 1)
    data = parent.detail(wednesday_class)
    assert data["my"]["button"] == "已候补"
    assert (data["my"]["waitlist_id"], data["my"]["waitlist_status"], data["my"]["position"]) == (
        parent.entry_id,
        "waiting",
        1,
    )
    response = parent.client.delete(f"/api/v1/waitlist/{parent.entry_id}")
    assert response.status_code == 200
    assert response.json()["message"] == "已取消候补"
    assert response.json()["data"] == {"id": parent.entry_id, "status": "cancelled"}
    assert parent.entry.status == "cancelled" and parent.entry.ended_at == at("2026-12-02 10:00")
    again = parent.client.delete(f"/api/v1/waitlist/{parent.entry_id}")
    assert again.status_code == 409
    assert again.json()["message"] == "该候补已结束" and again.json()["error"] == "not_waiting"


def test_cancelling_a_waitlist_entry_answers_waitlist_cancelled(wednesday_class, queue_of):
    first, second = queue_of(wednesday_class, 2)
    response = first.client.delete(f"/api/v1/waitlist/{first.entry_id}")
    assert response.status_code == 200
    assert response.json() == {
        "code": 200,
        "message": "已取消候补",
        "data": {"id": first.entry_id, "status": "cancelled"},
    }
    assert first.entry.status == "cancelled"
    assert second.client.get(f"/api/v1/waitlist/position/{second.entry_id}").json()["data"]["position"] == 1


def test_a_child_may_leave_and_rejoin_a_queue_any_number_of_times(wednesday_class, queue_of):
    """An ended entry leaves the one-waiting-entry constraint (its `active` is NULL, not False): ended
    entries of one child and class never collide, however many there are."""
    (parent,) = queue_of(wednesday_class, 1)
    for _ in range(3):
        assert parent.client.delete(f"/api/v1/waitlist/{parent.entry_id}").status_code == 200
        response = parent.join(wednesday_class)
        assert response.status_code == 200, response.json()
        parent.entry_id = response.json()["data"]["waitlist_id"]
    ended = WaitlistEntry.objects.filter(profile=parent.profile).exclude(pk=parent.entry_id)
    assert list(ended.values_list("status", "active")) == [("cancelled", None)] * 3


# --- a one-child parent's missing profile_id means that child (issue 12) ------------------------


def test_detail_without_profile_id_shows_an_only_childs_entry_offer_and_button(
    wednesday_class, queue_of, free_a_seat, clock
):
    (parent,) = queue_of(wednesday_class, 1)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:40")
    data = parent.client.get(f"/api/v1/schedules/{wednesday_class.pk}").json()["data"]
    assert data["my"] == parent.detail(wednesday_class)["my"]
    assert (data["my"]["waitlist_id"], data["my"]["waitlist_status"], data["my"]["position"]) == (
        parent.entry_id,
        "waiting",
        1,
    )
    assert data["my"]["button"] == "已候补"
    offer = WaitlistOffer.objects.get()
    assert data["my"]["offer"] == {
        "offer_id": offer.pk,
        "deadline": "2026-12-02T12:45:00+08:00",
        "seconds_left": 300,
        "phase": "broadcast",
        "button": "有名额，立即预约",
    }


def test_detail_without_profile_id_catches_up_an_only_childs_overdue_offer(
    wednesday_class, queue_of, free_a_seat, clock
):
    """As with profile_id (RULES §5.5): my.offer never shows a window that has closed; the due hand-over
    happens on the read, and the seat is reserved for the first in line."""
    first, second = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:46")
    data = second.client.get(f"/api/v1/schedules/{wednesday_class.pk}").json()["data"]
    assert data["my"]["offer"] is None and data["my"]["button"] == "已候补"
    offer = WaitlistOffer.objects.get()
    assert (offer.phase, offer.reserved_for_id) == ("reserved", first.entry_id)


def test_detail_without_profile_id_shows_the_join_button_to_an_only_child(wednesday_class, make_parent):
    parent = make_parent()
    data = parent.client.get(f"/api/v1/schedules/{wednesday_class.pk}").json()["data"]
    assert data["my"] == {
        "booking_id": None,
        "waitlist_id": None,
        "waitlist_status": None,
        "position": None,
        "offer": None,
        "button": "加入候补",
        "alternatives_count": 0,  # RULES §15: a full class, and no other class to offer
    }


# --- the checks, in their order --------------------------------------------------------------


def test_another_parents_profile_is_404_profile(wednesday_class, make_parent, other_profile):
    parent = make_parent()
    response = parent.client.post(
        "/api/v1/waitlist/join",
        {"course_schedule_id": wednesday_class.pk, "profile_id": other_profile.pk},
        format="json",
    )
    assert response.status_code == 404 and response.json()["message"] == "档案不存在"


def test_unknown_schedule_is_404_course(make_parent):
    parent = make_parent()
    response = parent.client.post(
        "/api/v1/waitlist/join", {"course_schedule_id": 98765, "profile_id": parent.profile.pk}, format="json"
    )
    assert response.status_code == 404 and response.json()["message"] == "课程不存在"


def test_profile_check_comes_before_schedule_check(make_parent, other_profile):
    parent = make_parent()
    response = parent.client.post(
        "/api/v1/waitlist/join", {"course_schedule_id": 98765, "profile_id": other_profile.pk}, format="json"
    )
    assert response.json()["message"] == "档案不存在"


def test_join_with_a_makeup_id_is_refused_until_make_ups_exist(wednesday_class, make_parent):
    """RULES §9 (docs/decisions.md): a makeup_id that is not the caller's (here: none exists) answers
    404 资源不存在, and nothing is written."""
    parent = make_parent()
    response = parent.join(wednesday_class, makeup_id=12)
    assert response.status_code == 404 and response.json() == {
        "code": 404,
        "message": "资源不存在",
        "error": "not_found",
        "data": None,
    }
    assert not WaitlistEntry.objects.exists()


def test_joining_at_the_cutoff_instant_is_allowed_one_second_later_it_is_closed(wednesday_class, make_parent, clock):
    """RULES §5.2: now ≤ cutoff is still open."""
    parent, late = make_parent(), make_parent()
    clock.go("2026-12-02 13:00")
    assert parent.join(wednesday_class).status_code == 200
    clock.go("2026-12-02 13:00", seconds=1)
    response = late.join(wednesday_class)
    assert response.status_code == 409
    assert response.json() == {"code": 409, "message": "候补已截止", "error": "waitlist_closed", "data": None}


def test_closed_comes_before_not_full(make_parent, clock):
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19)  # not full
    clock.go("2026-12-02 13:00", seconds=1)
    assert make_parent().join(schedule).json()["error"] == "waitlist_closed"


def test_a_class_with_seats_says_book_directly(make_parent):
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19, capacity=6)
    BookingFactory(schedule=schedule)
    response = make_parent().join(schedule)
    assert response.status_code == 409
    assert response.json()["message"] == "课程尚有名额，请直接预约" and response.json()["error"] == "schedule_not_full"


def test_a_booked_child_cannot_also_wait(wednesday_class, make_parent):
    parent = make_parent()
    BookingFactory(schedule=wednesday_class, profile=parent.profile)  # 7 booked: over capacity, still full
    response = parent.join(wednesday_class)
    assert response.json()["error"] == "already_booked" and response.json()["message"] == "您已预约该课程"


def test_one_waiting_entry_per_profile_and_class(wednesday_class, queue_of):
    (parent,) = queue_of(wednesday_class, 1)
    response = parent.join(wednesday_class)
    assert response.status_code == 409
    assert response.json()["message"] == "您已在候补队列中" and response.json()["error"] == "already_waitlisted"


def test_a_profile_whose_entry_ended_joins_again_at_the_back(wednesday_class, queue_of):
    first, second = queue_of(wednesday_class, 2)
    first.client.delete(f"/api/v1/waitlist/{first.entry_id}")
    response = first.join(wednesday_class)
    assert response.status_code == 200
    assert response.json()["data"]["position"] == 2
    assert second.client.get(f"/api/v1/waitlist/position/{second.entry_id}").json()["data"]["position"] == 1


def test_overlapping_booked_class_is_a_time_conflict(wednesday_class, make_parent):
    parent = make_parent()
    BookingFactory(profile=parent.profile, schedule=ScheduleFactory(starts_at=WEDNESDAY_19 + timedelta(minutes=30)))
    response = parent.join(wednesday_class)
    assert response.json()["error"] == "time_conflict" and response.json()["message"] == "与已预约课程时间冲突"


def test_not_full_comes_before_already_booked(make_parent):
    """RULES §2's order: a child booked in a class that still has seats hears 'book directly' first."""
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19, capacity=6)
    parent = make_parent()
    BookingFactory(schedule=schedule, profile=parent.profile)  # 1 of 6 booked: not full, and booked
    response = parent.join(schedule)
    assert (response.status_code, response.json()) == (
        409,
        {"code": 409, "message": "课程尚有名额，请直接预约", "error": "schedule_not_full", "data": None},
    )
    assert not WaitlistEntry.objects.exists()


def test_already_waitlisted_comes_before_a_time_conflict(wednesday_class, queue_of):
    """RULES §2's order: a waiting child that also holds an overlapping booked class (booked after
    joining, bypassing the join) hears that it is already in the queue."""
    (parent,) = queue_of(wednesday_class, 1)
    BookingFactory(profile=parent.profile, schedule=ScheduleFactory(starts_at=WEDNESDAY_19 + timedelta(minutes=30)))
    response = parent.join(wednesday_class)
    assert (response.status_code, response.json()) == (
        409,
        {"code": 409, "message": "您已在候补队列中", "error": "already_waitlisted", "data": None},
    )
    assert WaitlistEntry.objects.filter(profile=parent.profile).count() == 1


def test_time_conflict_comes_before_a_full_queue(wednesday_class, queue_of, make_parent):
    queue_of(wednesday_class, 8)
    parent = make_parent()
    BookingFactory(profile=parent.profile, schedule=ScheduleFactory(starts_at=WEDNESDAY_19))
    assert parent.join(wednesday_class).json()["error"] == "time_conflict"


@pytest.mark.django_db(transaction=True)  # only the outermost command retries, outside any transaction
@pytest.mark.parametrize("deadlocks", [MAX_ATTEMPTS - 1, MAX_ATTEMPTS])
def test_a_join_that_keeps_deadlocking_answers_busy_after_the_last_attempt(
    wednesday_class, make_parent, monkeypatch, deadlocks
):
    """RULES §5.5 (docs/rules.md): a deadlock victim (MySQL 1213) is tried again, four times in all;
    one attempt short of that the join succeeds, after the fourth the parent gets 503 busy, never a 500."""
    from waitlist import services

    real, attempts = services.waitlist_entry_create, []

    def deadlocking(**kwargs):
        attempts.append(kwargs["now"])
        if len(attempts) <= deadlocks:
            raise OperationalError(1213, "Deadlock found when trying to get lock; try restarting transaction")
        return real(**kwargs)

    monkeypatch.setattr(services, "waitlist_entry_create", deadlocking)
    parent = make_parent()
    response = parent.join(wednesday_class)
    assert MAX_ATTEMPTS == 4
    if deadlocks < MAX_ATTEMPTS:
        assert (response.status_code, response.json()["message"]) == (200, "加入候补成功")
        assert len(attempts) == deadlocks + 1
        assert WaitlistEntry.objects.filter(profile=parent.profile, status="waiting").count() == 1
    else:
        assert (response.status_code, response.json()) == (
            503,
            {"code": 503, "message": "系统繁忙，请稍后再试", "error": "busy", "data": None},
        )
        assert len(attempts) == MAX_ATTEMPTS
        assert not WaitlistEntry.objects.exists()


def test_held_seats_keep_a_class_full(wednesday_class, queue_of, make_parent, free_a_seat):
    queue_of(wednesday_class, 1)
    free_a_seat(wednesday_class)  # 5 booked + 1 held by the offer
    assert WaitlistOffer.objects.filter(status="open").count() == 1
    response = make_parent().join(wednesday_class)
    assert response.status_code == 200  # still full: the freed seat is held for the waitlist


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"course_schedule_id": "x", "profile_id": 1},
        {"course_schedule_id": 1, "profile_id": -4},
        {"course_schedule_id": 1, "profile_id": 1, "confirm_shorter": "maybe"},
    ],
)
def test_bad_join_input_is_400_and_writes_nothing(make_parent, body):
    response = make_parent().client.post("/api/v1/waitlist/join", body, format="json")
    assert response.status_code == 400 and response.json()["error"] == "validation_error"
    assert not WaitlistEntry.objects.exists()


def test_full_booking_answer_says_whether_the_waitlist_can_be_joined(wednesday_class, queue_of, make_parent):
    parent = make_parent()
    book = {"course_schedule_id": wednesday_class.pk, "profile_id": parent.profile.pk}
    assert parent.client.post("/api/v1/bookings", book, format="json").json()["data"] == {"can_join_waitlist": True}
    parent.join(wednesday_class)
    assert parent.client.post("/api/v1/bookings", book, format="json").json()["data"] == {"can_join_waitlist": False}


# --- positions, estimates --------------------------------------------------------------------


def test_positions_are_contiguous_and_move_up_at_once(wednesday_class, queue_of):
    parents = queue_of(wednesday_class, 4)
    parents[1].client.delete(f"/api/v1/waitlist/{parents[1].entry_id}")
    positions = [p.client.get(f"/api/v1/waitlist/position/{p.entry_id}").json()["data"] for p in parents]
    assert [p["position"] for p in positions] == [1, None, 2, 3]
    assert positions[2] == {
        "id": parents[2].entry_id,
        "status": "waiting",
        "position": 2,
        "count": 3,
        "capacity": 8,
        "display": "您是第2位候补",
    }


def test_priority_moves_an_entry_to_the_front(wednesday_class, queue_of):
    from waitlist import services

    parents = queue_of(wednesday_class, 3)
    services.waitlist_entry_prioritize(entry_id=parents[2].entry_id, reason="老学员续报优先", by=None)
    positions = [p.client.get(f"/api/v1/waitlist/position/{p.entry_id}").json()["data"]["position"] for p in parents]
    assert positions == [2, 3, 1]
    assert parents[2].entry.priority_reason == "老学员续报优先"


@pytest.mark.parametrize(
    ("seconds_before_cutoff", "text"),
    [
        (3599, "即将截止"),
        (3600, "约1小时"),
        (24 * 3600 - 1, "约23小时"),
        (24 * 3600, "约1天"),
        (24 * 3600 + 3599, "约1天"),
        (25 * 3600, "1-2天"),
    ],
)
def test_estimated_wait_time_boundaries(seconds_before_cutoff, text):
    from waitlist.selectors import waitlist_estimated_wait

    schedule = ScheduleFactory.build(starts_at=WEDNESDAY_19)
    now = at("2026-12-02 13:00") - timedelta(seconds=seconds_before_cutoff)
    assert waitlist_estimated_wait(schedule=schedule, now=now) == text


@pytest.mark.parametrize(
    ("hours_before_cutoff", "text"),
    [
        (0.5, "即将截止"),
        (1, "约1小时"),
        (23.9, "约23小时"),
        (24, "约1天"),
        (48, "约2天"),
        (57.6, "2-3天"),
        (25, "1-2天"),
        (47.99, "1-2天"),
    ],
)
def test_estimated_wait_time_texts(hours_before_cutoff, text):
    from waitlist.selectors import waitlist_estimated_wait

    schedule = ScheduleFactory.build(starts_at=WEDNESDAY_19)
    now = at("2026-12-02 13:00") - timedelta(hours=hours_before_cutoff)
    assert waitlist_estimated_wait(schedule=schedule, now=now) == text


def test_promotion_chance_from_ninety_days_of_history(make_parent, time_machine):
    from courses.models import CourseSchedule as Schedule
    from waitlist.models import WaitlistOffer as Offer

    course = CourseFactory()
    # 10 past classes of the course: 4 opened two offers before their cutoff, 3 opened one, 3 none.
    for index in range(10):
        past = ScheduleFactory(course=course, starts_at=at("2026-11-20 19:00") - timedelta(days=index))
        for _ in range([2, 2, 2, 2, 1, 1, 1, 0, 0, 0][index]):
            Offer.objects.create(
                schedule=past,
                deadline=past.starts_at - timedelta(hours=7),
                released_at=past.starts_at - timedelta(hours=8),
            )
    # Offers released at or after the cutoff (6 hours before the start) and classes older than 90 days
    # do not count: without these rules the chances would read 0.8, 0.5 and 0.1.
    for index, hours_before_start in ((0, 6), (4, 5), (7, 1)):  # a third, a second and a first offer
        past = Schedule.objects.get(course=course, starts_at=at("2026-11-20 19:00") - timedelta(days=index))
        released = past.starts_at - timedelta(hours=hours_before_start)
        Offer.objects.create(schedule=past, deadline=released, released_at=released)
    old = ScheduleFactory(course=course, starts_at=at("2026-08-01 19:00"))
    Offer.objects.create(schedule=old, deadline=old.starts_at, released_at=old.starts_at - timedelta(hours=8))
    schedule = ScheduleFactory(course=course, starts_at=WEDNESDAY_19, capacity=1)
    BookingFactory(schedule=schedule)
    first, second, third = make_parent(), make_parent(), make_parent()
    assert first.join(schedule).json()["data"]["promotion_chance"] == 0.7
    assert second.join(schedule).json()["data"]["promotion_chance"] == 0.4
    assert third.join(schedule).json()["data"]["promotion_chance"] == 0.0


def test_promotion_chance_needs_ten_past_classes(make_parent):
    """RULES §2: fewer than 10 past classes of the course in the last 90 days is too little history."""
    course = CourseFactory()
    for index in range(9):  # nine classes, each of which opened an offer before its cutoff
        past = ScheduleFactory(course=course, starts_at=at("2026-11-20 19:00") - timedelta(days=index))
        WaitlistOffer.objects.create(
            schedule=past, deadline=past.starts_at - timedelta(hours=7), released_at=past.starts_at - timedelta(hours=8)
        )
    ScheduleFactory(course=course, starts_at=at("2026-08-01 19:00"))  # a tenth, but older than 90 days
    schedule = ScheduleFactory(course=course, starts_at=WEDNESDAY_19, capacity=1)
    BookingFactory(schedule=schedule)
    response = make_parent().join(schedule)
    assert response.status_code == 200
    assert response.json()["data"]["promotion_chance"] is None


def test_promotion_history_is_read_once_an_hour_per_course(django_assert_num_queries, time_machine):
    """The history describes classes that already started: cached for the clock hour, recomputed in the next."""
    from waitlist.models import WaitlistOffer as Offer
    from waitlist.selectors import waitlist_offers_released_history

    course = CourseFactory()
    past = [ScheduleFactory(course=course, starts_at=at("2026-11-20 19:00") - timedelta(days=i)) for i in range(10)]
    now = at("2026-11-25 12:10")
    with django_assert_num_queries(1):
        assert sorted(waitlist_offers_released_history(course_ids=[course.pk], now=now)[course.pk]) == [0] * 10
    Offer.objects.create(
        schedule=past[0],
        deadline=past[0].starts_at - timedelta(hours=7),
        released_at=past[0].starts_at - timedelta(hours=8),
    )
    with django_assert_num_queries(0):
        assert (
            sorted(waitlist_offers_released_history(course_ids=[course.pk], now=now + timedelta(minutes=49))[course.pk])
            == [0] * 10
        )
    with django_assert_num_queries(1):
        assert sorted(
            waitlist_offers_released_history(course_ids=[course.pk], now=now + timedelta(minutes=50))[course.pk]
        ) == [0] * 9 + [1]


def test_a_join_costs_few_statements_refused_or_accepted(django_assert_max_num_queries):
    """Issue 19's cheaper join: the refusal checks are one query on the class row's counters, and no
    savepoint is opened when the catch-up wrote nothing. Before: 18 statements accepted, 12 refused
    (SQLite, inside the test's transaction)."""
    from django.utils import timezone

    from core.errors import BusinessError
    from flows import offers

    schedule = ScheduleFactory(capacity=2, starts_at=timezone.now() + timedelta(days=2))
    for _ in range(2):
        BookingFactory(schedule=schedule)
    offers.waitlist_join(profile=ProfileFactory(), schedule_id=schedule.pk)
    child = ProfileFactory()
    with django_assert_max_num_queries(10):
        offers.waitlist_join(profile=child, schedule_id=schedule.pk)
    with django_assert_max_num_queries(7), pytest.raises(BusinessError) as refused:
        offers.waitlist_join(profile=child, schedule_id=schedule.pk)
    assert refused.value.error == "already_waitlisted"
