"""Regressions found by review: each test quotes the rule it holds the engine to."""

import pytest

from courses.models import Booking
from flows.studio import schedule_set_capacity
from notifications.models import Notification
from tests.factories import BookingFactory, ScheduleFactory
from tests.waitlist.conftest import WEDNESDAY_19
from waitlist import services
from waitlist.models import WaitlistNotification, WaitlistOffer

pytestmark = pytest.mark.django_db


def _book(parent, schedule):
    return parent.client.post(
        "/api/v1/bookings", {"course_schedule_id": schedule.pk, "profile_id": parent.profile.pk}, format="json"
    )


# --- RULES §4 step 2 / §5.1: a refused accept (time_conflict) must not take the flow's grace away ------------


def test_a_flow_refused_for_time_conflict_still_protects_within_its_grace(
    wednesday_class, queue_of, free_a_seat, clock
):
    """§4: 'If the profile now has an overlapping booked class → 409 time_conflict; the entry stays waiting and any
    reservation runs on.' §4 step 2 / §5.1: a flow started in the phase at or before the deadline protects until
    start + FLOW_GRACE. Seed times: seat 12:30 (deadline 12:45), flow 12:44 (grace until 12:49)."""
    p1, p2 = queue_of(wednesday_class, 2)
    # p2 holds an overlapping class (same 19:00 slot) that is not full.
    other = ScheduleFactory(starts_at=WEDNESDAY_19, capacity=6)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:44")
    assert p2.respond("start").status_code == 200
    clash = _book(p2, other)
    assert clash.status_code == 200
    clock.go("2026-12-02 12:46")
    refused = p2.respond("accept")
    assert refused.json()["error"] == "time_conflict"
    # p2 fixes the conflict within its grace and accepts at 12:47 (≤ 12:49).
    clock.go("2026-12-02 12:47")
    assert (
        p2.client.post(f"/api/v1/bookings/{clash.json()['data']['booking_id']}/cancel", {}, format="json").status_code
        == 200
    )
    again = p2.respond("accept")
    assert again.status_code == 200, again.json()


def test_a_reserved_parent_refused_for_time_conflict_is_not_expired_during_its_grace(
    wednesday_class, queue_of, free_a_seat, clock
):
    """Same rule in the reserved phase: the refused accept must not end the reservation before the flow's grace."""
    p1, p2 = queue_of(wednesday_class, 2)
    other = ScheduleFactory(starts_at=WEDNESDAY_19, capacity=6)
    clock.go("2026-12-02 10:00")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 10:16")
    services.waitlist_offers_sweep()  # reserved for p1 until 10:31
    assert WaitlistOffer.objects.get().reserved_for_id == p1.entry_id
    clash = _book(p1, other)
    assert clash.status_code == 200
    clock.go("2026-12-02 10:30")
    p1.respond("start")  # grace until 10:35
    clock.go("2026-12-02 10:32")
    assert p1.respond("accept").json()["error"] == "time_conflict"
    clock.go("2026-12-02 10:33")
    services.waitlist_offers_sweep()
    assert p1.entry.status == "waiting"


# --- RULES §3 / §4: no offer for a seat that does not exist --------------------------------------------------


def test_a_cancel_in_a_class_still_over_its_lowered_capacity_offers_no_phantom_seat(
    wednesday_class, queue_of, free_a_seat
):
    """§3 opens an offer 'for that seat' when a seat is freed; §4 'nobody is booked into a seat that does not exist'.
    Capacity lowered 6 → 5 with 6 booked (nobody removed); one parent cancels: 5 booked of 5, nothing is free."""
    parents = queue_of(wednesday_class, 2)
    schedule_set_capacity(schedule_id=wednesday_class.pk, capacity=5)
    free_a_seat(wednesday_class)
    assert Booking.objects.filter(schedule=wednesday_class, status="booked").count() == 5
    notified = Notification.objects.filter(template="waitlist_seat_available").count()
    accept = parents[0].respond("accept")
    assert (WaitlistOffer.objects.count(), notified) == (0, 0), accept.json()


# --- RULES §4 accept: 'marks the other notifications of that offer superseded' --------------------------------


def test_a_claim_in_the_reserved_phase_tells_the_broadcast_losers_offer_taken(
    wednesday_class, queue_of, free_a_seat, clock
):
    """§4 accept: '... marks the other notifications of that offer superseded (those entries get the in-app message
    名额已被抢占 ...)'; step 3: such an entry answers 409 offer_taken."""
    p1, p2, p3 = queue_of(wednesday_class, 3)
    clock.go("2026-12-02 10:00")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 10:16")
    services.waitlist_offers_sweep()  # reserved for p1
    clock.go("2026-12-02 10:20")
    assert p1.respond("accept").status_code == 200
    offer = WaitlistOffer.objects.get()
    statuses = set(
        WaitlistNotification.objects.filter(offer=offer, kind="seat_available")
        .exclude(entry_id=p1.entry_id)
        .values_list("status", flat=True)
    )
    response = p2.respond("accept")
    assert (statuses, response.json()["error"]) == ({"superseded"}, "offer_taken")


