"""docs/rules.md §1: seats, booking failures in order, cancel and leave, with the seed's Wednesday class."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from courses.models import Booking
from makeup.models import MakeupBooking
from tests.conftest import at
from tests.factories import BookingFactory, CourseFactory, ProfileFactory, ScheduleFactory

pytestmark = pytest.mark.django_db

WEDNESDAY_19 = at("2026-12-02 19:00")


@pytest.fixture(autouse=True)
def now(time_machine):
    """Wednesday 10:00, set before any client mints its token."""
    time_machine.move_to(at("2026-12-02 10:00"), tick=False)
    return at("2026-12-02 10:00")


@pytest.fixture
def wednesday_class(now):
    return ScheduleFactory(starts_at=WEDNESDAY_19, capacity=6)


def fill(schedule, seats: int):
    for _ in range(seats):
        BookingFactory(schedule=schedule)


def book(client, schedule, profile):
    return client.post("/api/v1/bookings", {"course_schedule_id": schedule.pk, "profile_id": profile.pk}, format="json")


def test_booking_a_free_seat(parent_client, profile, wednesday_class):
    response = book(parent_client, wednesday_class, profile)
    assert response.status_code == 200
    assert response.json()["message"] == "预约成功"
    data = response.json()["data"]
    booking = Booking.objects.get(pk=data["booking_id"])
    assert data == {"booking_id": booking.pk, "status": "booked", "kind": "regular"}
    assert (booking.profile, booking.schedule, booking.status) == (profile, wednesday_class, "booked")


def test_full_class_is_refused_with_can_join_waitlist_before_cutoff(parent_client, profile, wednesday_class):
    fill(wednesday_class, 6)
    response = book(parent_client, wednesday_class, profile)
    assert response.status_code == 409
    assert response.json() == {
        "code": 409,
        "message": "课程已满员",
        "error": "schedule_full",
        "data": {"can_join_waitlist": True},
    }
    assert not Booking.objects.filter(profile=profile).exists()


def test_full_class_after_cutoff_cannot_join_waitlist(parent_client, profile, wednesday_class, time_machine):
    fill(wednesday_class, 6)
    time_machine.move_to(at("2026-12-02 13:00"), tick=False)  # the cutoff (6 hours before 19:00) is still open
    assert book(parent_client, wednesday_class, profile).json()["data"] == {"can_join_waitlist": True}
    time_machine.move_to(at("2026-12-02 13:00") + timedelta(seconds=1), tick=False)
    response = book(parent_client, wednesday_class, profile)
    assert response.json()["data"] == {"can_join_waitlist": False}


def test_last_free_seat_can_be_booked(parent_client, profile, wednesday_class):
    fill(wednesday_class, 5)
    assert book(parent_client, wednesday_class, profile).status_code == 200
    assert book(parent_client, wednesday_class, ProfileFactory(owner=profile.owner)).json()["error"] == "schedule_full"


def test_capacity_lowered_below_bookings_is_full(parent_client, profile, wednesday_class):
    fill(wednesday_class, 4)
    wednesday_class.capacity = 3
    wednesday_class.save()
    assert book(parent_client, wednesday_class, profile).json()["error"] == "schedule_full"


def test_started_class_is_refused(parent_client, profile, wednesday_class, time_machine):
    time_machine.move_to(WEDNESDAY_19, tick=False)
    response = book(parent_client, wednesday_class, profile)
    assert response.status_code == 409
    assert response.json()["error"] == "schedule_started"
    assert response.json()["message"] == "课程已开始"


def test_one_second_before_start_is_still_bookable(parent_client, profile, wednesday_class, time_machine):
    time_machine.move_to(WEDNESDAY_19 - timedelta(seconds=1), tick=False)
    assert book(parent_client, wednesday_class, profile).status_code == 200


def test_overlapping_class_is_refused(parent_client, profile, wednesday_class):
    BookingFactory(profile=profile, schedule=ScheduleFactory(starts_at=WEDNESDAY_19 + timedelta(minutes=30)))
    response = book(parent_client, wednesday_class, profile)
    assert response.status_code == 409
    assert response.json()["error"] == "time_conflict"
    assert response.json()["message"] == "与已预约课程时间冲突"


def test_back_to_back_classes_do_not_conflict(parent_client, profile, wednesday_class):
    BookingFactory(profile=profile, schedule=ScheduleFactory(starts_at=WEDNESDAY_19 + timedelta(minutes=60)))
    assert book(parent_client, wednesday_class, profile).status_code == 200


def test_a_cancelled_overlapping_booking_does_not_conflict(parent_client, profile, wednesday_class):
    BookingFactory(profile=profile, schedule=ScheduleFactory(starts_at=WEDNESDAY_19), status="cancelled")
    assert book(parent_client, wednesday_class, profile).status_code == 200


def test_booking_twice_is_already_booked(parent_client, profile, wednesday_class):
    assert book(parent_client, wednesday_class, profile).status_code == 200
    response = book(parent_client, wednesday_class, profile)
    assert response.status_code == 409
    assert response.json()["error"] == "already_booked"
    assert response.json()["message"] == "您已预约该课程"
    assert Booking.objects.filter(profile=profile).count() == 1


def test_rebooking_after_cancel_is_allowed(parent_client, profile, wednesday_class):
    booking_id = book(parent_client, wednesday_class, profile).json()["data"]["booking_id"]
    parent_client.post(f"/api/v1/bookings/{booking_id}/cancel")
    assert book(parent_client, wednesday_class, profile).status_code == 200
    assert Booking.objects.filter(profile=profile, schedule=wednesday_class).count() == 2


def test_cancelled_schedule_is_refused(parent_client, profile, wednesday_class):
    wednesday_class.status = "cancelled"
    wednesday_class.save()
    response = book(parent_client, wednesday_class, profile)
    assert response.json()["error"] == "schedule_cancelled"
    assert response.json()["message"] == "课程已取消"


def test_unknown_schedule_is_404_course_missing(parent_client, profile, now):
    response = parent_client.post(
        "/api/v1/bookings", {"course_schedule_id": 999999, "profile_id": profile.pk}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["message"] == "课程不存在"


def test_another_parents_profile_is_404_profile_missing(parent_client, other_profile, wednesday_class):
    response = book(parent_client, wednesday_class, other_profile)
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "档案不存在", "error": "not_found", "data": None}
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"course_schedule_id": "x", "profile_id": 1},
        {"course_schedule_id": -1, "profile_id": 1},
        {"course_schedule_id": 10**30, "profile_id": 1},
        {"course_schedule_id": 1.5, "profile_id": 1},
    ],
)
def test_bad_booking_input_is_400(parent_client, body, now):
    response = parent_client.post("/api/v1/bookings", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert not Booking.objects.exists()


def test_database_allows_one_booked_seat_per_profile_and_schedule(wednesday_class, profile):
    BookingFactory(profile=profile, schedule=wednesday_class)
    BookingFactory(profile=profile, schedule=wednesday_class, status="cancelled")  # ended rows don't count
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(profile=profile, schedule=wednesday_class, status="booked", active=True)


def test_database_refuses_an_active_key_out_of_step_with_the_status(wednesday_class, profile):
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(profile=profile, schedule=wednesday_class, status="cancelled", active=True)


# --- cancel ---------------------------------------------------------------------------------


def test_cancel_frees_the_seat(parent_client, profile, wednesday_class, other_client, other_profile):
    fill(wednesday_class, 5)
    booking = BookingFactory(profile=profile, schedule=wednesday_class)
    assert book(other_client, wednesday_class, other_profile).json()["error"] == "schedule_full"
    response = parent_client.post(f"/api/v1/bookings/{booking.pk}/cancel")
    assert response.status_code == 200
    assert response.json()["message"] == "已取消预约"
    assert response.json()["data"] == {"booking_id": booking.pk, "status": "cancelled"}
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancelled_at == at("2026-12-02 10:00")
    assert book(other_client, wednesday_class, other_profile).status_code == 200


def test_cancel_twice_is_booking_not_active(parent_client, profile, wednesday_class):
    booking = BookingFactory(profile=profile, schedule=wednesday_class)
    parent_client.post(f"/api/v1/bookings/{booking.pk}/cancel")
    response = parent_client.post(f"/api/v1/bookings/{booking.pk}/cancel")
    assert response.status_code == 409
    assert response.json()["error"] == "booking_not_active"
    assert response.json()["message"] == "该预约无法取消或请假"


def test_cancel_after_start_is_booking_not_active(parent_client, profile, wednesday_class, time_machine):
    booking = BookingFactory(profile=profile, schedule=wednesday_class)
    time_machine.move_to(WEDNESDAY_19, tick=False)
    assert parent_client.post(f"/api/v1/bookings/{booking.pk}/cancel").json()["error"] == "booking_not_active"
    booking.refresh_from_db()
    assert booking.status == "booked"


def test_cancelling_another_parents_booking_is_404_and_changes_nothing(other_client, profile, wednesday_class):
    booking = BookingFactory(profile=profile, schedule=wednesday_class)
    for verb in ("cancel", "leave"):
        response = other_client.post(f"/api/v1/bookings/{booking.pk}/{verb}", {}, format="json")
        assert response.status_code == 404
        assert response.json()["message"] == "资源不存在"
    booking.refresh_from_db()
    assert booking.status == "booked"


def test_unknown_booking_is_404(parent_client, now):
    assert parent_client.post("/api/v1/bookings/987654/cancel").status_code == 404
    assert parent_client.post("/api/v1/bookings/abc/cancel").status_code == 404


# --- leave ----------------------------------------------------------------------------------


def test_leave_until_two_hours_before_start(parent_client, profile, wednesday_class, time_machine):
    booking = BookingFactory(profile=profile, schedule=wednesday_class)
    time_machine.move_to(at("2026-12-02 17:00"), tick=False)  # exactly at the deadline: still allowed
    response = parent_client.post(f"/api/v1/bookings/{booking.pk}/leave", {"reason": "发烧"}, format="json")
    assert response.status_code == 200
    assert response.json()["message"] == "请假成功，已生成待补课记录"
    data = response.json()["data"]
    makeup = MakeupBooking.objects.get(pk=data["makeup_id"])
    assert data == {"booking_id": booking.pk, "status": "on_leave", "makeup_id": makeup.pk}
    booking.refresh_from_db()
    assert (booking.status, booking.leave_at, booking.leave_reason) == ("on_leave", at("2026-12-02 17:00"), "发烧")
    # RULES §6.1: the owed make-up, in the same transaction: pending, holding the original booking,
    # course, minutes and leave time.
    assert (
        makeup.status,
        makeup.profile,
        makeup.original_booking,
        makeup.original_course,
        makeup.original_minutes,
        makeup.leave_at,
    ) == ("pending", profile, booking, wednesday_class.course, 60, at("2026-12-02 17:00"))


def test_leave_one_second_after_the_deadline_is_too_late(parent_client, profile, wednesday_class, time_machine):
    booking = BookingFactory(profile=profile, schedule=wednesday_class)
    time_machine.move_to(at("2026-12-02 17:00") + timedelta(seconds=1), tick=False)
    response = parent_client.post(f"/api/v1/bookings/{booking.pk}/leave", format="json")
    assert response.status_code == 409
    assert response.json() == {
        "code": 409,
        "message": "请假需在开课前2小时申请",
        "error": "leave_too_late",
        "data": None,
    }
    booking.refresh_from_db()
    assert booking.status == "booked"


def test_leave_message_follows_the_setting(parent_client, profile, wednesday_class, time_machine, settings):
    settings.LEAVE_DEADLINE = timedelta(minutes=90)
    booking = BookingFactory(profile=profile, schedule=wednesday_class)
    time_machine.move_to(at("2026-12-02 17:31"), tick=False)
    response = parent_client.post(f"/api/v1/bookings/{booking.pk}/leave", format="json")
    assert response.json()["message"] == "请假需在开课前1.5小时申请"


def test_leave_frees_the_seat(parent_client, profile, wednesday_class, other_client, other_profile):
    fill(wednesday_class, 5)
    booking = BookingFactory(profile=profile, schedule=wednesday_class)
    parent_client.post(f"/api/v1/bookings/{booking.pk}/leave", format="json")
    assert book(other_client, wednesday_class, other_profile).status_code == 200


def test_leave_of_a_cancelled_booking_is_booking_not_active(parent_client, profile, wednesday_class):
    booking = BookingFactory(profile=profile, schedule=wednesday_class, status="cancelled")
    assert (
        parent_client.post(f"/api/v1/bookings/{booking.pk}/leave", format="json").json()["error"]
        == "booking_not_active"
    )


def test_leave_reason_too_long_is_400(parent_client, profile, wednesday_class):
    booking = BookingFactory(profile=profile, schedule=wednesday_class)
    response = parent_client.post(f"/api/v1/bookings/{booking.pk}/leave", {"reason": "长" * 201}, format="json")
    assert response.status_code == 400
    booking.refresh_from_db()
    assert booking.status == "booked"


def test_course_level_does_not_limit_normal_booking(parent_client, profile, now):
    advanced = ScheduleFactory(course=CourseFactory(level=5), starts_at=WEDNESDAY_19)
    assert book(parent_client, advanced, profile).status_code == 200


# --- success messages (issue 12: "操作成功" tells a parent nothing) -------------------------------


def test_booking_answers_booked(parent_client, profile, wednesday_class):
    response = book(parent_client, wednesday_class, profile)
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["message"]) == (200, "预约成功")
    assert Booking.objects.get(pk=body["data"]["booking_id"]).status == "booked"


def test_cancel_answers_booking_cancelled(parent_client, profile, wednesday_class):
    booking = BookingFactory(profile=profile, schedule=wednesday_class)
    response = parent_client.post(f"/api/v1/bookings/{booking.pk}/cancel")
    assert response.status_code == 200
    assert response.json() == {
        "code": 200,
        "message": "已取消预约",
        "data": {"booking_id": booking.pk, "status": "cancelled"},
    }
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert not MakeupBooking.objects.exists()  # a cancel owes nothing


def test_leave_answers_that_a_makeup_is_owed(parent_client, profile, wednesday_class):
    booking = BookingFactory(profile=profile, schedule=wednesday_class)
    response = parent_client.post(f"/api/v1/bookings/{booking.pk}/leave", {}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["message"]) == (200, "请假成功，已生成待补课记录")
    makeup = MakeupBooking.objects.get(pk=body["data"]["makeup_id"])
    assert (makeup.status, makeup.original_booking_id) == ("pending", booking.pk)


def test_leave_of_a_makeup_seat_answers_makeup_cancelled(parent_client, profile, wednesday_class):
    """RULES §1/§6.5: leave of a make-up's seat cancels the make-up (it is owed again, no new one)."""
    original = BookingFactory(profile=profile, schedule=wednesday_class)
    makeup_id = parent_client.post(f"/api/v1/bookings/{original.pk}/leave", {}, format="json").json()["data"][
        "makeup_id"
    ]
    session = ScheduleFactory(
        course=CourseFactory(), starts_at=WEDNESDAY_19 + timedelta(days=1)
    )  # same type, level, 60 min
    booked = parent_client.post(
        "/api/v1/makeup/book",
        {"course_schedule_id": session.pk, "profile_id": profile.pk, "original_booking_id": original.pk},
        format="json",
    )
    assert booked.status_code == 200, booked.json()
    seat = Booking.objects.get(profile=profile, schedule=session, status="booked")
    assert seat.kind == "makeup"
    response = parent_client.post(f"/api/v1/bookings/{seat.pk}/leave", {}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "code": 200,
        "message": "已取消补课",
        "data": {"booking_id": seat.pk, "status": "cancelled", "makeup_id": None},
    }
    assert list(MakeupBooking.objects.values_list("pk", "status")) == [(makeup_id, "pending")]


