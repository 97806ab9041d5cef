"""RULES §6.3-6.6 and the seed's US-6: booking a make-up with its duration difference, the seed's
answers, cancelling with an exact reversal, redemption, and cancel/leave of a make-up seat."""

from datetime import timedelta

import pytest

from compensation.models import ClassCreditCompensation, CompensationUsage
from courses.models import Booking
from makeup.models import MakeupBooking
from notifications.models import Notification
from tests.compensation.invariants import assert_ledger_invariants
from tests.conftest import at
from tests.factories import BookingFactory
from tests.makeup.conftest import NOW, book, fill, give_credit
from tests.metrics import CounterDelta
from tests.waitlist.conftest import new_parent
from waitlist.models import WaitlistOffer

pytestmark = pytest.mark.django_db


def makeup_of(world):
    return MakeupBooking.objects.get(pk=world.makeup_id)


def test_a_shorter_session_needs_confirming(world):
    response = book(world, world.sessions["60"])
    assert response.status_code == 409
    assert response.json() == {
        "code": 409,
        "message": "本课程仅1小时，比您原课程少1小时，是否确认预约？",
        "error": "confirm_required",
        "data": None,
    }
    assert not Booking.objects.filter(profile=world.profile, kind="makeup").exists()


def test_a_90_minute_session_for_a_120_minute_class_books_and_credits_30_minutes(world):
    response = book(world, world.sessions["90"], confirm_shorter=True)
    body = response.json()
    assert response.status_code == 200 and body["message"] == "补课预约成功"
    assert body["data"] == {
        "makeup_booking_id": world.makeup_id,
        "duration_difference": -30,
        "compensation_generated": 30,
        "compensation_used": 0,
        "remaining_compensation": 30,
    }
    makeup = makeup_of(world)
    assert (makeup.status, makeup.makeup_minutes, makeup.duration_difference) == ("booked", 90, -30)
    assert (makeup.booking.schedule, makeup.booking.kind, makeup.booking.status) == (
        world.sessions["90"],
        "makeup",
        "booked",
    )
    credit = ClassCreditCompensation.objects.get()
    assert (credit.minutes, credit.remaining, credit.source, credit.makeup, credit.expires_at) == (
        30,
        30,
        "makeup_shorter",
        makeup,
        NOW + timedelta(days=14),
    )
    assert Notification.objects.filter(user=world.profile.owner, template="makeup_booked").count() == 1
    balance = world.client.get(f"/api/v1/compensation/balance?profile_id={world.profile.pk}").json()["data"]
    assert (balance["balance_minutes"], balance["has_compensation"], balance["prompt"]) == (
        30,
        True,
        "您有课时补偿可使用",
    )
    (earned,) = world.client.get(f"/api/v1/compensation/history?profile_id={world.profile.pk}").json()["data"]["items"]
    assert (earned["kind"], earned["minutes"], earned["makeup_booking_id"], earned["balance_after"]) == (
        "credit",
        30,
        world.makeup_id,
        30,
    )


def test_the_seed_s_longer_session_with_a_90_minute_balance(world):
    give_credit(world.profile, 90)
    response = book(world, world.sessions["150"], use_compensation=True)
    assert response.json()["data"] == {
        "makeup_booking_id": world.makeup_id,
        "duration_difference": 30,
        "compensation_generated": 0,
        "compensation_used": 30,
        "remaining_compensation": 60,
    }


def test_a_longer_session_without_using_compensation_is_refused(world):
    give_credit(world.profile, 90)
    response = book(world, world.sessions["150"])
    assert response.status_code == 409
    assert response.json()["error"] == "insufficient_compensation"
    assert response.json()["message"] == "补课时长超出原课程30分钟，需使用课时补偿"


