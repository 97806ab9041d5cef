"""RULES §3-4 and the seed's US-2 / US-5: seat release, broadcast, respond (start/accept/decline),
the five resolution steps, flows, and the Wednesday 19:00 example at ±1 second."""

import pytest
from django.db.models import Count

from core.metrics import CountOnCommit
from courses.models import Booking, CourseSchedule
from flows.studio import schedule_set_capacity
from notifications.models import Notification
from tests.conftest import at
from tests.factories import BookingFactory, ScheduleFactory
from tests.waitlist.conftest import WEDNESDAY_19
from waitlist import services
from waitlist.models import WaitlistFlow, WaitlistNotification, WaitlistOffer

pytestmark = pytest.mark.django_db


def templates_of(parent) -> list[str]:
    return list(
        Notification.objects.filter(user=parent.profile.owner).order_by("id").values_list("template", flat=True)
    )


# --- release ---------------------------------------------------------------------------------


def test_a_cancel_notifies_every_waiting_parent_in_the_same_transaction(
    wednesday_class, queue_of, free_a_seat, clock, django_capture_on_commit_callbacks, locmem_outbox
):
    parents = queue_of(wednesday_class, 3)
    clock.go("2026-12-02 12:30")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        free_a_seat(wednesday_class)
    offer = WaitlistOffer.objects.get()
    assert (offer.phase, offer.status, offer.reason) == ("broadcast", "open", "cancel")
    assert (offer.released_at, offer.deadline) == (at("2026-12-02 12:30"), at("2026-12-02 12:45"))
    rows = WaitlistNotification.objects.filter(offer=offer)
    assert sorted(rows.values_list("entry_id", flat=True)) == sorted(p.entry_id for p in parents)
    assert {(r.kind, r.status, r.response_deadline) for r in rows} == {
        ("seat_available", "open", at("2026-12-02 12:45"))
    }
    assert all(r.notification.template == "waitlist_seat_available" for r in rows)
    # The message names the answer's deadline (12:45), not the moment it was written (12:30).
    assert {r.notification.payload["deadline"] for r in rows} == {"2026年12月2日 12:45"}
    assert Notification.objects.filter(template="waitlist_seat_available", wechat_status="pending").count() == 3
    sending = [callback for callback in callbacks if not isinstance(callback, CountOnCommit)]
    assert len(sending) == 1  # sending starts after commit, in one enqueue for the batch


def test_accepting_one_of_two_offers_accepts_only_that_ones_message(wednesday_class, queue_of, free_a_seat):
    """Two seats freed: each waiting parent is told of both. Accepting answers the message of the offer
    taken; the other offer's message to the same parent closes with the entry, it was not accepted."""
    first, _, _ = queue_of(wednesday_class, 3)
    free_a_seat(wednesday_class)
    free_a_seat(wednesday_class)
    taken, other = WaitlistOffer.objects.order_by("released_at", "id")
    assert first.respond("accept").status_code == 200
    answers = dict(WaitlistNotification.objects.filter(entry_id=first.entry_id).values_list("offer_id", "status"))
    assert answers == {taken.pk: "accepted", other.pk: "closed"}


def test_accepting_a_seat_that_no_longer_exists_lapses_the_offer(wednesday_class, queue_of, free_a_seat):
    """RULES §4: nobody is booked into a seat that does not exist. The capacity was lowered under an
    open offer (an edit outside the services): the accept answers that there is no offer, and the
    offer lapses instead of running on for a seat that is gone."""
    (first,) = queue_of(wednesday_class, 1)
    free_a_seat(wednesday_class)
    CourseSchedule.objects.filter(pk=wednesday_class.pk).update(capacity=5)
    response = first.respond("accept")
    assert (response.status_code, response.json()["error"]) == (409, "no_offer")
    assert WaitlistOffer.objects.get().status == "lapsed"
    assert first.entry.status == "waiting"


def test_leave_releases_the_seat_too(wednesday_class, queue_of, free_a_seat):
    queue_of(wednesday_class, 1)
    free_a_seat(wednesday_class, how="leave")
    assert WaitlistOffer.objects.get().reason == "leave"


