"""RULES §5: the hand-over chain (by the sweeper, and by API calls alone), the cutoff, quiet hours,
idempotent sweeps, capacity changes, direct bookings, operators."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from courses.models import Booking
from flows.studio import schedule_set_capacity
from notifications.models import Notification
from tests.conftest import admin_list_edit, at, client_for
from tests.factories import ScheduleFactory, StaffFactory
from tests.waitlist.conftest import WEDNESDAY_19
from waitlist import services, tasks
from waitlist.models import WaitlistEntry, WaitlistNotification, WaitlistOffer
from waitlist.tasks import waitlist_cutoff_close_task, waitlist_offers_sweep_task

pytestmark = pytest.mark.django_db


def state():
    offer = WaitlistOffer.objects.order_by("id").last()
    return offer.phase, offer.status, offer.reserved_for_id, offer.deadline


def statuses(parents):
    return [p.entry.status for p in parents]


def positions(parents):
    return [p.client.get(f"/api/v1/waitlist/position/{p.entry_id}").json()["data"]["position"] for p in parents]


def last_template(parent):
    return Notification.objects.filter(user=parent.profile.owner).order_by("id").last().template


@pytest.mark.parametrize("driver", ["sweeper", "api"])
def test_the_full_hand_over_chain(wednesday_class, queue_of, free_a_seat, clock, driver):
    """Broadcast lapses → #1 reserved → expires → #2 reserved → accepts."""
    p1, p2, p3 = queue_of(wednesday_class, 3)

    def tick(text):
        clock.go(text)
        if driver == "sweeper":
            services.waitlist_offers_sweep()
        else:
            p3.detail(wednesday_class)  # any read of my.offer (or respond, join, cancel) catches up

    clock.go("2026-12-02 10:00")
    free_a_seat(wednesday_class)
    assert state() == ("broadcast", "open", None, at("2026-12-02 10:15"))
    tick("2026-12-02 10:15")  # the deadline itself: nothing moves yet
    assert state() == ("broadcast", "open", None, at("2026-12-02 10:15"))
    tick("2026-12-02 10:16")
    assert state() == ("reserved", "open", p1.entry_id, at("2026-12-02 10:31"))
    assert last_template(p1) == "waitlist_seat_reserved"
    assert statuses([p1, p2, p3]) == ["waiting"] * 3 and positions([p1, p2, p3]) == [1, 2, 3]
    assert set(WaitlistNotification.objects.filter(kind="seat_available").values_list("status", flat=True)) == {
        "expired"
    }
    tick("2026-12-02 10:32")
    assert state() == ("reserved", "open", p2.entry_id, at("2026-12-02 10:47"))
    assert statuses([p1, p2, p3]) == ["expired", "waiting", "waiting"]
    assert positions([p2, p3]) == [1, 2]
    assert last_template(p1) == "waitlist_expired" and last_template(p2) == "waitlist_seat_reserved"
    assert (
        WaitlistNotification.objects.get(entry_id=p1.entry_id, kind="expired").offer_id
        == WaitlistOffer.objects.get().pk
    )
    assert p1.respond("accept").json()["error"] == "not_waiting"
    assert p3.respond("accept").status_code == 410
    clock.go("2026-12-02 10:40")
    response = p2.respond("accept")
    assert response.status_code == 200
    assert state()[:2] == ("reserved", "claimed")
    assert statuses([p1, p2, p3]) == ["expired", "booked", "waiting"]
    assert positions([p3]) == [1]
    assert Booking.objects.get(pk=response.json()["data"]["booking_id"]).kind == "waitlist"
    assert last_template(p2) == "waitlist_booked"