def test_a_longer_session_with_too_few_minutes_is_refused_and_nothing_changes(world):
    credit = give_credit(world.profile, 29)
    response = book(world, world.sessions["150"], use_compensation=True)
    assert response.json()["error"] == "insufficient_compensation"
    assert response.json()["message"] == "补课时长超出原课程30分钟，需使用课时补偿"
    credit.refresh_from_db()
    assert credit.remaining == 29 and not CompensationUsage.objects.exists()
    assert makeup_of(world).status == "pending"


def test_an_equal_session_just_books(world):
    response = book(world, world.sessions["120"])
    assert response.json()["data"]["duration_difference"] == 0
    assert not ClassCreditCompensation.objects.exists()


def test_spending_takes_the_soonest_expiring_credits_first_and_splits(world):
    late = give_credit(world.profile, 20, days=10)
    soon = give_credit(world.profile, 10, days=2)
    middle = give_credit(world.profile, 15, days=5)
    book(world, world.sessions["150"], use_compensation=True)  # 30 minutes: 10 (soon) + 15 (middle) + 5 (late)
    takes = list(CompensationUsage.objects.filter(kind="use").order_by("id").values_list("credit_id", "minutes"))
    assert takes == [(soon.pk, 10), (middle.pk, 15), (late.pk, 5)]
    soon.refresh_from_db()
    middle.refresh_from_db()
    late.refresh_from_db()
    assert [(c.remaining, c.status) for c in (soon, middle, late)] == [(0, "used_up"), (0, "used_up"), (15, "active")]


def test_credits_expiring_at_the_same_moment_are_spent_oldest_id_first(world):
    """RULES §7: soonest-expiring first, ties by id."""
    first = give_credit(world.profile, 40, days=5)
    second = give_credit(world.profile, 40, days=5)
    assert first.expires_at == second.expires_at and first.pk < second.pk
    assert book(world, world.sessions["150"], use_compensation=True).status_code == 200  # 30 minutes
    takes = list(CompensationUsage.objects.filter(kind="use").values_list("credit_id", "minutes"))
    assert takes == [(first.pk, 30)]
    first.refresh_from_db()
    second.refresh_from_db()
    assert [(c.remaining, c.status) for c in (first, second)] == [(10, "active"), (40, "active")]


def test_a_credit_expiring_now_cannot_be_spent(world, clock):
    give_credit(world.profile, 60, days=1)
    clock.move_to(NOW + timedelta(days=1), tick=False)  # exactly at expires_at
    assert book(world, world.sessions["150"], use_compensation=True).json()["error"] == "insufficient_compensation"
    clock.move_to(NOW + timedelta(days=1) - timedelta(seconds=1), tick=False)
    assert book(world, world.sessions["150"], use_compensation=True).status_code == 200


def test_only_a_pending_makeup_of_my_booking_can_book(world, other_client, other_profile):
    book(world, world.sessions["120"])
    again = book(world, world.sessions["90"], confirm_shorter=True)
    assert again.status_code == 409
    assert again.json() == {"code": 409, "message": "该补课记录不可预约", "error": "makeup_not_pending", "data": None}
    stranger = other_client.post(
        "/api/v1/makeup/book",
        {
            "course_schedule_id": world.sessions["90"].pk,
            "profile_id": other_profile.pk,
            "original_booking_id": world.leave_booking.pk,
        },
        format="json",
    )
    assert stranger.json()["error"] == "makeup_not_pending"


@pytest.mark.parametrize("session", ["higher", "vip"])
def test_ineligible_sessions_are_refused(world, session):
    response = book(world, world.sessions[session])
    assert response.status_code == 409
    assert response.json()["message"] == "该课程不符合补课条件" and response.json()["error"] == "not_eligible"


def test_the_original_class_a_conflict_or_a_started_one_are_not_eligible(world, clock):
    assert book(world, world.original).json()["error"] == "not_eligible"
    BookingFactory(profile=world.profile, schedule=world.sessions["120"])
    assert book(world, world.sessions["120"]).json()["error"] == "not_eligible"
    clock.move_to(at("2026-12-05 09:00"), tick=False)
    assert book(world, world.sessions["90"], confirm_shorter=True).json()["error"] == "not_eligible"