def test_the_freed_seat_is_held_from_the_public(wednesday_class, queue_of, free_a_seat, make_parent):
    queue_of(wednesday_class, 1)
    free_a_seat(wednesday_class)
    outsider = make_parent()
    data = outsider.detail(wednesday_class)
    assert (data["booked_count"], data["available"], data["is_full"]) == (5, 0, True)
    book = outsider.client.post(
        "/api/v1/bookings", {"course_schedule_id": wednesday_class.pk, "profile_id": outsider.profile.pk}, format="json"
    )
    assert book.json()["error"] == "schedule_full"


def test_no_waiting_entries_no_offer_the_seat_is_public(wednesday_class, free_a_seat, make_parent):
    free_a_seat(wednesday_class)
    assert not WaitlistOffer.objects.exists()
    outsider = make_parent()
    book = outsider.client.post(
        "/api/v1/bookings", {"course_schedule_id": wednesday_class.pk, "profile_id": outsider.profile.pk}, format="json"
    )
    assert book.status_code == 200


def test_a_seat_freed_at_the_cutoff_goes_to_anyone(wednesday_class, queue_of, free_a_seat, clock):
    queue_of(wednesday_class, 2)
    clock.go("2026-12-02 13:00")
    free_a_seat(wednesday_class)
    assert not WaitlistOffer.objects.filter(status="open").exists()


def test_a_seat_freed_one_second_before_the_cutoff_gets_a_window_capped_at_the_cutoff(
    wednesday_class, queue_of, free_a_seat, clock
):
    queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:59", seconds=59)
    free_a_seat(wednesday_class)
    assert WaitlistOffer.objects.get().deadline == at("2026-12-02 13:00")


def test_two_seats_two_waiting_two_offers(wednesday_class, queue_of, free_a_seat):
    queue_of(wednesday_class, 2)
    free_a_seat(wednesday_class)
    free_a_seat(wednesday_class)
    assert WaitlistOffer.objects.filter(status="open").count() == 2
    assert WaitlistNotification.objects.count() == 4  # each waiting entry hears of each seat


def test_two_seats_one_waiting_one_offer_one_public_seat(wednesday_class, queue_of, free_a_seat, make_parent):
    queue_of(wednesday_class, 1)
    free_a_seat(wednesday_class)
    free_a_seat(wednesday_class)
    assert WaitlistOffer.objects.filter(status="open").count() == 1
    outsider = make_parent()
    data = outsider.detail(wednesday_class)
    assert (data["booked_count"], data["available"]) == (4, 1)


def test_a_cancel_in_a_class_still_over_its_lowered_capacity_offers_no_phantom_seat(
    wednesday_class, queue_of, free_a_seat
):
    """RULES §3 / §4: no offer for a seat that does not exist. §3 opens an offer 'for that seat' when a seat
    is freed; §4 'nobody is booked into a seat that does not exist'. Capacity lowered 6 → 5 with 6 booked
    (nobody removed); one parent cancels: 5 booked of 5, nothing is free."""
    parents = queue_of(wednesday_class, 2)
    schedule_set_capacity(schedule_id=wednesday_class.pk, capacity=5)
    free_a_seat(wednesday_class)
    assert Booking.objects.filter(schedule=wednesday_class, status="booked").count() == 5
    notified = Notification.objects.filter(template="waitlist_seat_available").count()
    accept = parents[0].respond("accept")
    assert (WaitlistOffer.objects.count(), notified) == (0, 0), accept.json()
    assert accept.status_code == 409
    assert accept.json() == {"code": 409, "message": "暂无可预约名额", "error": "no_offer", "data": None}
    assert not Booking.objects.filter(profile=parents[0].profile).exists()


def test_late_joiners_are_not_in_the_broadcast(wednesday_class, queue_of, free_a_seat, make_parent):
    (early,) = queue_of(wednesday_class, 1)
    free_a_seat(wednesday_class)
    late = make_parent()
    late.entry_id = late.join(wednesday_class).json()["data"]["waitlist_id"]
    assert WaitlistNotification.objects.filter(entry_id=late.entry_id).count() == 0
    response = late.respond("accept")
    assert response.status_code == 409 and response.json()["error"] == "no_offer"
    assert response.json()["message"] == "暂无可预约名额"
    assert early.respond("accept").status_code == 200


