"""The class row's counters (booked seats, open offers, waiting entries) are kept by triggers in the
transaction of every write, whatever made it; `check_counters` finds and fixes a difference; the
daily job reports it. (After every test that used the database, tests/conftest.py also checks them.)"""

import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from courses.models import Booking, CourseSchedule
from flows import booking as booking_flows
from flows import offers
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory
from waitlist.counters import SCHEDULE_COUNTERS, schedule_counters_drift
from waitlist.models import WaitlistEntry, WaitlistOffer
from waitlist.tasks import waitlist_check_counters_task

pytestmark = pytest.mark.django_db


def counters(schedule) -> tuple[int, int, int]:
    return tuple(
        CourseSchedule.objects.filter(pk=schedule.pk).values_list("booked_count", "held_count", "waiting_count").get()
    )


def test_every_trigger_exists():
    """A migration that rebuilds a table on SQLite drops its triggers: this names the ones expected."""
    vendor = connection.vendor
    expected = {sql.split()[2] for counter in SCHEDULE_COUNTERS for sql in counter.create_sql(vendor)}
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = DATABASE()")
        present = {row[0] for row in cursor.fetchall()}
    assert len(expected) == 3 * (3 if vendor == "mysql" else 4)
    assert expected <= present


def test_counters_follow_inserts_updates_and_deletes_of_any_kind():
    schedule = ScheduleFactory(capacity=3, starts_at=timezone.now() + timedelta(days=2))
    other = ScheduleFactory(capacity=3, starts_at=timezone.now() + timedelta(days=3))
    a, b = BookingFactory(schedule=schedule), BookingFactory(schedule=schedule)
    assert counters(schedule) == (2, 0, 0)
    Booking.objects.filter(pk=a.pk).update(status=Booking.Status.ATTENDED, active=None)  # a bulk update
    assert counters(schedule) == (1, 0, 0)
    Booking.objects.filter(pk=a.pk).update(status=Booking.Status.BOOKED, active=True)
    assert counters(schedule) == (2, 0, 0)
    Booking.objects.filter(pk=b.pk).update(schedule=other)  # moved to another class: counted there
    assert counters(schedule) == (1, 0, 0) and counters(other) == (1, 0, 0)
    Booking.objects.filter(pk=b.pk).update(kind=Booking.Kind.MAKEUP)  # other columns: nothing moves
    assert counters(other) == (1, 0, 0)
    Booking.objects.filter(pk=b.pk).delete()
    assert counters(other) == (0, 0, 0)
    BookingFactory(schedule=schedule, status=Booking.Status.CANCELLED, active=None)  # not a seat: not counted
    assert counters(schedule) == (1, 0, 0)


def test_a_stale_instance_or_the_admin_form_never_writes_the_counters():
    schedule = ScheduleFactory(capacity=3, starts_at=timezone.now() + timedelta(days=2))
    BookingFactory(schedule=schedule)
    schedule.coach = "王教练"  # this instance still says booked_count 0
    schedule.save()
    assert counters(schedule) == (1, 0, 0)
    assert CourseSchedule.objects.get(pk=schedule.pk).coach == "王教练"


def test_the_waitlists_writes_move_held_and_waiting():
    schedule = ScheduleFactory(capacity=1, starts_at=timezone.now() + timedelta(days=2))
    seat = BookingFactory(schedule=schedule)
    first, second = ProfileFactory(), ProfileFactory()
    offers.waitlist_join(profile=first, schedule_id=schedule.pk)
    entry = offers.waitlist_join(profile=second, schedule_id=schedule.pk).entry
    assert counters(schedule) == (1, 0, 2)
    booking_flows.booking_cancel(booking_id=seat.pk)  # the seat is held for the waitlist
    assert counters(schedule) == (0, 1, 2)
    assert WaitlistOffer.objects.filter(schedule=schedule, status="open").count() == 1
    offers.waitlist_offer_accept(entry_id=entry.pk)  # a broadcast: the first to accept books it
    assert counters(schedule) == (1, 0, 1)
    assert WaitlistEntry.objects.filter(schedule=schedule, status="waiting").count() == 1


@pytest.mark.counters_may_differ
def test_check_counters_reports_a_difference_and_fixes_it_when_asked(caplog):
    schedule = ScheduleFactory(capacity=3, starts_at=timezone.now() + timedelta(days=2))
    BookingFactory(schedule=schedule)
    CourseSchedule.objects.filter(pk=schedule.pk).update(booked_count=5, waiting_count=2)
    out = StringIO()
    with pytest.raises(CommandError, match="2 class counters differ"):
        call_command("check_counters", stdout=out)
    assert f"class {schedule.pk}: booked_count is 5, counted 1" in out.getvalue()
    assert f"class {schedule.pk}: waiting_count is 2, counted 0" in out.getvalue()
    with caplog.at_level(logging.ERROR, logger="jobs"):
        assert waitlist_check_counters_task() == 2  # the daily job reports, and fixes nothing
    assert f"check_counters: class {schedule.pk} booked_count is 5, counted 1" in caplog.text
    assert counters(schedule) == (5, 0, 2)
    out = StringIO()
    call_command("check_counters", "--fix", stdout=out)
    assert "Recounted; 0 counters differ now." in out.getvalue()
    assert counters(schedule) == (1, 0, 0)
    assert schedule_counters_drift() == []
    out = StringIO()
    call_command("check_counters", stdout=out)
    assert out.getvalue().strip() == "All class counters match their counts."
