"""A lock-order defect the race rounds found (tests/races/rounds.py counts the deadlocks it causes).

Booking a make-up locks the session, then the child's profile (makeup_book → makeup_settle), then —
to end the make-up's other waiting entries — every *other* class the make-up waits in
(waitlist_entries_end_for_makeup → schedule_lock_or_404). That is schedule → profile → schedule, against the
order accounts/locks.py and docs/decisions.md give (schedule, then profile). A seat freed in that other class at
the same moment holds that class and then writes the child's seat-available notification, whose
foreign key takes a shared lock on the same profile row: MariaDB sees a cycle and kills one of them
(1213). retry_on_deadlock absorbs it today (no invariant broke in 1,000 rounds, no 503), but every such
collision is a rolled-back transaction, and a busy class can exhaust the four attempts.

It failed (a real 1213 deadlock) until the make-up's other waitlist entries were ended after commit.
"""

import logging
import threading
import time
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from compensation.models import ClassCreditCompensation
from courses import services as course_services
from courses.locks import schedule_lock
from courses.models import Booking
from flows import booking as booking_flows
from flows import offers
from makeup import services as makeup_services
from makeup.models import MakeupBooking
from tests.factories import BookingFactory, CourseFactory, CourseTypeFactory, ProfileFactory, ScheduleFactory
from waitlist import services as waitlist_services

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]


def lock_waits_of(thread_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM information_schema.INNODB_TRX "
            "WHERE trx_mysql_thread_id = %s AND trx_state = 'LOCK WAIT'",
            [thread_id],
        )
        waits = cursor.fetchone()[0]
        if not waits:
            # On a loaded machine MariaDB may wait for the row inside the optimizer's read of a
            # const row (state 'Statistics'), with the transaction shown RUNNING: a locking read
            # that has not returned for a second is waiting too.
            cursor.execute(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                "WHERE ID = %s AND INFO LIKE %s AND TIME_MS >= 1000",
                [thread_id, "%FOR UPDATE%"],
            )
            waits = cursor.fetchone()[0]
        return waits


def test_a_seat_freed_in_a_class_while_the_child_books_its_makeup_elsewhere_does_not_deadlock(caplog):
    kind = CourseTypeFactory(code="regular")
    short, long = (CourseFactory(course_type=kind, level=2, duration_minutes=m) for m in (60, 90))
    child = ProfileFactory(level=2)
    start = timezone.now() + timedelta(days=3)
    original = booking_flows.booking_create(
        profile=child, schedule_id=ScheduleFactory(course=short, starts_at=start).pk
    )
    booking_flows.booking_leave(booking_id=original.pk)
    makeup = MakeupBooking.objects.get(original_booking=original)
    ClassCreditCompensation.objects.create(
        profile=child, minutes=60, remaining=60, source="adjustment", expires_at=timezone.now() + timedelta(days=14)
    )
    waited_in = ScheduleFactory(
        course=long, starts_at=start + timedelta(days=1), capacity=1
    )  # full: the child waits there
    seat = BookingFactory(schedule=waited_in)
    offers.waitlist_join(profile=child, schedule_id=waited_in.pk, makeup_id=makeup.pk, use_compensation=True)
    elsewhere = ScheduleFactory(course=long, starts_at=start + timedelta(days=2), capacity=2)  # where it books instead

    booker: dict = {}

    def book_elsewhere():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT CONNECTION_ID()")
                booker["thread_id"] = cursor.fetchone()[0]
            booker["result"] = booking_flows.makeup_book(
                profile=child, schedule_id=elsewhere.pk, original_booking_id=original.pk, use_compensation=True
            )
        except Exception as exc:  # asserted on below
            booker["result"] = exc
        finally:
            connection.close()

    deadlocks = []
    with caplog.at_level(logging.WARNING, logger="core.db"):
        thread = threading.Thread(target=book_elsewhere)
        try:
            # booking_cancel in the class the child waits in, with a pause between its two steps:
            with transaction.atomic():
                locked = schedule_lock(schedule_id=waited_in.pk)  # 1. the class's lock
                thread.start()
                deadline = time.monotonic() + 60  # a loaded machine (CI on 2 cores) may take its time
                while not (booker.get("thread_id") and lock_waits_of(booker["thread_id"])):
                    assert time.monotonic() < deadline, f"the make-up booking never waited for the class: {booker}"
                    time.sleep(0.05)
                # 2. the seat is freed: an offer, and the waiting child's notification (FK → its profile)
                course_services.booking_release(
                    booking=Booking.objects.select_for_update().get(pk=seat.pk),
                    status=Booking.Status.CANCELLED,
                    now=timezone.now(),
                )
                waitlist_services.waitlist_seat_released(schedule=locked, reason="cancel", now=timezone.now())
        except OperationalError as exc:
            deadlocks.append(f"the cancel: {exc.args}")
        finally:
            thread.join(timeout=60)
    deadlocks += [record.getMessage() for record in caplog.records if "lock conflict" in record.getMessage()]
    assert isinstance(booker["result"], makeup_services.BookResult), booker["result"]
    assert deadlocks == [], deadlocks