# --- the seed's Wednesday (US-5) -------------------------------------------------------------


def test_seed_example_prompt_at_1240_with_five_minutes(wednesday_class, queue_of, free_a_seat, clock):
    (parent,) = queue_of(wednesday_class, 1)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:40")
    detail = parent.detail(wednesday_class)
    assert detail["my"]["offer"]["button"] == "有名额，立即预约"
    assert detail["my"]["offer"]["seconds_left"] == 300 and detail["my"]["offer"]["phase"] == "broadcast"
    response = parent.respond("start")
    assert response.status_code == 200
    assert response.json()["data"] == {
        "deadline": "2026-12-02T12:45:00+08:00",
        "seconds_left": 300,
        "prompt": "确认预约？还剩5分钟决策时间",
    }
    flow = WaitlistFlow.objects.get()
    assert (flow.entry_id, flow.status, flow.started_at, flow.round) == (
        parent.entry_id,
        "started",
        at("2026-12-02 12:40"),
        1,
    )


@pytest.mark.parametrize(
    ("started", "closing", "minutes"),
    [("12:40", "12:45", 5), ("12:42", "12:47", 5), ("12:44", "12:49", 5), ("12:35", "12:45", 10)],
)
def test_start_counts_to_the_flow_s_own_closing_the_later_of_deadline_and_grace(
    wednesday_class, queue_of, free_a_seat, clock, started, closing, minutes
):
    """RULES §4: m = whole minutes until this flow may still accept (deadline 12:45, grace 5 minutes)."""
    (parent,) = queue_of(wednesday_class, 1)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go(f"2026-12-02 {started}")
    data = parent.respond("start").json()["data"]
    assert (data["deadline"], data["prompt"]) == (
        f"2026-12-02T{closing}:00+08:00",
        f"确认预约？还剩{minutes}分钟决策时间",
    )


def test_prompt_minutes_round_up(wednesday_class, queue_of, free_a_seat, clock):
    (parent,) = queue_of(wednesday_class, 1)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:30", seconds=1)  # 14:59 left, and the flow's grace ends earlier
    assert parent.respond("start").json()["data"]["prompt"] == "确认预约？还剩15分钟决策时间"


def test_seed_example_accept_at_1246_without_a_flow_is_expired(wednesday_class, queue_of, free_a_seat, clock):
    first, second = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:46")
    response = second.respond("accept")
    assert response.status_code == 410
    assert response.json() == {
        "code": 410,
        "message": "候补确认已过期，名额已顺位给下一位候补用户",
        "error": "offer_expired",
        "data": None,
    }
    # The hand-over that was due happened on this call and was kept: #1 holds the seat now.
    offer = WaitlistOffer.objects.get()
    assert (offer.phase, offer.reserved_for_id) == ("reserved", first.entry_id)
    assert not Booking.objects.filter(profile=second.profile).exists()


def test_accept_at_the_deadline_itself_succeeds(wednesday_class, queue_of, free_a_seat, clock):
    (parent,) = queue_of(wednesday_class, 1)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:45")
    response = parent.respond("accept")
    assert response.status_code == 200
    booking = Booking.objects.get(pk=response.json()["data"]["booking_id"])
    assert response.json()["data"]["kind"] == "waitlist"
    assert (booking.profile, booking.kind, booking.status) == (parent.profile, "waitlist", "booked")


def test_one_second_after_the_broadcast_the_first_in_queue_holds_the_seat(
    wednesday_class, queue_of, free_a_seat, clock
):
    first, second = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:45", seconds=1)
    assert second.respond("accept").status_code == 410
    assert first.respond("accept").status_code == 200  # reserved for #1 at 12:45:01


def test_seed_example_flow_started_at_1244_accepts_until_1249(wednesday_class, queue_of, free_a_seat, clock):
    first, second = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:44")
    started = second.respond("start").json()["data"]
    assert started["deadline"] == "2026-12-02T12:49:00+08:00"  # the flow's grace is this parent's time
    clock.go("2026-12-02 12:48")
    assert first.respond("accept").status_code == 410  # no flow: past the deadline, the seat is protected for #2
    response = second.respond("accept")
    assert response.status_code == 200
    assert WaitlistFlow.objects.get(entry_id=second.entry_id).status == "completed"