def test_a_lower_level_session_is_eligible_when_booked(world):
    assert book(world, world.sessions["lower"]).status_code == 200


def test_a_full_session_offers_the_waitlist(world):
    fill(world.sessions["120"])
    response = book(world, world.sessions["120"])
    assert response.status_code == 409
    assert response.json() == {
        "code": 409,
        "message": "课程已满员,是否加入候补",
        "error": "schedule_full",
        "data": {"can_join_waitlist": True},
    }


# --- cancel (RULES §6.5) ---------------------------------------------------------------------


def cancel(world):
    return world.client.delete(f"/api/v1/makeup/{world.makeup_id}/cancel")


def test_cancel_of_a_shorter_makeup_revokes_its_credit_and_owes_the_makeup_again(world):
    book(world, world.sessions["90"], confirm_shorter=True)
    response = cancel(world)
    assert response.status_code == 200
    assert response.json()["data"] == {
        "id": world.makeup_id,
        "status": "pending",
        "compensation_restored": 0,
        "compensation_revoked": 30,
    }
    makeup = makeup_of(world)
    assert (makeup.status, makeup.booking, makeup.duration_difference) == ("pending", None, None)
    credit = ClassCreditCompensation.objects.get()
    assert (credit.remaining, credit.status) == (0, "revoked")
    assert list(CompensationUsage.objects.values_list("kind", "minutes")) == [("revoke", 30)]
    assert Booking.objects.get(profile=world.profile, kind="makeup").status == "cancelled"
    assert Notification.objects.filter(user=world.profile.owner, template="makeup_cancelled").count() == 1
    assert book(world, world.sessions["120"]).status_code == 200  # owed again, bookable again


def test_cancel_restores_spent_minutes_to_the_credits_they_came_from(world):
    soon, late = give_credit(world.profile, 10, days=2), give_credit(world.profile, 50, days=10)
    book(world, world.sessions["150"], use_compensation=True)
    assert cancel(world).json()["data"]["compensation_restored"] == 30
    soon.refresh_from_db()
    late.refresh_from_db()
    assert [(soon.remaining, soon.status), (late.remaining, late.status)] == [(10, "active"), (50, "active")]
    restores = list(
        CompensationUsage.objects.filter(kind="restore").order_by("credit_id").values_list("credit_id", "minutes")
    )
    assert restores == [(soon.pk, 10), (late.pk, 20)]


def test_restoring_into_an_expired_credit_writes_restore_then_expire(world, clock):
    from compensation.services import compensation_expire

    credit = give_credit(world.profile, 30, days=1)
    book(world, world.sessions["150"], use_compensation=True)  # used up
    clock.move_to(NOW + timedelta(days=1, hours=1), tick=False)
    compensation_expire()
    assert cancel(world).status_code == 200
    credit.refresh_from_db()
    assert (credit.remaining, credit.status) == (0, "expired")
    assert list(CompensationUsage.objects.order_by("id").values_list("kind", "minutes")) == [
        ("use", 30),
        ("restore", 30),
        ("expire", 30),
    ]


def test_cancel_is_refused_when_the_credit_it_created_was_spent(world, make_second_makeup):
    book(world, world.sessions["90"], confirm_shorter=True)  # +30 minutes
    second = make_second_makeup()
    assert (
        book(
            world, world.sessions["150"], use_compensation=True, original_booking_id=second.original_booking_id
        ).status_code
        == 200
    )
    before = (
        list(ClassCreditCompensation.objects.values()),
        CompensationUsage.objects.count(),
        list(Booking.objects.values_list("status", flat=True)),
    )
    response = cancel(world)
    assert response.status_code == 409
    assert response.json()["message"] == "该补课产生的课时补偿已被使用，无法取消"
    assert response.json()["error"] == "compensation_already_used"
    assert makeup_of(world).status == "booked"
    assert before == (
        list(ClassCreditCompensation.objects.values()),
        CompensationUsage.objects.count(),
        list(Booking.objects.values_list("status", flat=True)),
    )