def test_nobody_left_the_offer_lapses_and_the_seat_is_public(
    wednesday_class, queue_of, free_a_seat, clock, make_parent
):
    (p1,) = queue_of(wednesday_class, 1)
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 10:16")
    services.waitlist_offers_sweep()
    clock.go("2026-12-02 10:32")
    services.waitlist_offers_sweep()
    assert state()[:2] == ("reserved", "lapsed")
    assert p1.entry.status == "expired"
    outsider = make_parent()
    book = outsider.client.post(
        "/api/v1/bookings", {"course_schedule_id": wednesday_class.pk, "profile_id": outsider.profile.pk}, format="json"
    )
    assert book.status_code == 200


def test_a_late_sweep_does_not_shorten_the_next_window(wednesday_class, queue_of, free_a_seat, clock):
    queue_of(wednesday_class, 2)
    free_a_seat(wednesday_class)  # deadline 10:15
    clock.go("2026-12-02 10:40")  # the sweeper was down for 25 minutes
    services.waitlist_offers_sweep()
    assert state()[3] == at("2026-12-02 10:55")  # counted from the moment of the reservation


def test_a_sweep_twice_changes_nothing_more(wednesday_class, queue_of, free_a_seat, clock):
    queue_of(wednesday_class, 3)
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 10:16")
    services.waitlist_offers_sweep()
    before = (
        list(WaitlistOffer.objects.values()),
        list(WaitlistEntry.objects.values()),
        WaitlistNotification.objects.count(),
        Notification.objects.count(),
    )
    services.waitlist_offers_sweep()
    waitlist_offers_sweep_task()
    waitlist_cutoff_close_task()
    after = (
        list(WaitlistOffer.objects.values()),
        list(WaitlistEntry.objects.values()),
        WaitlistNotification.objects.count(),
        Notification.objects.count(),
    )
    assert before == after


def test_a_reservation_skips_entries_holding_another(wednesday_class, queue_of, free_a_seat, clock):
    p1, p2, p3 = queue_of(wednesday_class, 3)
    free_a_seat(wednesday_class)
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 10:16")
    services.waitlist_offers_sweep()
    first, second = WaitlistOffer.objects.order_by("id")
    assert (first.reserved_for_id, second.reserved_for_id) == (p1.entry_id, p2.entry_id)


def test_several_seats_due_at_once_go_down_the_queue_in_one_sweep(
    wednesday_class, queue_of, free_a_seat, clock, django_assert_max_num_queries
):
    """Three broadcast offers close together with a queue of five, one of whom (p2) has 自动递补: the
    seats go to p1, p2, p3 in order, p2's booked at once without a message, p1's and p3's told;
    a second round later, p1 and p3 expire and their seats go to p4 and p5, and no seat is left for
    a third round but lapses. All in a bounded number of statements (set-based, not per offer)."""
    p1, p2, p3, p4, p5 = queue_of(wednesday_class, 5)
    WaitlistEntry.objects.filter(pk=p2.entry_id).update(auto_accept=True)
    for _ in range(3):
        free_a_seat(wednesday_class)
    clock.go("2026-12-02 10:16")
    with django_assert_max_num_queries(40):  # one by one: 48
        services.waitlist_offers_sweep()
    offers = list(WaitlistOffer.objects.order_by("released_at", "id"))
    assert [(o.phase, o.status, o.reserved_for_id) for o in offers] == [
        ("reserved", "open", p1.entry_id),
        ("reserved", "claimed", p2.entry_id),
        ("reserved", "open", p3.entry_id),
    ]
    assert {o.deadline for o in offers if o.status == "open"} == {at("2026-12-02 10:31")}
    assert statuses([p1, p2, p3, p4, p5]) == ["waiting", "booked", "waiting", "waiting", "waiting"]
    assert (last_template(p1), last_template(p3)) == ("waitlist_seat_reserved", "waitlist_seat_reserved")
    assert last_template(p2) == "waitlist_auto_booked"
    # The broadcast answers of the first round have expired; each reservation has its one open answer.
    assert WaitlistNotification.objects.filter(kind="seat_available", status="open").count() == 0
    assert WaitlistNotification.objects.filter(kind="seat_reserved", status="open").count() == 2

    clock.go("2026-12-02 10:32")  # nobody confirmed: p1 and p3 expire, the seats pass to p4 and p5
    services.waitlist_offers_sweep()
    assert statuses([p1, p3]) == ["expired", "expired"]
    assert [(o.reserved_for_id, o.round) for o in WaitlistOffer.objects.filter(status="open").order_by("id")] == [
        (p4.entry_id, 3),
        (p5.entry_id, 3),
    ]
    clock.go("2026-12-02 10:48")  # p4 and p5 let it pass too: nobody is left, both seats lapse
    services.waitlist_offers_sweep()
    assert statuses([p4, p5]) == ["expired", "expired"]
    assert sorted(WaitlistOffer.objects.values_list("status", flat=True)) == ["claimed", "lapsed", "lapsed"]