def test_flow_grace_ends_at_start_plus_five_minutes_exactly(wednesday_class, queue_of, free_a_seat, clock):
    first, second = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:44")
    second.respond("start")
    clock.go("2026-12-02 12:49")
    assert second.respond("accept").status_code == 200


def test_one_second_past_the_grace_is_too_late(wednesday_class, queue_of, free_a_seat, clock):
    first, second = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:44")
    second.respond("start")
    clock.go("2026-12-02 12:49", seconds=1)
    assert second.respond("accept").status_code == 410
    offer = WaitlistOffer.objects.get()
    assert (offer.phase, offer.reserved_for_id) == ("reserved", first.entry_id)
    assert WaitlistFlow.objects.get().status == "abandoned"


def test_a_flow_started_at_the_deadline_protects(wednesday_class, queue_of, free_a_seat, clock):
    first, second = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:45")
    assert second.respond("start").status_code == 200
    clock.go("2026-12-02 12:50")
    assert second.respond("accept").status_code == 200


def test_a_flow_cannot_start_after_the_deadline(wednesday_class, queue_of, free_a_seat, clock):
    first, second = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    first.respond("start")  # a flow at 12:30: its grace (12:35) ends before the deadline
    clock.go("2026-12-02 12:44")
    first.respond("start")  # a second start keeps the first start time
    assert WaitlistFlow.objects.count() == 1
    clock.go("2026-12-02 12:45", seconds=1)
    assert second.respond("start").status_code == 410


def test_starting_twice_does_not_extend_the_grace(wednesday_class, queue_of, free_a_seat, clock):
    (parent,) = queue_of(wednesday_class, 1)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:44")
    parent.respond("start")
    clock.go("2026-12-02 12:47")
    again = parent.respond("start").json()["data"]
    assert again["deadline"] == "2026-12-02T12:49:00+08:00" and again["seconds_left"] == 120


# --- accept: one winner, the others told -----------------------------------------------------


def test_first_confirmation_wins_and_the_others_hear_the_seat_was_taken(wednesday_class, queue_of, free_a_seat, clock):
    a, b, c = queue_of(wednesday_class, 3)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:35")
    b.respond("start")
    response = c.respond("accept")
    assert response.status_code == 200
    offer = WaitlistOffer.objects.get()
    assert (offer.status, offer.claimed_by_id, offer.closed_at) == ("claimed", c.entry_id, at("2026-12-02 12:35"))
    assert offer.booking_id == response.json()["data"]["booking_id"]
    assert c.entry.status == "booked" and a.entry.status == "waiting" and b.entry.status == "waiting"
    statuses = dict(
        WaitlistNotification.objects.filter(offer=offer, kind="seat_available").values_list("entry_id", "status")
    )
    assert statuses == {a.entry_id: "superseded", b.entry_id: "superseded", c.entry_id: "accepted"}
    assert templates_of(a)[-1] == "waitlist_offer_taken" and templates_of(b)[-1] == "waitlist_offer_taken"
    assert Notification.objects.filter(template="waitlist_offer_taken").first().title == "名额已被抢占"
    assert templates_of(c)[-1] == "waitlist_booked"
    assert WaitlistFlow.objects.get(entry_id=b.entry_id).status == "abandoned"
    taken = b.respond("accept")
    assert taken.status_code == 409
    assert taken.json() == {"code": 409, "message": "名额已被抢占", "error": "offer_taken", "data": None}
    # Positions moved up: the winner left the queue.
    assert a.client.get(f"/api/v1/waitlist/position/{a.entry_id}").json()["data"]["position"] == 1
    assert wednesday_class.bookings.filter(status="booked").count() == 6