def test_cancelling_the_spender_first_then_the_creator_works(world, make_second_makeup):
    book(world, world.sessions["90"], confirm_shorter=True)
    second = make_second_makeup()
    book(world, world.sessions["150"], use_compensation=True, original_booking_id=second.original_booking_id)
    assert world.client.delete(f"/api/v1/makeup/{second.pk}/cancel").json()["data"]["compensation_restored"] == 30
    assert cancel(world).json()["data"]["compensation_revoked"] == 30


def test_cancel_frees_the_seat_to_the_waitlist(world):
    book(world, world.sessions["120"])
    fill(world.sessions["120"])
    waiting = new_parent()
    assert waiting.join(world.sessions["120"]).status_code == 200
    cancel(world)
    assert WaitlistOffer.objects.get(schedule=world.sessions["120"]).reason == "makeup_cancel"


def test_cancel_after_the_class_started_is_refused(world, clock):
    book(world, world.sessions["120"])
    clock.move_to(world.sessions["120"].starts_at, tick=False)
    response = cancel(world)
    assert response.status_code == 409 and response.json()["message"] == "该补课无法取消"


def test_cancel_or_leave_of_the_makeup_seat_cancels_the_makeup_without_a_new_one(world):
    book(world, world.sessions["90"], confirm_shorter=True)
    seat = Booking.objects.get(profile=world.profile, kind="makeup")
    response = world.client.post(f"/api/v1/bookings/{seat.pk}/leave", {}, format="json")
    assert response.status_code == 200
    assert response.json()["data"] == {"booking_id": seat.pk, "status": "cancelled", "makeup_id": None}
    assert MakeupBooking.objects.count() == 1 and makeup_of(world).status == "pending"
    assert ClassCreditCompensation.objects.get().status == "revoked"
    book(world, world.sessions["120"])
    seat = Booking.objects.get(profile=world.profile, kind="makeup", status="booked")
    assert world.client.post(f"/api/v1/bookings/{seat.pk}/cancel").status_code == 200
    assert makeup_of(world).status == "pending"


def test_another_parent_cannot_cancel_my_makeup(world, other_client):
    book(world, world.sessions["120"])
    assert other_client.delete(f"/api/v1/makeup/{world.makeup_id}/cancel").status_code == 404
    assert makeup_of(world).status == "booked"


# --- redemption (RULES §6.6) -----------------------------------------------------------------


def redeem(world, schedule, **flags):
    body = {"course_schedule_id": schedule.pk, "profile_id": world.profile.pk, "use_compensation": True, **flags}
    return world.client.post("/api/v1/makeup/book", body, format="json")


def test_redeem_a_whole_session_with_compensation(world):
    give_credit(world.profile, 100)
    response = redeem(world, world.sessions["60"])
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["duration_difference"], data["compensation_used"], data["remaining_compensation"]) == (60, 60, 40)
    redemption = MakeupBooking.objects.get(pk=data["makeup_booking_id"])
    assert (redemption.original_booking, redemption.original_minutes, redemption.status) == (None, 0, "booked")
    cancelled = world.client.delete(f"/api/v1/makeup/{redemption.pk}/cancel").json()["data"]
    assert (cancelled["status"], cancelled["compensation_restored"]) == ("cancelled", 60)


def test_redeem_needs_enough_minutes_and_the_flag(world):
    give_credit(world.profile, 59)
    short = redeem(world, world.sessions["60"])
    assert short.json()["error"] == "insufficient_compensation"
    assert short.json()["message"] == "课时补偿不足，本课程需要60分钟"
    body = {"course_schedule_id": world.sessions["60"].pk, "profile_id": world.profile.pk}
    assert world.client.post("/api/v1/makeup/book", body, format="json").status_code == 400
    assert not MakeupBooking.objects.filter(original_booking__isnull=True).exists()