def test_a_winner_s_other_reservation_passes_on_at_once(wednesday_class, queue_of, free_a_seat, clock):
    p1, p2, p3 = queue_of(wednesday_class, 3)
    clock.go("2026-12-02 10:00")
    free_a_seat(wednesday_class)  # offer B: broadcast until 10:15
    clock.go("2026-12-02 10:01")
    free_a_seat(wednesday_class)  # offer A: broadcast until 10:16
    clock.go("2026-12-02 10:14")
    p1.respond("start")  # p1's flow on B (the earliest it may take): grace until 10:19
    clock.go("2026-12-02 10:16", seconds=1)
    services.waitlist_offers_sweep()  # A closes and is reserved for p1, the first without a reservation
    offer_b, offer_a = WaitlistOffer.objects.order_by("released_at")
    offer_a.refresh_from_db()
    assert (offer_a.phase, offer_a.reserved_for_id) == ("reserved", p1.entry_id)
    clock.go("2026-12-02 10:17")
    assert p1.respond("accept").status_code == 200  # takes B, the earliest released it may take
    offer_a.refresh_from_db()
    offer_b.refresh_from_db()
    assert (offer_b.status, offer_b.claimed_by_id) == ("claimed", p1.entry_id)
    assert (offer_a.status, offer_a.reserved_for_id, offer_a.deadline) == ("open", p2.entry_id, at("2026-12-02 10:32"))
    assert last_template(p2) == "waitlist_seat_reserved"


# --- cutoff ----------------------------------------------------------------------------------


def test_at_the_cutoff_every_waiting_entry_closes_once_and_offers_lapse(wednesday_class, queue_of, free_a_seat, clock):
    parents = queue_of(wednesday_class, 3)
    clock.go("2026-12-02 12:50")
    free_a_seat(wednesday_class)  # deadline capped at 13:00
    assert state()[3] == at("2026-12-02 13:00")
    clock.go("2026-12-02 13:00")  # the cutoff instant still belongs to the open period (RULES §5.2)
    services.waitlist_cutoff_close()
    services.waitlist_offers_sweep()
    assert statuses(parents) == ["waiting"] * 3 and state()[1] == "open"
    clock.go("2026-12-02 13:00", seconds=1)  # closing applies once now > cutoff
    services.waitlist_cutoff_close()
    services.waitlist_cutoff_close()
    assert statuses(parents) == ["closed"] * 3
    assert state()[1] == "lapsed"
    closed = Notification.objects.filter(template="waitlist_closed")
    assert closed.count() == 3  # once each
    assert closed.first().body.startswith("候补已截止，本次未能候补成功")
    assert WaitlistNotification.objects.filter(kind="closed", offer__isnull=True).count() == 3