def test_a_claim_in_the_reserved_phase_tells_the_broadcast_losers_offer_taken(
    wednesday_class, queue_of, free_a_seat, clock
):
    """RULES §4 accept: '... marks the other notifications of that offer superseded (those entries get the
    in-app message 名额已被抢占 ...)'; step 3: such an entry answers 409 offer_taken."""
    p1, p2, p3 = queue_of(wednesday_class, 3)
    clock.go("2026-12-02 10:00")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 10:16")
    services.waitlist_offers_sweep()  # reserved for p1
    clock.go("2026-12-02 10:20")
    accepted = p1.respond("accept")
    booking = Booking.objects.get(profile=p1.profile, schedule=wednesday_class, status="booked")
    assert accepted.status_code == 200
    assert accepted.json() == {
        "code": 200,
        "message": "预约成功",
        "data": {"booking_id": booking.pk, "kind": "waitlist"},
    }
    offer = WaitlistOffer.objects.get()
    statuses = dict(
        WaitlistNotification.objects.filter(offer=offer, kind="seat_available")
        .exclude(entry_id=p1.entry_id)
        .values_list("entry_id", "status")
    )
    assert statuses == {p2.entry_id: "superseded", p3.entry_id: "superseded"}
    response = p2.respond("accept")
    assert response.status_code == 409
    assert response.json() == {"code": 409, "message": "名额已被抢占", "error": "offer_taken", "data": None}
    assert (templates_of(p2)[-1], templates_of(p3)[-1]) == ("waitlist_offer_taken", "waitlist_offer_taken")
    assert (p2.entry.status, p3.entry.status) == ("waiting", "waiting")


def test_accept_with_a_time_conflict_keeps_the_entry_waiting_and_the_reservation_running(
    wednesday_class, queue_of, free_a_seat, clock
):
    first, second = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:46")  # reserved for #1 now (deadline 13:00, capped at the cutoff)
    assert first.respond("start").status_code == 200
    BookingFactory(
        profile=first.profile, schedule=ScheduleFactory(starts_at=WEDNESDAY_19)
    )  # booked elsewhere meanwhile
    response = first.respond("accept")
    assert response.status_code == 409 and response.json()["error"] == "time_conflict"
    assert first.entry.status == "waiting"
    offer = WaitlistOffer.objects.get()
    assert (offer.status, offer.reserved_for_id) == ("open", first.entry_id)
    assert WaitlistFlow.objects.get(entry_id=first.entry_id).status == "rejected"


def test_a_flow_refused_for_time_conflict_still_protects_within_its_grace(
    wednesday_class, queue_of, free_a_seat, clock
):
    """RULES §4 step 2 / §5.1: a refused accept (time_conflict) must not take the flow's grace away.
    §4: 'If the profile now has an overlapping booked class → 409 time_conflict; the entry stays waiting and any
    reservation runs on.' §4 step 2 / §5.1: a flow started in the phase at or before the deadline protects until
    start + FLOW_GRACE. Seed times: seat 12:30 (deadline 12:45), flow 12:44 (grace until 12:49)."""
    p1, p2 = queue_of(wednesday_class, 2)
    # p2 holds an overlapping class (same 19:00 slot) that is not full.
    other = ScheduleFactory(starts_at=WEDNESDAY_19, capacity=6)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:44")
    started = p2.respond("start")
    assert started.status_code == 200
    assert started.json()["data"] == {
        "deadline": "2026-12-02T12:49:00+08:00",
        "seconds_left": 300,
        "prompt": "确认预约？还剩5分钟决策时间",
    }
    # The clashing seat is one the system did not book through a parent's or the desk's route (an
    # imported roster): a booking through those routes would have ended p2's entry (RULES §13).
    clash_booking = BookingFactory(profile=p2.profile, schedule=other)
    clock.go("2026-12-02 12:46")
    refused = p2.respond("accept")
    assert refused.status_code == 409
    assert refused.json() == {"code": 409, "message": "与已预约课程时间冲突", "error": "time_conflict", "data": None}
    assert p2.entry.status == "waiting"
    # p2 fixes the conflict within its grace and accepts at 12:47 (≤ 12:49).
    clock.go("2026-12-02 12:47")
    cancelled = p2.client.post(f"/api/v1/bookings/{clash_booking.pk}/cancel", {}, format="json")
    assert cancelled.status_code == 200
    assert cancelled.json() == {
        "code": 200,
        "message": "已取消预约",
        "data": {"booking_id": clash_booking.pk, "status": "cancelled"},
    }
    again = p2.respond("accept")
    assert again.status_code == 200, again.json()
    booking = Booking.objects.get(profile=p2.profile, schedule=wednesday_class, status="booked")
    assert again.json() == {"code": 200, "message": "预约成功", "data": {"booking_id": booking.pk, "kind": "waitlist"}}
    assert (p1.entry.status, p2.entry.status) == ("waiting", "booked")
    offer = WaitlistOffer.objects.get()
    assert (offer.phase, offer.status, offer.claimed_by_id) == ("broadcast", "claimed", p2.entry_id)


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
    # A seat booked outside the routes of RULES §13 (an imported roster), which would end the entry.
    BookingFactory(profile=p1.profile, schedule=other)
    clock.go("2026-12-02 10:30")
    started = p1.respond("start")  # grace until 10:35
    assert (started.status_code, started.json()["data"]["deadline"]) == (200, "2026-12-02T10:35:00+08:00")
    clock.go("2026-12-02 10:32")
    refused = p1.respond("accept")
    assert refused.status_code == 409
    assert refused.json() == {"code": 409, "message": "与已预约课程时间冲突", "error": "time_conflict", "data": None}
    clock.go("2026-12-02 10:33")
    services.waitlist_offers_sweep()
    assert p1.entry.status == "waiting"
    assert p2.entry.status == "waiting"
    offer = WaitlistOffer.objects.get()
    assert (offer.phase, offer.status, offer.reserved_for_id) == ("reserved", "open", p1.entry_id)


