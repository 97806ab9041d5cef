"""A known three days (Tue 1 – Thu 3 December 2026, Shanghai) of waitlist, make-up, ledger and
notification activity, built through the real services with the clock moved step by step, plus
activity just outside the range on both sides.

Every number the dashboard shows for 2026-12-01..2026-12-03 follows from this script; the test
module states each one with its derivation.
"""

from dataclasses import dataclass, field

import pytest

from compensation import services as compensation_services
from courses.models import CourseSchedule
from flows import booking as booking_flows
from flows import offers
from makeup import services as makeup_services
from notifications import services as notification_services
from notifications.models import Notification
from tests.conftest import at
from tests.factories import (
    BookingFactory,
    CourseFactory,
    CourseTypeFactory,
    ProfileFactory,
    ScheduleFactory,
    StaffFactory,
)
from waitlist import services as waitlist_services

# The three answers to an offer (RULES §4), by the action's name.
RESPOND = {
    "start": waitlist_services.waitlist_offer_start,
    "accept": offers.waitlist_offer_accept,
    "decline": waitlist_services.waitlist_offer_decline,
}

NOW = at("2026-12-04 12:00")  # when the operator opens the dashboard
CANCELLED_F = {"course_name": "F", "starts_at": "2026年12月12日 19:00", "profile_name": "小F"}


@dataclass
class Studio:
    schedules: dict = field(default_factory=dict)
    entries: dict = field(default_factory=dict)  # name -> entry id
    makeups: dict = field(default_factory=dict)  # name -> make-up id


def full_class(course, starts_at: str, **fields) -> CourseSchedule:
    """A class at capacity 1 (or `capacity`), every seat taken by a regular booking."""
    schedule = ScheduleFactory(course=course, starts_at=at(starts_at), capacity=fields.pop("capacity", 1), **fields)
    for _ in range(schedule.capacity):
        BookingFactory(schedule=schedule)
    return schedule


def seat_of(schedule) -> int:
    return schedule.bookings.filter(status="booked", kind="regular").order_by("id").values_list("id", flat=True)[0]


@pytest.fixture
def staff_client(client):
    """The admin's session of a studio manager (运营主管: staff, not a superuser)."""
    from django.contrib.auth.models import Group

    manager = StaffFactory()
    manager.groups.add(Group.objects.get(name="运营主管"))
    client.force_login(manager)
    return client


