"""RULES §6.4: waitlisting a full session for a make-up; the §6.3 rules at join and again at accept."""

from datetime import timedelta

import pytest
from django.utils import timezone

from compensation.models import ClassCreditCompensation
from makeup.models import MakeupBooking
from tests.factories import ScheduleFactory
from tests.makeup.conftest import book, fill, give_credit
from tests.waitlist.conftest import new_parent
from waitlist import services as waitlist_services
from waitlist.models import WaitlistEntry

pytestmark = pytest.mark.django_db


def join(world, schedule, **flags):
    body = {"course_schedule_id": schedule.pk, "profile_id": world.profile.pk, "makeup_id": world.makeup_id, **flags}
    return world.client.post("/api/v1/waitlist/join", body, format="json")


def free_one_seat(schedule):
    from flows.booking import booking_cancel

    booking_cancel(booking_id=schedule.bookings.filter(status="booked").order_by("id").first().pk)


def test_a_makeup_waits_and_is_booked_as_that_makeup_through_the_hand_over(world, clock):
    session = world.sessions["90"]
    fill(session)
    ahead = new_parent()
    ahead.entry_id = ahead.join(session).json()["data"]["waitlist_id"]
    joined = join(world, session, confirm_shorter=True)
    assert joined.status_code == 200 and joined.json()["data"]["position"] == 2
    entry = WaitlistEntry.objects.get(pk=joined.json()["data"]["waitlist_id"])
    assert (entry.makeup_id, entry.confirm_shorter) == (world.makeup_id, True)
    free_one_seat(session)
    start = timezone.now()
    waitlist_services.waitlist_offers_sweep(now=start + timedelta(minutes=16))  # reserved for #1
    waitlist_services.waitlist_offers_sweep(now=start + timedelta(minutes=32))  # #1 expires, reserved for the make-up
    clock.move_to(start + timedelta(minutes=33), tick=False)
    response = world.client.put(f"/api/v1/waitlist/{entry.pk}/respond", {"action": "accept"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["kind"] == "makeup"
    makeup = MakeupBooking.objects.get(pk=world.makeup_id)
    assert (makeup.status, makeup.booking.schedule, makeup.duration_difference) == ("booked", session, -30)
    assert ClassCreditCompensation.objects.get().minutes == 30
    items = world.client.get("/api/v1/waitlist/my?status=booked").json()["data"]["items"]
    assert items[0]["makeup_id"] == world.makeup_id


def test_join_checks_the_makeup_rules(world, other_client):
    session = world.sessions["60"]
    fill(session)
    assert join(world, session).json()["error"] == "confirm_required"
    longer = world.sessions["150"]
    fill(longer)
    assert join(world, longer).json()["error"] == "insufficient_compensation"
    give_credit(world.profile, 30)
    assert join(world, longer, use_compensation=True).status_code == 200
    higher = world.sessions["higher"]
    fill(higher)
    assert join(world, higher).json()["error"] == "not_eligible"


def test_a_credit_past_its_expiry_no_longer_pays_for_a_join_before_the_hourly_job(world, clock):
    """RULES §7 (a credit can be spent while now < expires_at) at a make-up's join (§6.4): at the
    expiry instant and a second later, before the hourly job has expired the credit, it counts for nothing."""
    longer = world.sessions["150"]  # 30 minutes longer than the class left
    fill(longer)
    credit = give_credit(world.profile, 30, days=1)
    refused = {"code": 409, "message": "补课时长超出原课程30分钟，需使用课时补偿", "error": "insufficient_compensation"}
    for seconds in (0, 1):
        clock.move_to(credit.expires_at + timedelta(seconds=seconds), tick=False)
        response = join(world, longer, use_compensation=True)
        assert (response.status_code, response.json()) == (409, {**refused, "data": None})
    assert not WaitlistEntry.objects.filter(profile=world.profile).exists()


def test_join_with_someone_elses_or_an_unknown_makeup_is_404(world, other_client, other_profile):
    session = world.sessions["120"]
    fill(session)
    response = other_client.post(
        "/api/v1/waitlist/join",
        {"course_schedule_id": session.pk, "profile_id": other_profile.pk, "makeup_id": world.makeup_id},
        format="json",
    )
    assert response.status_code == 404 and response.json() == {
        "code": 404,
        "message": "资源不存在",
        "error": "not_found",
        "data": None,
    }


def test_accept_re_checks_the_rules_and_leaves_the_entry_waiting(world):
    longer = world.sessions["150"]
    fill(longer)
    credit = give_credit(world.profile, 30)
    entry_id = join(world, longer, use_compensation=True).json()["data"]["waitlist_id"]
    credit.remaining = 10  # spent elsewhere meanwhile
    credit.minutes = 10
    credit.save()
    free_one_seat(longer)
    response = world.client.put(f"/api/v1/waitlist/{entry_id}/respond", {"action": "accept"}, format="json")
    assert response.status_code == 409
    assert response.json()["message"] == "补课时长超出原课程30分钟，需使用课时补偿"
    assert WaitlistEntry.objects.get(pk=entry_id).status == "waiting"
    assert MakeupBooking.objects.get(pk=world.makeup_id).status == "pending"


def test_booking_the_makeup_elsewhere_ends_its_other_waitlist_entries(world, django_capture_on_commit_callbacks):
    full = world.sessions["120"]
    fill(full)
    entry_id = join(world, full).json()["data"]["waitlist_id"]
    with django_capture_on_commit_callbacks(execute=True):  # ended after the booking commits
        assert book(world, world.sessions["90"], confirm_shorter=True).status_code == 200
    entry = WaitlistEntry.objects.get(pk=entry_id)
    assert (entry.status, entry.end_reason) == ("cancelled", "makeup_booked_elsewhere")


# --- RULES §15: no other classes for a make-up wait (docs/decisions.md, issue 22) ------------------


def test_a_make_up_wait_counts_no_other_classes(world, queue_of):
    """Other classes would be regular (paid) bookings while the make-up is still owed: a make-up wait
    behind someone, with no chance known, carries no `alternatives_count`; a regular wait behind it does."""
    session = world.sessions["90"]
    fill(session)
    ScheduleFactory(course=session.course, starts_at=session.starts_at + timedelta(days=1))  # a free seat
    queue_of(session, 1)
    joined = join(world, session, confirm_shorter=True)
    assert joined.status_code == 200 and joined.json()["data"]["position"] == 2
    (behind,) = queue_of(session, 1)
    (item,) = world.client.get("/api/v1/waitlist/my").json()["data"]["items"]
    assert (item["makeup_id"], item["position"], item["promotion_chance"]) == (world.makeup_id, 2, None)
    assert item["alternatives_count"] is None
    assert world.client.get(f"/api/v1/waitlist/{item['id']}").json()["data"]["alternatives_count"] is None
    (regular,) = behind.client.get("/api/v1/waitlist/my").json()["data"]["items"]
    assert (regular["position"], regular["alternatives_count"] > 0) == (3, True)


def test_a_full_queue_refusal_of_a_make_up_join_carries_no_other_classes(world, queue_of):
    session = world.sessions["90"]
    fill(session)
    ScheduleFactory(course=session.course, starts_at=session.starts_at + timedelta(days=1))  # a free seat
    queue_of(session, session.course.course_type.waitlist_capacity)
    response = join(world, session, confirm_shorter=True)
    assert (response.status_code, response.json()) == (
        409,
        {"code": 409, "message": "候补队列已满，请选择其他课程", "error": "waitlist_full", "data": None},
    )
    regular = world.client.post(
        "/api/v1/waitlist/join", {"course_schedule_id": session.pk, "profile_id": world.profile.pk}, format="json"
    )
    assert [item["id"] for item in regular.json()["data"]["alternatives"]] != []