def test_my_bookings_split_into_upcoming_and_past_at_the_class_end(
    parent_client, profile, wednesday_class, time_machine
):
    earlier = ScheduleFactory(starts_at=WEDNESDAY_19 - timedelta(hours=3))  # 16:00–17:00
    first = BookingFactory(profile=profile, schedule=earlier)
    second = BookingFactory(profile=profile, schedule=wednesday_class)  # 19:00–20:00
    old = BookingFactory(profile=profile, schedule=ScheduleFactory(starts_at=at("2026-12-01 09:00")))

    def listed(when):
        url = f"/api/v1/bookings/my?profile_id={profile.pk}&when={when}"
        return [row["id"] for row in parent_client.get(url).json()["data"]["items"]]

    assert listed("upcoming") == [first.pk, second.pk]
    assert listed("past") == [old.pk]
    time_machine.move_to(earlier.ends_at - timedelta(seconds=1), tick=False)
    assert listed("upcoming") == [first.pk, second.pk]  # still in class: not past yet
    time_machine.move_to(earlier.ends_at, tick=False)
    assert listed("upcoming") == [second.pk]
    assert listed("past") == [first.pk, old.pk]  # latest first


def test_my_bookings_refuse_an_unknown_when(parent_client, profile):
    response = parent_client.get(f"/api/v1/bookings/my?profile_id={profile.pk}&when=tomorrow")
    assert response.status_code == 400 and response.json()["error"] == "validation_error"