def test_an_offer_cannot_book_a_class_cancelled_meanwhile(wednesday_class, queue_of, free_a_seat):
    """A waitlist offer can no longer book a class that is not open (docs/decisions.md, RULES §6.7): the
    catch-up lapses the offer of a class that is no longer open, so the accept answers 410 offer_expired."""
    (p1,) = queue_of(wednesday_class, 1)
    free_a_seat(wednesday_class)
    wednesday_class.status = "cancelled"
    wednesday_class.save()
    response = p1.respond("accept")
    assert response.status_code == 410
    assert response.json() == {
        "code": 410,
        "message": "候补确认已过期，名额已顺位给下一位候补用户",
        "error": "offer_expired",
        "data": None,
    }
    assert not Booking.objects.filter(profile=p1.profile).exists()
    assert WaitlistOffer.objects.get().status == "lapsed"


def test_decline_leaves_the_queue_and_passes_a_reservation_on(wednesday_class, queue_of, free_a_seat, clock):
    first, second = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:46")
    response = first.respond("decline")
    assert response.status_code == 200
    assert response.json()["data"] == {"id": first.entry_id, "status": "declined"}
    offer = WaitlistOffer.objects.get()
    assert (offer.phase, offer.reserved_for_id, offer.deadline) == ("reserved", second.entry_id, at("2026-12-02 13:00"))
    assert templates_of(second)[-1] == "waitlist_seat_reserved"


def test_cancelling_a_reserved_entry_passes_the_seat_on_at_once(wednesday_class, queue_of, free_a_seat, clock):
    first, second, third = queue_of(wednesday_class, 3)
    clock.go("2026-12-02 11:00")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 11:16")
    first.detail(wednesday_class)  # a read catches up: reserved for #1 until 11:31
    clock.go("2026-12-02 11:20")
    first.client.delete(f"/api/v1/waitlist/{first.entry_id}")
    offer = WaitlistOffer.objects.get()
    assert (offer.reserved_for_id, offer.phase_started_at, offer.deadline) == (
        second.entry_id,
        at("2026-12-02 11:20"),
        at("2026-12-02 11:35"),
    )


# --- the five resolution steps ---------------------------------------------------------------


def test_step1_an_ended_entry_is_not_waiting(wednesday_class, queue_of):
    (parent,) = queue_of(wednesday_class, 1)
    parent.client.delete(f"/api/v1/waitlist/{parent.entry_id}")
    for action in ("start", "accept", "decline"):
        response = parent.respond(action)
        assert response.status_code == 409 and response.json()["message"] == "该候补已结束"