def test_a_reservation_reaching_the_cutoff_ends_closed_not_expired(wednesday_class, queue_of, free_a_seat, clock):
    p1, p2 = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:46")
    services.waitlist_offers_sweep()
    assert state()[2:] == (p1.entry_id, at("2026-12-02 13:00"))
    clock.go("2026-12-02 13:00", seconds=1)
    services.waitlist_offers_sweep()
    services.waitlist_cutoff_close()
    assert statuses([p1, p2]) == ["closed", "closed"]
    assert not Notification.objects.filter(template="waitlist_expired").exists()


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
    assert state()[:3] == ("reserved", "open", p1.entry_id)
    clock.go("2026-12-02 13:05")  # the sweeper was down from 12:16 until after the cutoff
    services.waitlist_offers_sweep()
    services.waitlist_cutoff_close()
    assert [p1.entry.status, p2.entry.status] == ["expired", "closed"]
    assert WaitlistOffer.objects.get().status == "lapsed"
    assert (last_template(p1), last_template(p2)) == ("waitlist_expired", "waitlist_closed")


@pytest.mark.parametrize("driver", ["sweeper", "api"])
@pytest.mark.parametrize("seconds, phase, status", [(0, "reserved", "open"), (1, "broadcast", "lapsed")])
def test_a_hand_over_due_at_the_cutoff_instant_reserves_the_seat_until_the_cutoff(
    wednesday_class, queue_of, free_a_seat, clock, driver, seconds, phase, status
):
    """RULES §5.1-5.2: a broadcast closing at 12:59:59 hands over at 13:00:00, the cutoff instant, which
    still belongs to the open period: the seat is reserved for the first in line with deadline 13:00,
    and they may accept it then. One second later the waitlist has closed: the seat lapses."""
    p1, p2 = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:44", seconds=59)
    free_a_seat(wednesday_class)
    assert state()[3] == at("2026-12-02 12:59") + timedelta(seconds=59)
    clock.go("2026-12-02 13:00", seconds=seconds)
    if driver == "sweeper":
        services.waitlist_offers_sweep()
    else:
        # a read of the class's `my.offer` catches its schedule up (RULES §5.5)
        p1.client.get(f"/api/v1/schedules/{wednesday_class.pk}?profile_id={p1.profile.pk}")
    assert state()[:2] == (phase, status)
    if seconds == 0:
        assert state()[2:] == (p1.entry_id, at("2026-12-02 13:00"))
        assert last_template(p1) == "waitlist_seat_reserved"
        assert p1.respond("accept").status_code == 200
        assert statuses([p1, p2]) == ["booked", "waiting"]
    else:
        services.waitlist_cutoff_close()
        assert statuses([p1, p2]) == ["closed", "closed"]


def test_a_flow_in_grace_survives_the_cutoff_and_may_accept(wednesday_class, queue_of, free_a_seat, clock):
    p1, p2, p3 = queue_of(wednesday_class, 3)
    clock.go("2026-12-02 12:50")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:58")
    p2.respond("start")  # grace until 13:03
    clock.go("2026-12-02 13:01")
    services.waitlist_cutoff_close()
    services.waitlist_offers_sweep()
    assert statuses([p1, p2, p3]) == ["closed", "waiting", "closed"]
    assert state()[1] == "open"
    assert p1.respond("accept").json()["error"] == "not_waiting"
    clock.go("2026-12-02 13:03")
    response = p2.respond("accept")
    assert response.status_code == 200
    assert p2.entry.status == "booked"


def test_a_flow_in_grace_at_the_cutoff_ends_closed_when_its_grace_ends(wednesday_class, queue_of, free_a_seat, clock):
    (p1, p2) = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:50")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:58")
    p2.respond("start")
    clock.go("2026-12-02 13:03", seconds=1)
    services.waitlist_cutoff_close()
    assert statuses([p1, p2]) == ["closed", "closed"]
    assert state()[1] == "lapsed"
    assert Notification.objects.filter(template="waitlist_closed").count() == 2


# --- quiet hours -----------------------------------------------------------------------------