@pytest.fixture
def studio(db, time_machine) -> Studio:
    def clock(text: str) -> None:
        time_machine.move_to(at(text), tick=False)

    def join(name: str, schedule) -> None:
        studio.entries[name] = offers.waitlist_join(profile=ProfileFactory(), schedule_id=schedule.pk).entry.pk

    def respond(name: str, action: str) -> None:
        RESPOND[action](entry_id=studio.entries[name])

    studio = Studio()
    clock("2026-11-10 09:00")
    regular = CourseTypeFactory(code="regular", waitlist_capacity=8)
    hour = CourseFactory(course_type=regular, level=2, duration_minutes=60, name="少儿体能·进阶")
    half = CourseFactory(course_type=regular, level=2, duration_minutes=30, name="少儿体能·半小时")
    long = CourseFactory(course_type=regular, level=2, duration_minutes=90, name="少儿体能·加长")
    s = studio.schedules
    s["A"] = full_class(hour, "2026-12-02 19:00", capacity=2)  # cutoff Wed 13:00
    s["B"] = full_class(hour, "2026-12-03 19:00")  # cutoff Thu 13:00
    s["C"] = full_class(hour, "2026-12-05 19:00")
    s["D"] = full_class(hour, "2026-12-10 19:00", waitlist_capacity=3)
    s["E"] = full_class(hour, "2026-12-04 08:00", waitlist_capacity=1)  # started before NOW
    s["F"] = full_class(hour, "2026-12-12 19:00", waitlist_capacity=1)  # cancelled by the studio below
    s["G"] = ScheduleFactory(course=hour, starts_at=at("2026-12-20 19:00"), capacity=6)  # the classes children leave
    s["H"] = ScheduleFactory(course=half, starts_at=at("2026-12-06 10:00"), capacity=6)  # a shorter make-up
    s["J"] = ScheduleFactory(course=long, starts_at=at("2026-12-03 15:00"), capacity=6)  # a longer make-up
    children = {name: ProfileFactory(level=2) for name in ("M0", "M1", "M2", "M3", "M4")}
    left = {name: BookingFactory(schedule=s["G"], profile=children[name]) for name in ("M0", "M1", "M2", "M3")}
    staff = StaffFactory()
    # A 20-minute credit granted before the range; it expires on 24 November, written off on 2 December.
    compensation_services.compensation_adjust(profile_id=children["M4"].pk, minutes=20, reason="活动赠送", by=staff)

    # --- before the range -------------------------------------------------------------------------
    clock("2026-11-30 22:00")
    studio.makeups["M0"] = booking_flows.booking_leave(booking_id=left["M0"].pk).makeup_id
    clock("2026-11-30 23:50")
    join("P0", s["D"])

    # --- Tuesday 1 December -----------------------------------------------------------------------
    clock("2026-12-01 00:30")
    join("P1", s["A"])  # 30 minutes into the day in Shanghai, still 30 November in UTC
    clock("2026-12-01 09:00")
    compensation_services.compensation_adjust(profile_id=children["M3"].pk, minutes=60, reason="补偿", by=staff)
    clock("2026-12-01 10:00")
    join("P2", s["A"])
    join("P3", s["A"])
    clock("2026-12-01 10:05")
    booking_flows.booking_cancel(booking_id=seat_of(s["A"]))  # offer 1, broadcast to P1, P2, P3
    clock("2026-12-01 10:12")
    respond("P2", "accept")  # claimed after 7 minutes; P1 and P3 hear 名额已被抢占
    clock("2026-12-01 10:30")
    studio.makeups["M1"] = booking_flows.booking_leave(booking_id=left["M1"].pk).makeup_id

    # --- Wednesday 2 December ---------------------------------------------------------------------
    clock("2026-12-02 09:00")
    booking_flows.booking_cancel(booking_id=seat_of(s["A"]))  # offer 2, broadcast to P1, P3
    clock("2026-12-02 09:10")
    respond("P3", "accept")  # claimed after 10 minutes; P1 hears 名额已被抢占
    clock("2026-12-02 09:30")
    studio.makeups["M2"] = booking_flows.booking_leave(booking_id=left["M2"].pk).makeup_id
    clock("2026-12-02 09:40")
    booking_flows.makeup_book(
        profile=children["M1"], schedule_id=s["H"].pk, original_booking_id=left["M1"].pk, confirm_shorter=True
    )  # 30 minutes shorter: a 30-minute credit
    clock("2026-12-02 10:00")
    compensation_services.compensation_expire()  # M4's 20 minutes
    clock("2026-12-02 11:00")
    join("P5", s["B"])
    join("P6", s["B"])
    clock("2026-12-02 12:00")
    waitlist_services.waitlist_entry_cancel(entry_id=studio.entries["P6"])
    clock("2026-12-02 13:05")
    waitlist_services.waitlist_cutoff_close()  # A's cutoff was 13:00: P1 closed 5 minutes late

    # --- Thursday 3 December ----------------------------------------------------------------------
    clock("2026-12-03 09:00")
    studio.makeups["M3"] = booking_flows.booking_leave(booking_id=left["M3"].pk).makeup_id
    clock("2026-12-03 09:10")
    booking_flows.makeup_book(
        profile=children["M3"], schedule_id=s["J"].pk, original_booking_id=left["M3"].pk, use_compensation=True
    )  # 30 minutes longer: use 30
    clock("2026-12-03 09:20")
    makeup_services.makeup_cancel(makeup_id=studio.makeups["M3"])  # restore 30
    clock("2026-12-03 09:30")
    booking_flows.makeup_book(
        profile=children["M3"], schedule_id=s["J"].pk, original_booking_id=left["M3"].pk, use_compensation=True
    )  # use 30 again
    clock("2026-12-03 09:50")
    join("P4", s["C"])
    clock("2026-12-03 10:00")
    booking_flows.booking_cancel(booking_id=seat_of(s["C"]))  # offer 3, broadcast to P4
    clock("2026-12-03 10:01")
    respond("P4", "decline")
    clock("2026-12-03 10:20")
    waitlist_services.waitlist_offers_sweep()  # nobody left to reserve: offer 3 lapses
    clock("2026-12-03 11:00")
    join("P8", s["D"])
    join("P9", s["E"])
    join("P10", s["F"])
    CourseSchedule.objects.filter(pk=s["F"].pk).update(status=CourseSchedule.Status.CANCELLED)
    # F's cancellation told its three families (RULES §14): none had a WeChat grant, so it went by
    # SMS, two of which Tencent took and one it refused (a number on its blacklist).
    for sms_status, sms_error in (("sent", ""), ("sent", ""), ("failed", "FailedOperation.PhoneNumberInBlacklist")):
        row = notification_services.notification_create(
            user_id=ProfileFactory().owner_id, template="session_cancelled", payload=CANCELLED_F
        )
        Notification.objects.filter(pk=row.pk).update(
            wechat_status="skipped_no_subscription", sms_status=sms_status, sms_error=sms_error
        )
    clock("2026-12-03 13:02")
    waitlist_services.waitlist_cutoff_close()  # B's cutoff was 13:00: P5 closed 2 minutes after, on time
    clock("2026-12-03 17:00")
    makeup_services.makeup_complete()  # J ended at 16:30: M3's make-up is completed

    # --- after the range (Friday 4 December, 07:00 in Shanghai is still 3 December in UTC) ---------
    clock("2026-12-04 07:00")
    join("P7", s["D"])  # D's queue: P0, P8, P7 = its capacity of 3
    clock("2026-12-04 07:30")
    booking_flows.booking_cancel(booking_id=seat_of(s["D"]))  # offer 4, broadcast to P0, P8, P7

    # Delivery outcomes, by template (service rows are all pending: nothing was sent in the test).
    outcomes = {
        "waitlist_seat_available": "sent",
        "waitlist_booked": "sent",
        "makeup_booked": "failed",
        "waitlist_offer_taken": "in_app_only",
        "waitlist_closed": "skipped_no_subscription",
    }
    for template, status in outcomes.items():
        Notification.objects.filter(template=template).update(wechat_status=status)
    # One more cancellation's SMS waits outside the range (a row on 4 December).
    row = notification_services.notification_create(
        user_id=ProfileFactory().owner_id, template="session_cancelled", payload=CANCELLED_F
    )
    Notification.objects.filter(pk=row.pk).update(wechat_status="skipped_no_subscription", sms_status="pending")
    clock("2026-12-04 12:00")
    return studio
