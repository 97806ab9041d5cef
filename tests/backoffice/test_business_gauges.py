"""The business gauges of /metrics (RULES §16), read from the database at scrape time: sweeper and
cutoff closer lag, waiting entries and full queues, open offers, open make-ups, heartbeat age."""

from datetime import timedelta

import pytest
import time_machine
from prometheus_client.parser import text_string_to_metric_families

from core.models import Heartbeat
from makeup.models import MakeupBooking
from tests.conftest import at
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory
from waitlist.models import WaitlistEntry, WaitlistOffer

pytestmark = pytest.mark.django_db

NOW = at("2026-12-02 12:30")  # the seed's release time; the cutoff is 6 h before a class


def gauges(client) -> dict:
    """Every sample of a scrape from loopback whose name starts with studio_, keyed by name and labels."""
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
        if sample.name.startswith("studio_")
    }


def wait(schedule, n: int) -> list[WaitlistEntry]:
    return [WaitlistEntry.objects.create(profile=ProfileFactory(), schedule=schedule) for _ in range(n)]


def offer(schedule, *, deadline, phase=WaitlistOffer.Phase.BROADCAST, **fields) -> WaitlistOffer:
    return WaitlistOffer.objects.create(schedule=schedule, deadline=deadline, phase=phase, **fields)


def test_the_gauges_show_the_open_rows_now(client):
    # Wednesday 19:00: full (1 seat), its queue at its capacity of 2; three offers open, two overdue.
    wednesday = ScheduleFactory(starts_at=at("2026-12-02 19:00"), capacity=1, waitlist_capacity=2)
    BookingFactory(schedule=wednesday)
    first, _ = wait(wednesday, 2)
    offer(wednesday, deadline=NOW - timedelta(seconds=60))
    offer(wednesday, deadline=NOW - timedelta(minutes=10), phase=WaitlistOffer.Phase.RESERVED, reserved_for=first)
    offer(wednesday, deadline=NOW + timedelta(minutes=15))
    offer(wednesday, deadline=NOW - timedelta(hours=1), status=WaitlistOffer.Status.CLAIMED)  # closed: not lag
    # 18:00 the same day: its cutoff (12:00) passed 30 minutes ago and one entry still waits.
    evening = ScheduleFactory(starts_at=at("2026-12-02 18:00"))
    wait(evening, 1)
    # Yesterday's class: history only.
    yesterday = ScheduleFactory(starts_at=at("2026-12-01 19:00"))
    WaitlistEntry.objects.create(
        profile=ProfileFactory(), schedule=yesterday, status=WaitlistEntry.Status.CLOSED, active=None
    )
    for status, n in [("pending", 2), ("booked", 1), ("completed", 3), ("cancelled", 1)]:
        for _ in range(n):
            MakeupBooking.objects.create(profile=ProfileFactory(), status=status)
    Heartbeat.objects.create(name="worker", seen_at=NOW - timedelta(seconds=30))

    with time_machine.travel(NOW, tick=False):
        values = gauges(client)

    assert values == {
        ("studio_waitlist_offer_overdue_seconds", ()): 600.0,  # the reserved offer, 10 minutes late
        ("studio_waitlist_cutoff_overdue_seconds", ()): 1800.0,
        ("studio_waitlist_entries_waiting", ()): 3.0,
        ("studio_waitlist_queues_full", ()): 1.0,
        ("studio_waitlist_offers_open", (("phase", "broadcast"),)): 2.0,
        ("studio_waitlist_offers_open", (("phase", "reserved"),)): 1.0,
        ("studio_makeups", (("status", "pending"),)): 2.0,
        ("studio_makeups", (("status", "booked"),)): 1.0,
        ("studio_worker_heartbeat_age_seconds", ()): 30.0,
    }


def test_the_gauges_follow_the_clock(client):
    """The same rows an hour later: both lags grow, the 18:00 class's queue is still unclosed."""
    evening = ScheduleFactory(starts_at=at("2026-12-02 18:00"))
    wait(evening, 1)
    offer(evening, deadline=NOW)
    Heartbeat.objects.create(name="worker", seen_at=NOW)

    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        values = gauges(client)

    assert values[("studio_waitlist_offer_overdue_seconds", ())] == 3600.0
    assert values[("studio_waitlist_cutoff_overdue_seconds", ())] == 5400.0
    assert values[("studio_worker_heartbeat_age_seconds", ())] == 3600.0


def test_a_quiet_studio_has_no_lag_and_no_heartbeat_yet(client):
    ScheduleFactory(starts_at=at("2026-12-02 19:00"))
    with time_machine.travel(NOW, tick=False):
        values = gauges(client)
    assert values[("studio_waitlist_offer_overdue_seconds", ())] == 0.0
    assert values[("studio_waitlist_cutoff_overdue_seconds", ())] == 0.0
    assert values[("studio_waitlist_entries_waiting", ())] == 0.0
    assert values[("studio_waitlist_queues_full", ())] == 0.0
    assert values[("studio_worker_heartbeat_age_seconds", ())] == float("inf")  # the alert fires until one runs