def test_a_seat_freed_at_night_waits_for_the_morning(queue_of, free_a_seat, clock):
    thursday = ScheduleFactory(starts_at=at("2026-12-03 19:00"), capacity=1)
    from tests.factories import BookingFactory

    BookingFactory(schedule=thursday)
    p1, p2 = queue_of(thursday, 2)
    clock.go("2026-12-02 23:00")
    free_a_seat(thursday)
    assert state()[3] == at("2026-12-03 08:15")  # notified at once, decided in waking time
    assert Notification.objects.filter(template="waitlist_seat_available").count() == 2
    clock.go("2026-12-03 03:00")
    services.waitlist_offers_sweep()
    assert state()[0] == "broadcast"  # the queue does not run through while parents sleep
    clock.go("2026-12-03 08:15", seconds=1)
    services.waitlist_offers_sweep()
    assert state()[2:] == (p1.entry_id, at("2026-12-03 08:30") + timedelta(seconds=1))


def test_a_window_spanning_22_00_pauses_overnight(queue_of, free_a_seat, clock):
    thursday = ScheduleFactory(starts_at=at("2026-12-03 19:00"), capacity=1)
    from tests.factories import BookingFactory

    BookingFactory(schedule=thursday)
    queue_of(thursday, 1)
    clock.go("2026-12-02 21:50")
    free_a_seat(thursday)
    assert state()[3] == at("2026-12-03 08:05")


# --- capacity, direct booking, operators -----------------------------------------------------


def test_raising_capacity_offers_the_new_seats(wednesday_class, queue_of):
    queue_of(wednesday_class, 3)
    schedule_set_capacity(schedule_id=wednesday_class.pk, capacity=8)
    offers = WaitlistOffer.objects.filter(status="open")
    assert offers.count() == 2 and set(offers.values_list("reason", flat=True)) == {"capacity"}


def test_raising_capacity_in_the_admin_goes_through_the_service(client, wednesday_class, queue_of):
    queue_of(wednesday_class, 1)
    client.force_login(StaffFactory(is_superuser=True))
    response = admin_list_edit(
        client, "/admin/courses/courseschedule/", wednesday_class.pk, capacity=7, waitlist_capacity=None
    )
    assert response.status_code == 302
    wednesday_class.refresh_from_db()
    assert wednesday_class.capacity == 7
    assert WaitlistOffer.objects.get().reason == "capacity"
    said = [str(m) for m in client.get("/admin/courses/courseschedule/").context["messages"]]
    assert f"{wednesday_class}：座位数 6 → 7：名额已发给1位候补" in said  # in words (issue 14)
    admin_list_edit(client, "/admin/courses/courseschedule/", wednesday_class.pk, capacity=5, waitlist_capacity=None)
    said = [str(m) for m in client.get("/admin/courses/courseschedule/").context["messages"]]
    assert f"{wednesday_class}：座位数 7 → 5（已预约的学员不受影响）" in said


def test_lowering_capacity_lapses_offers_whose_seats_are_gone(wednesday_class, queue_of, free_a_seat):
    queue_of(wednesday_class, 2)
    free_a_seat(wednesday_class)
    schedule_set_capacity(schedule_id=wednesday_class.pk, capacity=5)
    assert WaitlistOffer.objects.get().status == "lapsed"
    assert WaitlistEntry.objects.filter(status="waiting").count() == 2


def test_a_direct_booking_ends_a_waiting_entry(make_parent, queue_of):
    schedule = ScheduleFactory(starts_at=WEDNESDAY_19, capacity=1)
    from tests.factories import BookingFactory

    holder = BookingFactory(schedule=schedule)
    (p1,) = queue_of(schedule, 1)
    # A seat frees without an offer (an operator's data fix), so it is public: p1 books it directly.
    holder.status, holder.active = "cancelled", None
    holder.save()
    response = p1.client.post(
        "/api/v1/bookings", {"course_schedule_id": schedule.pk, "profile_id": p1.profile.pk}, format="json"
    )
    assert response.status_code == 200
    entry = p1.entry
    assert (entry.status, entry.end_reason) == ("booked", "direct_booking")