def test_redeem_not_above_the_profile_level(world):
    give_credit(world.profile, 200)
    assert redeem(world, world.sessions["higher"]).json()["error"] == "not_eligible"
    assert redeem(world, world.sessions["vip"]).status_code == 200  # any course type


# --- my make-ups and completion --------------------------------------------------------------


def test_my_makeups_the_pending_tab(world):
    data = world.client.get(f"/api/v1/makeup/my?profile_id={world.profile.pk}&status=pending").json()["data"]
    (item,) = data["items"]
    assert item == {
        "id": world.makeup_id,
        "status": "pending",
        "original": {
            "booking_id": world.leave_booking.pk,
            "course_name": "少儿体能·进阶",
            "starts_at": "2026-12-03T19:00:00+08:00",
            "duration_minutes": 120,
        },
        "leave_at": "2026-12-02T10:00:00+08:00",
        "booked": None,
        "duration_difference": None,
    }
    book(world, world.sessions["120"])
    (item,) = world.client.get("/api/v1/makeup/my?status=booked").json()["data"]["items"]
    assert item["booked"]["schedule"]["id"] == world.sessions["120"].pk


def test_a_makeup_completes_after_its_class_unless_absent(world, clock):
    from makeup.services import makeup_complete

    book(world, world.sessions["120"])
    clock.move_to(world.sessions["120"].ends_at - timedelta(seconds=1), tick=False)
    assert makeup_complete() == 0
    clock.move_to(world.sessions["120"].ends_at, tick=False)
    Booking.objects.filter(kind="makeup").update(status="absent", active=None)
    assert makeup_complete() == 0
    Booking.objects.filter(kind="makeup").update(status="attended")
    assert makeup_complete() == 1
    assert makeup_of(world).status == "completed"


def test_an_unmarked_makeup_completes_once_its_class_has_ended(world, clock):
    """RULES §6.1: completed when the class has ended *unless marked absent*: nobody marking the
    attendance (the seat still `booked`) is no reason to owe the make-up for ever."""
    from makeup.services import makeup_complete

    book(world, world.sessions["120"])
    ends_at = world.sessions["120"].ends_at
    clock.move_to(ends_at, tick=False)
    assert Booking.objects.get(kind="makeup").status == "booked"  # nobody marked it
    assert makeup_complete() == 1
    makeup = makeup_of(world)
    assert (makeup.status, makeup.completed_at) == ("completed", ends_at)
    assert makeup_complete() == 0


def test_owed_makeups_never_expire_unless_configured(world, clock, settings):
    from makeup.services import makeup_expire

    clock.move_to(NOW + timedelta(days=400), tick=False)
    assert makeup_expire() == 0
    settings.MAKEUP_VALIDITY_DAYS = 30
    clock.move_to(NOW + timedelta(days=30) - timedelta(seconds=1), tick=False)
    assert makeup_expire() == 0
    clock.move_to(NOW + timedelta(days=30), tick=False)
    assert makeup_expire() == 1 and makeup_of(world).status == "expired"


def test_my_makeups_query_count_does_not_grow(world, make_second_makeup, django_assert_max_num_queries):
    book(world, world.sessions["120"])
    with django_assert_max_num_queries(4) as small:
        world.client.get("/api/v1/makeup/my?page_size=100")
    baseline = len(small.captured_queries)
    for _ in range(8):
        make_second_makeup()
    with django_assert_max_num_queries(baseline):
        assert world.client.get("/api/v1/makeup/my?page_size=100").json()["data"]["count"] == 9


