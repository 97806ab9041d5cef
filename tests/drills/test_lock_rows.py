"""The deadlock CI met (docs/decisions.md, "Rows are locked by their id only"): a locking read of one
class's open offers, run on the `(status, deadline)` index, locks every open offer it scans, so it
waits for another class's offer that a claim holds. `core.db.lock_rows` finds the rows by a plain
read and locks them by id: it never touches the other class's row."""

import threading
from datetime import timedelta

import MySQLdb
import pytest
from django.db import connection, transaction
from django.utils import timezone

from core.db import lock_rows
from flows import booking as booking_flows
from flows import offers
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory
from waitlist.models import WaitlistOffer

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]


def class_with_an_open_offer(starts_at):
    schedule = ScheduleFactory(capacity=1, starts_at=starts_at)
    seat = BookingFactory(schedule=schedule)
    offers.waitlist_join(profile=ProfileFactory(), schedule_id=schedule.pk)
    booking_flows.booking_cancel(booking_id=seat.pk)
    return schedule, WaitlistOffer.objects.get(schedule=schedule, status="open")


def test_a_class_s_open_offers_are_locked_without_waiting_for_another_class_s_offer():
    mine, my_offer = class_with_an_open_offer(timezone.now() + timedelta(days=2))
    _, busy_offer = class_with_an_open_offer(timezone.now() + timedelta(days=3))
    held, release = threading.Event(), threading.Event()

    def claim_in_progress():  # another transaction holds the other class's offer, as a claim does
        try:
            with transaction.atomic():
                lock_rows(WaitlistOffer.objects.filter(pk=busy_offer.pk))
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=claim_in_progress)
    thread.start()
    try:
        assert held.wait(10)
        raw = connection.cursor().connection.cursor()  # the driver's own cursor: the suite's check is bypassed
        raw.execute("SET SESSION innodb_lock_wait_timeout = 1")
        with transaction.atomic():
            # The shape that deadlocked: the same query on the index the optimizer may choose.
            with pytest.raises(MySQLdb.OperationalError) as waited:
                raw.execute(
                    "SELECT id FROM waitlist_waitlistoffer FORCE INDEX (waitlist_offer_status_deadline)"
                    " WHERE schedule_id = %s AND status = 'open' FOR UPDATE",
                    [mine.pk],
                )
            assert waited.value.args[0] == 1205  # it waited for the other class's row
        with transaction.atomic():
            locked = lock_rows(WaitlistOffer.objects.filter(schedule=mine, status="open").order_by("pk"))
            assert [offer.pk for offer in locked] == [my_offer.pk]  # at once, only this class's row
    finally:
        release.set()
        thread.join(10)