# --- RULES §5.5 periodic jobs: a run must end when nothing is due, not spin for its whole time budget ----------


def test_the_sweeper_task_does_not_spin_while_a_flow_is_in_grace(
    wednesday_class, queue_of, free_a_seat, clock, monkeypatch
):
    """A flow in grace (deadline passed, closing time not) is nothing to do, yet `waitlist_offers_sweep` counts its
    schedule as 'caught up' on every step, so `_drain` never sees 0 and loops for the whole 10 s budget, every 15 s."""
    from waitlist import tasks

    (p1, p2) = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:44")
    p1.respond("start")  # grace until 12:49
    clock.go("2026-12-02 12:46")
    calls = []
    real = services.waitlist_offers_sweep

    def counted():
        calls.append(1)
        if len(calls) > 50:
            raise RuntimeError("still sweeping the same schedule after 50 steps")
        return real()

    monkeypatch.setattr(tasks.services, "waitlist_offers_sweep", counted)
    tasks.waitlist_offers_sweep_task()
    assert len(calls) <= 2


def test_the_cutoff_closer_task_does_not_spin_while_a_flow_is_in_grace(
    wednesday_class, queue_of, free_a_seat, clock, monkeypatch
):
    """Same for the cutoff closer: an entry kept waiting by its flow's grace past the cutoff makes every
    step count 1."""
    from waitlist import tasks

    (p1, p2) = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:50")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:58")
    p1.respond("start")  # grace until 13:03
    clock.go("2026-12-02 13:01")
    calls = []
    real = services.waitlist_cutoff_close

    def counted():
        calls.append(1)
        if len(calls) > 50:
            raise RuntimeError("still closing the same schedule after 50 steps")
        return real()

    monkeypatch.setattr(tasks.services, "waitlist_cutoff_close", counted)
    tasks.waitlist_cutoff_close_task()
    assert len(calls) <= 2


# --- RULES §9/§10: bad input is a 4xx envelope, never a 500 --------------------------------------------------


@pytest.mark.parametrize("query", ["date_from=0001-01-01", "date_to=9999-12-31"])
def test_extreme_dates_in_the_schedule_list_are_not_a_500(make_parent, query):
    parent = make_parent()
    response = parent.client.get(f"/api/v1/schedules?{query}")
    assert response.status_code == 400, response.json()
    assert response.json()["data"][query.split("=")[0]] == ["日期超出范围"]


# --- STYLE / brief (4): list query counts must not grow with the list ----------------------------------------


def test_my_waitlists_query_count_does_not_grow_with_overdue_offers(
    make_parent, free_a_seat, clock, django_assert_max_num_queries
):
    """Even with the sweeper late and many classes overdue, the list costs the same queries."""
    from datetime import timedelta

    parent = make_parent()

    def classes(n, start):
        for i in range(start, start + n):
            schedule = ScheduleFactory(starts_at=WEDNESDAY_19 + timedelta(days=1, hours=i), capacity=1)
            BookingFactory(schedule=schedule)
            assert parent.join(schedule).status_code == 200
            free_a_seat(schedule)

    clock.go("2026-12-02 10:00")
    classes(1, 0)
    clock.go("2026-12-02 10:16")  # the broadcast is over, no sweeper ran
    with django_assert_max_num_queries(100) as small:
        parent.client.get("/api/v1/waitlist/my?page_size=100")
    baseline = len(small.captured_queries)
    clock.go("2026-12-02 10:20")
    classes(10, 1)
    clock.go("2026-12-02 10:36")
    with django_assert_max_num_queries(baseline + 2):
        parent.client.get("/api/v1/waitlist/my?page_size=100")


def test_a_late_sweep_after_the_cutoff_expires_a_reservation_that_ended_before_it(
    wednesday_class, queue_of, free_a_seat, clock
):
    """A reservation whose window ended before the cutoff expired then (自动顺位), even when the sweep
    only runs after the cutoff; only a reservation reaching the cutoff ends closed (RULES §5.2)."""
    p1, p2 = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:00")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:16")
    services.waitlist_offers_sweep()  # reserved for p1 until 12:31
    clock.go("2026-12-02 13:05")  # the sweeper was down from 12:16 until after the cutoff
    services.waitlist_offers_sweep()
    services.waitlist_cutoff_close()
    assert [p1.entry.status, p2.entry.status] == ["expired", "closed"]
    assert WaitlistOffer.objects.get().status == "lapsed"


def test_an_offer_cannot_book_a_class_cancelled_meanwhile(wednesday_class, queue_of, free_a_seat):
    (p1,) = queue_of(wednesday_class, 1)
    free_a_seat(wednesday_class)
    wednesday_class.status = "cancelled"
    wednesday_class.save()
    response = p1.respond("accept")
    assert response.status_code in (409, 410)
    assert not Booking.objects.filter(profile=p1.profile).exists()


def test_join_with_a_makeup_id_is_refused_until_make_ups_exist(wednesday_class, make_parent):
    parent = make_parent()
    response = parent.join(wednesday_class, makeup_id=12)
    assert response.status_code == 404 and response.json() == {
        "code": 404,
        "message": "资源不存在",
        "error": "not_found",
        "data": None,
    }
