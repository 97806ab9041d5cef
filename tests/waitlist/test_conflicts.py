"""RULES §13: when a child gets a booked seat by any route, its waiting entries for other classes whose
time overlaps end `cancelled` (`time_conflict`) in the same transaction, reservations they held pass
on, and the family is told once per entry."""

from datetime import timedelta

import pytest

from courses.models import Booking
from flows.booking import booking_cancel, booking_create
from notifications.models import Notification
from tests.conftest import at
from tests.factories import BookingFactory, CourseFactory, ScheduleFactory
from tests.waitlist.conftest import new_parent
from waitlist import services as waitlist_services
from waitlist.models import WaitlistEntry, WaitlistOffer

pytestmark = pytest.mark.django_db

TEN = at("2026-12-03 10:00")  # the class the child gets: 10:00–11:00 on Thursday


def full(starts_at, minutes=60, capacity=1):
    schedule = ScheduleFactory(course=CourseFactory(duration_minutes=minutes), starts_at=starts_at, capacity=capacity)
    for _ in range(capacity):
        BookingFactory(schedule=schedule)
    return schedule


def wait(parent, schedule, **extra):
    response = parent.join(schedule, **extra)
    assert response.status_code == 200, response.json()
    return WaitlistEntry.objects.get(pk=response.json()["data"]["waitlist_id"])


def refreshed(entry):
    entry.refresh_from_db()
    return entry


def test_a_child_promoted_into_ten_oclock_leaves_the_half_past_ten_waitlist_in_the_same_transaction(clock):
    """No on_commit callback runs in this test: what is asserted happened inside the accept's transaction."""
    child = new_parent()
    ten = full(TEN)
    half_past = full(TEN + timedelta(minutes=30))
    eleven = full(TEN + timedelta(hours=1))  # back to back with 10:00–11:00: no conflict
    promoted = wait(child, ten, auto_accept=True)
    overlapping = wait(child, half_past)
    back_to_back = wait(child, eleven)

    booking_cancel(booking_id=ten.bookings.get().pk)  # the auto-accept books the child into 10:00

    assert refreshed(promoted).status == "booked"
    entry = refreshed(overlapping)
    assert (entry.status, entry.end_reason, entry.active) == ("cancelled", "time_conflict", None)
    assert refreshed(back_to_back).status == "waiting"
    told = Notification.objects.filter(user=child.profile.owner, template="waitlist_conflict_ended")
    assert told.count() == 1
    assert told.get().body == f"{child.profile.name}已预约{ten.course.name}，时间冲突的候补已自动取消"
    assert told.get().payload["waitlist_course_name"] == half_past.course.name


def test_a_direct_booking_ends_each_overlapping_entry_once(clock):
    child = new_parent()
    target = ScheduleFactory(course=CourseFactory(duration_minutes=90), starts_at=TEN, capacity=6)
    a = wait(child, full(TEN - timedelta(minutes=30)))  # 09:30–10:30
    b = wait(child, full(TEN + timedelta(minutes=60)))  # 11:00–12:00 inside 10:00–11:30
    c = wait(child, full(TEN + timedelta(minutes=90)))  # 11:30: touches the end, no overlap

    response = child.client.post(
        "/api/v1/bookings", {"course_schedule_id": target.pk, "profile_id": child.profile.pk}, format="json"
    )

    assert response.status_code == 200
    assert [refreshed(e).status for e in (a, b, c)] == ["cancelled", "cancelled", "waiting"]
    assert [refreshed(e).end_reason for e in (a, b)] == ["time_conflict", "time_conflict"]
    assert Notification.objects.filter(template="waitlist_conflict_ended").count() == 2


def test_an_accept_by_hand_ends_overlapping_entries_too(clock):
    child = new_parent()
    ten = full(TEN)
    entry = wait(child, ten)
    other = wait(child, full(TEN + timedelta(minutes=15)))
    booking_cancel(booking_id=ten.bookings.get().pk)
    child.entry_id = entry.pk
    assert child.respond("accept").status_code == 200
    assert (refreshed(other).status, refreshed(other).end_reason) == ("cancelled", "time_conflict")


def test_other_childrens_entries_are_untouched(clock):
    child, sibling_family = new_parent(), new_parent()
    target = ScheduleFactory(starts_at=TEN, capacity=6)
    elsewhere = full(TEN + timedelta(minutes=30), capacity=2)
    mine = wait(child, elsewhere)
    theirs = wait(sibling_family, elsewhere)
    booking_create(profile=child.profile, schedule_id=target.pk)
    assert (refreshed(mine).status, refreshed(theirs).status) == ("cancelled", "waiting")