def test_cancel_after_a_partly_spent_credit_expired_expires_it_whole_before_the_hourly_job(world, clock):
    """RULES §7: the credit expired at 10:00; at 10:30 nothing has expired it yet. The cancel touches it
    first: its old remainder and the restored minutes both expire, and the books agree."""
    credit = give_credit(world.profile, 60, days=1)  # expires 12-03 10:00
    assert book(world, world.sessions["150"], use_compensation=True).status_code == 200  # spends 30 of it
    clock.move_to(at("2026-12-03 10:30"), tick=False)
    assert cancel(world).status_code == 200
    credit.refresh_from_db()
    assert (credit.remaining, credit.status) == (0, "expired")
    assert list(CompensationUsage.objects.order_by("id").values_list("kind", "minutes")) == [
        ("use", 30),
        ("expire", 30),
        ("restore", 30),
        ("expire", 30),
    ]
    from compensation.services import compensation_expire

    assert compensation_expire() == 0  # nothing left for the hourly job
    history = world.client.get(f"/api/v1/compensation/history?profile_id={world.profile.pk}").json()["data"]["items"]
    assert history[0]["balance_after"] == 0
    balance = world.client.get(f"/api/v1/compensation/balance?profile_id={world.profile.pk}").json()["data"]
    assert balance["balance_minutes"] == 0


def studio_cancels(schedule):
    from flows.studio import schedule_cancel_by_studio

    schedule_cancel_by_studio(schedule_id=schedule.pk, reason="教练生病")


@pytest.mark.parametrize(("rebook", "revoked"), [("120", 0), ("60", 60)])
def test_a_revoked_credit_of_an_earlier_booking_never_blocks_cancelling_the_makeup(
    world, make_second_makeup, rebook, revoked
):
    """RULES §6.5: M1's first (shorter) booking earned C1, which M2 spent; the studio cancelled M1's
    class (C1 revoked, M1 owed again). M1 booked again, equal (no credit) or shorter (an unspent C2):
    only the current booking's credit counts, so the cancel goes through."""
    book(world, world.sessions["90"], confirm_shorter=True)  # C1: +30
    second = make_second_makeup()
    assert (
        book(
            world, world.sessions["150"], use_compensation=True, original_booking_id=second.original_booking_id
        ).status_code
        == 200
    )  # M2 spends C1
    studio_cancels(world.sessions["90"])
    assert makeup_of(world).status == "pending"
    assert book(world, world.sessions[rebook], confirm_shorter=True).status_code == 200
    response = cancel(world)
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["compensation_revoked"] == revoked
    assert makeup_of(world).status == "pending"
    assert_ledger_invariants([world.profile.pk])


def test_another_parents_makeup_answers_exactly_resource_not_found_everywhere(world, other_client, other_profile):
    """RULES §9: the search, a join with makeup_id and the cancel never reveal that it exists."""
    session = world.sessions["120"]
    fill(session)
    not_found = {"code": 404, "message": "资源不存在", "error": "not_found", "data": None}
    answers = [
        other_client.get(f"/api/v1/makeup/available?makeup_id={world.makeup_id}"),
        other_client.post(
            "/api/v1/waitlist/join",
            {"course_schedule_id": session.pk, "profile_id": other_profile.pk, "makeup_id": world.makeup_id},
            format="json",
        ),
        other_client.delete(f"/api/v1/makeup/{world.makeup_id}/cancel"),
    ]
    assert [(answer.status_code, answer.json()) for answer in answers] == [(404, not_found)] * 3


def test_restored_and_revoked_minutes_are_counted(world, django_capture_on_commit_callbacks):
    """RULES §16: studio_compensation_minutes_total by kind, once each cancel commits."""
    counted = CounterDelta("studio_compensation_minutes")
    give_credit(world.profile, 60, days=10)
    with django_capture_on_commit_callbacks(execute=True):
        book(world, world.sessions["150"], use_compensation=True)
        cancel(world)
    with django_capture_on_commit_callbacks(execute=True):
        book(world, world.sessions["90"], confirm_shorter=True)
        cancel(world)
    changed = counted()
    assert (changed[("used",)], changed[("restored",)], changed[("revoked",)]) == (30, 30, 30)