def test_operator_removes_an_entry_with_a_reason(wednesday_class, queue_of, free_a_seat, clock):
    p1, p2 = queue_of(wednesday_class, 2)
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 10:16")
    services.waitlist_offers_sweep()
    staff = StaffFactory()
    services.waitlist_entry_remove(entry_id=p1.entry_id, reason="家长电话要求取消", by=staff)
    entry = p1.entry
    assert (entry.status, entry.end_reason, entry.ended_by) == ("removed", "家长电话要求取消", staff)
    assert state()[2] == p2.entry_id


def test_operator_actions_need_a_reason(wednesday_class, queue_of):
    from core.errors import BusinessError

    (p1,) = queue_of(wednesday_class, 1)
    for action in (services.waitlist_entry_remove, services.waitlist_entry_prioritize):
        for reason in ("  ", "", None):
            with pytest.raises(BusinessError) as refused:
                action(entry_id=p1.entry_id, reason=reason, by=None)
            assert (refused.value.status, refused.value.error, refused.value.message) == (
                400,
                "validation_error",
                "请填写原因",
            )
    assert p1.entry.status == "waiting"


def test_staff_manual_send_offers_free_seats(wednesday_class, queue_of):
    queue_of(wednesday_class, 2)
    booking = wednesday_class.bookings.first()
    booking.status, booking.active = "cancelled", None  # a seat freed outside the services (e.g. data fix)
    booking.save()
    staff = client_for(StaffFactory())
    response = staff.post("/api/v1/waitlist/notify", {"course_schedule_id": wednesday_class.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["data"] == {"offers_opened": 1, "notified": 2}
    assert WaitlistOffer.objects.get().reason == "manual"
    again = staff.post("/api/v1/waitlist/notify", {"course_schedule_id": wednesday_class.pk}, format="json")
    assert again.json()["data"] == {"offers_opened": 0, "notified": 0}


def test_manual_send_from_the_admin_session(client, wednesday_class):
    client.force_login(StaffFactory())
    response = client.post(
        "/api/v1/waitlist/notify", {"course_schedule_id": wednesday_class.pk}, content_type="application/json"
    )
    assert response.status_code == 200


def test_manual_send_is_staff_only(wednesday_class, make_parent, anon_client):
    parent = make_parent()
    response = parent.client.post("/api/v1/waitlist/notify", {"course_schedule_id": wednesday_class.pk}, format="json")
    assert response.status_code == 403
    assert response.json() == {"code": 403, "message": "无权限", "error": "permission_denied", "data": None}
    assert anon_client.post("/api/v1/waitlist/notify", {"course_schedule_id": 1}, format="json").status_code == 401


def test_periodic_jobs_are_scheduled():
    call_command("setup_periodic_tasks", stdout=__import__("io").StringIO())
    sweeper = PeriodicTask.objects.get(name="waitlist-offer-sweeper")
    closer = PeriodicTask.objects.get(name="waitlist-cutoff-closer")
    assert (sweeper.task, sweeper.interval.every) == ("waitlist.tasks.waitlist_offers_sweep_task", 15)
    assert (closer.task, closer.interval.every) == ("waitlist.tasks.waitlist_cutoff_close_task", 60)


def test_sweeps_work_in_bounded_batches(queue_of, clock, settings):
    from tests.factories import BookingFactory

    schedules = []
    for hour in range(5):
        schedule = ScheduleFactory(starts_at=WEDNESDAY_19 + timedelta(days=1, hours=hour), capacity=1)
        holder = BookingFactory(schedule=schedule)
        queue_of(schedule, 1)
        client_for(holder.profile.owner).post(f"/api/v1/bookings/{holder.pk}/cancel")
        schedules.append(schedule)
    clock.go("2026-12-02 10:16")
    assert services.waitlist_offers_sweep(batch=2) == 2
    assert services.waitlist_offers_sweep(batch=2) == 2
    assert services.waitlist_offers_sweep(batch=2) == 1
    assert services.waitlist_offers_sweep(batch=2) == 0


def test_the_cutoff_closer_works_in_batches_of_the_setting(queue_of, clock, settings):
    settings.WAITLIST_SWEEP_BATCH = 2
    for hour in range(5):
        queue_of(ScheduleFactory(starts_at=WEDNESDAY_19 + timedelta(hours=hour), capacity=0), 1)
    clock.go("2026-12-03 10:00")  # every cutoff has passed
    assert [services.waitlist_cutoff_close() for _ in range(4)] == [2, 2, 1, 0]
    assert set(WaitlistEntry.objects.values_list("status", flat=True)) == {"closed"}


def test_the_sweeper_task_does_not_spin_while_a_flow_is_in_grace(
    wednesday_class, queue_of, free_a_seat, clock, monkeypatch
):
    """RULES §5.5 periodic jobs: a run must end when nothing is due, not spin for its whole time budget.
    A flow in grace (deadline passed, closing time not) is nothing to do, yet `waitlist_offers_sweep` counts its
    schedule as 'caught up' on every step, so `_drain` never sees 0 and loops for the whole 10 s budget, every 15 s."""
    (p1, p2) = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:44")
    assert p1.respond("start").json()["data"]["deadline"] == "2026-12-02T12:49:00+08:00"  # grace until 12:49
    clock.go("2026-12-02 12:46")
    calls = []
    real = services.waitlist_offers_sweep

    def counted():
        calls.append(1)
        if len(calls) > 50:
            raise RuntimeError("still sweeping the same schedule after 50 steps")
        return real()

    monkeypatch.setattr(tasks.services, "waitlist_offers_sweep", counted)
    assert tasks.waitlist_offers_sweep_task() == 0
    assert len(calls) == 1
    assert state()[:3] == ("broadcast", "open", None)
    assert statuses([p1, p2]) == ["waiting", "waiting"]


def test_the_cutoff_closer_task_does_not_spin_while_a_flow_is_in_grace(
    wednesday_class, queue_of, free_a_seat, clock, monkeypatch
):
    """Same for the cutoff closer: an entry kept waiting by its flow's grace past the cutoff makes every
    step count 1."""
    (p1, p2) = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:50")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:58")
    assert p1.respond("start").json()["data"]["deadline"] == "2026-12-02T13:03:00+08:00"  # grace until 13:03
    clock.go("2026-12-02 13:01")
    calls = []
    real = services.waitlist_cutoff_close

    def counted():
        calls.append(1)
        if len(calls) > 50:
            raise RuntimeError("still closing the same schedule after 50 steps")
        return real()

    monkeypatch.setattr(tasks.services, "waitlist_cutoff_close", counted)
    assert tasks.waitlist_cutoff_close_task() == 1  # p2 closes; p1's flow is in grace
    assert len(calls) == 2
    assert statuses([p1, p2]) == ["waiting", "closed"]


@pytest.mark.parametrize(("seconds", "status", "booked"), [(0, 200, True), (1, 409, False)])
def test_an_offer_whose_deadline_is_the_cutoff_is_accepted_at_the_cutoff_instant_not_a_second_later(
    wednesday_class, queue_of, free_a_seat, clock, seconds, status, booked
):
    """RULES §5.2: a seat freed at 12:50 for the 19:00 class has deadline 13:00 (= cutoff); an accept at
    exactly 13:00:00 books; at 13:00:01 the waitlist has closed and the entry with it."""
    (parent,) = queue_of(wednesday_class, 1)
    clock.go("2026-12-02 12:50")
    free_a_seat(wednesday_class)
    assert state()[3] == at("2026-12-02 13:00")
    clock.go("2026-12-02 13:00", seconds=seconds)
    response = parent.respond("accept")
    assert response.status_code == status
    if not booked:
        assert response.json() == {"code": 409, "message": "该候补已结束", "error": "not_waiting", "data": None}
    assert Booking.objects.filter(profile=parent.profile, status="booked").exists() is booked
    assert WaitlistEntry.objects.get(pk=parent.entry_id).status == ("booked" if booked else "closed")