def test_step2_earliest_released_offer_first(wednesday_class, queue_of, free_a_seat, clock):
    (parent, other) = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:00")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:01")
    free_a_seat(wednesday_class)
    parent.respond("accept")
    first, second = WaitlistOffer.objects.order_by("released_at")
    assert (first.status, second.status) == ("claimed", "open")


def test_step3_answers_about_the_latest_offer_an_older_one_lost_never_decides(
    wednesday_class, queue_of, free_a_seat, clock
):
    """RULES §4 steps 3-4: c lost offer 1 to a, then missed offer 2's window: the answer is about
    offer 2 (410 expired), not about offer 1 (409 taken)."""
    a, b, c = queue_of(wednesday_class, 3)
    clock.go("2026-12-02 12:00")
    free_a_seat(wednesday_class)  # offer 1, broadcast to all three
    a.respond("accept")  # b and c superseded on offer 1
    free_a_seat(wednesday_class)  # offer 2, broadcast to b and c
    clock.go("2026-12-02 12:16")  # offer 2: reserved for b
    response = c.respond("accept")
    assert response.status_code == 410
    assert response.json() == {
        "code": 410,
        "message": "候补确认已过期，名额已顺位给下一位候补用户",
        "error": "offer_expired",
        "data": None,
    }


def test_step3_the_latest_offer_claimed_by_someone_else_is_taken(wednesday_class, queue_of, free_a_seat, clock):
    a, b = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:00")
    free_a_seat(wednesday_class)  # offer 1, broadcast to both
    clock.go("2026-12-02 12:20")  # the broadcast ended at 12:15: reserved for a now
    assert a.respond("accept").status_code == 200  # b's notices of offer 1 are superseded
    response = b.respond("accept")
    assert response.status_code == 409
    assert response.json() == {"code": 409, "message": "名额已被抢占", "error": "offer_taken", "data": None}


def test_step4_notified_of_an_open_offer_now_reserved_for_someone_else(wednesday_class, queue_of, free_a_seat, clock):
    first, second = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:00")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:16")
    assert second.respond("start").status_code == 410


def test_step5_nothing_offered(wednesday_class, queue_of):
    (parent,) = queue_of(wednesday_class, 1)
    response = parent.respond("start")
    assert response.status_code == 409 and response.json()["error"] == "no_offer"


def test_respond_to_another_parents_entry_is_404(wednesday_class, queue_of, make_parent):
    (parent,) = queue_of(wednesday_class, 1)
    stranger = make_parent()
    response = stranger.client.put(f"/api/v1/waitlist/{parent.entry_id}/respond", {"action": "accept"}, format="json")
    assert response.status_code == 404 and response.json()["message"] == "资源不存在"


@pytest.mark.parametrize("body", [{}, {"action": "maybe"}, {"action": ["accept"]}])
def test_bad_respond_input_is_400(wednesday_class, queue_of, body):
    (parent,) = queue_of(wednesday_class, 1)
    response = parent.client.put(f"/api/v1/waitlist/{parent.entry_id}/respond", body, format="json")
    assert response.status_code == 400


def test_every_notification_of_an_entry_is_listed(wednesday_class, queue_of, free_a_seat, clock):
    first, second = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:00")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:16")
    first.detail(wednesday_class)
    items = first.client.get(f"/api/v1/waitlist/{first.entry_id}/notifications").json()["data"]["items"]
    assert [(i["kind"], i["template"], i["response_status"], i["delivery_status"]) for i in items] == [
        ("seat_reserved", "waitlist_seat_reserved", "open", "pending"),
        ("seat_available", "waitlist_seat_available", "expired", "pending"),
    ]
    assert items[0]["response_deadline"] == "2026-12-02T12:31:00+08:00"
    assert second.client.get(f"/api/v1/waitlist/{first.entry_id}/notifications").status_code == 404


def test_notification_counts_per_entry_are_what_happened(wednesday_class, queue_of, free_a_seat):
    queue_of(wednesday_class, 3)
    free_a_seat(wednesday_class)
    counts = dict(WaitlistNotification.objects.values_list("entry_id").annotate(n=Count("id")))
    assert set(counts.values()) == {1}