def test_a_reservation_the_ended_entry_held_passes_on_after_the_commit(clock, django_capture_on_commit_callbacks):
    child, next_in_line = new_parent(), new_parent()
    elsewhere = full(TEN + timedelta(minutes=30))
    reserved = wait(child, elsewhere)
    behind = wait(next_in_line, elsewhere)
    booking_cancel(booking_id=elsewhere.bookings.get().pk)  # broadcast to both at 10:00 Wednesday
    waitlist_services.waitlist_offers_sweep(now=at("2026-12-02 10:15") + timedelta(seconds=1))
    offer = WaitlistOffer.objects.get(schedule=elsewhere)
    assert (offer.phase, offer.reserved_for_id) == ("reserved", reserved.pk)

    target = ScheduleFactory(starts_at=TEN, capacity=6)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        booking_create(profile=child.profile, schedule_id=target.pk)

    assert any(getattr(c, "func", None) is waitlist_services.waitlist_conflicts_settle for c in callbacks)
    assert refreshed(reserved).status == "cancelled"
    offer.refresh_from_db()
    assert (offer.status, offer.reserved_for_id) == ("open", behind.pk)
    assert list(
        Notification.objects.filter(user=next_in_line.profile.owner).order_by("pk").values_list("template", flat=True)
    ) == ["waitlist_seat_available", "waitlist_seat_reserved"]


def test_a_class_held_by_another_request_is_settled_right_after_the_commit(
    clock, django_capture_on_commit_callbacks, monkeypatch
):
    """SKIP LOCKED found the other class busy: the entry ends after the commit, under its lock."""
    from waitlist.services import entries

    child = new_parent()
    elsewhere = full(TEN + timedelta(minutes=30))
    entry = wait(child, elsewhere)
    target = ScheduleFactory(starts_at=TEN, capacity=6)
    real_lock = entries.schedule_lock
    monkeypatch.setattr(
        entries,
        "schedule_lock",
        lambda *, schedule_id, skip_locked=False: None if skip_locked else real_lock(schedule_id=schedule_id),
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        booking_create(profile=child.profile, schedule_id=target.pk)
    assert refreshed(entry).status == "waiting"  # not yet: the other class was busy
    for callback in callbacks:
        callback()
    assert (refreshed(entry).status, refreshed(entry).end_reason) == ("cancelled", "time_conflict")
    assert Notification.objects.filter(template="waitlist_conflict_ended").count() == 1
    assert Booking.objects.filter(profile=child.profile, status="booked").count() == 1


def test_the_catch_up_passes_on_a_reservation_whose_entry_ended_elsewhere(clock):
    """Had the process died between the commit and the settle, the class's next command passes on
    the reservation of the ended entry (the catch-up every command starts with)."""
    first, second = new_parent(), new_parent()
    elsewhere = full(TEN + timedelta(minutes=30))
    reserved = wait(first, elsewhere)
    behind = wait(second, elsewhere)
    booking_cancel(booking_id=elsewhere.bookings.get().pk)
    waitlist_services.waitlist_offers_sweep(now=at("2026-12-02 10:15") + timedelta(seconds=1))
    WaitlistEntry.objects.filter(pk=reserved.pk).update(status="cancelled", active=None, end_reason="time_conflict")

    waitlist_services.waitlist_catch_up(schedule_id=elsewhere.pk, now=at("2026-12-02 10:16"))

    offer = WaitlistOffer.objects.get(schedule=elsewhere)
    assert (offer.status, offer.reserved_for_id) == ("open", behind.pk)


def test_a_booking_elsewhere_during_a_started_flow_ends_the_entry_and_its_flow(clock):
    """RULES §13 over §4's grace: the child booked an overlapping class through the API while its
    booking flow was open; the entry ends (time_conflict), the flow is abandoned, the seat goes on."""
    from waitlist.models import WaitlistFlow

    child, behind = new_parent(), new_parent()
    ten = full(TEN)
    entry = wait(child, ten)
    wait(behind, ten)
    booking_cancel(booking_id=ten.bookings.get().pk)
    child.entry_id = entry.pk
    assert child.respond("start").status_code == 200
    other = ScheduleFactory(starts_at=TEN + timedelta(minutes=30), capacity=6)
    response = child.client.post(
        "/api/v1/bookings", {"course_schedule_id": other.pk, "profile_id": child.profile.pk}, format="json"
    )
    assert response.status_code == 200
    assert (refreshed(entry).status, refreshed(entry).end_reason) == ("cancelled", "time_conflict")
    assert WaitlistFlow.objects.get(entry=entry).status == "abandoned"
    assert child.respond("accept").json()["error"] == "not_waiting"
    assert WaitlistOffer.objects.get(schedule=ten).status == "open"  # still offered to the others


def test_operators_read_the_end_reasons_in_words(clock, admin_client):
    """The waitlist list shows 自动递补 and the end reasons the system writes in Chinese."""
    child = new_parent()
    ten = full(TEN)
    wait(child, ten, auto_accept=True)
    half = wait(child, full(TEN + timedelta(minutes=30)))
    booking_cancel(booking_id=ten.bookings.get().pk)
    assert refreshed(half).end_reason_text == "已预约时间冲突的课程，自动取消"
    page = admin_client.get("/admin/waitlist/waitlistentry/?status__exact=cancelled").content.decode()
    assert "已预约时间冲突的课程，自动取消" in page and "time_conflict" not in page
    booked = admin_client.get("/admin/waitlist/waitlistentry/?status__exact=booked").content.decode()
    assert "自动递补" in booked and "auto_accept</td>" not in booked
    # The class page's queue and the child's desk page show it too.
    queue = admin_client.get(f"/admin/courses/courseschedule/{ten.pk}/change/").content.decode()
    assert 'class="column-auto_accept">自动递补' in queue
