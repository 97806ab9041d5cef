"""The business gauges of /metrics (RULES §16), read from the database at scrape time: sweeper and
cutoff closer lag, waiting entries and full queues, open offers, open make-ups, heartbeat age, failed
messages of the last hour, the ledger check's violations and age."""

from datetime import timedelta

import pytest
import time_machine
from prometheus_client.parser import text_string_to_metric_families

from compensation.models import LedgerCheck
from core.models import Heartbeat
from makeup.models import MakeupBooking
from notifications.models import Notification
from tests.conftest import at
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory
from waitlist.models import WaitlistEntry, WaitlistFlow, WaitlistOffer

pytestmark = pytest.mark.django_db

NOW = at("2026-12-02 12:30")  # the seed's release time; the cutoff is 6 h before a class


def gauges(client) -> dict:
    """Every business gauge of a scrape from loopback, keyed by name and labels."""
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
        if sample.name.startswith("studio_") and family.type == "gauge" and family.name != "studio_scrape_collector_up"
    }


def wait(schedule, n: int) -> list[WaitlistEntry]:
    return [WaitlistEntry.objects.create(profile=ProfileFactory(), schedule=schedule) for _ in range(n)]


def offer(schedule, *, deadline, phase=WaitlistOffer.Phase.BROADCAST, **fields) -> WaitlistOffer:
    return WaitlistOffer.objects.create(schedule=schedule, deadline=deadline, phase=phase, **fields)


def message(created_at, wechat_status="sent", sms_status="not_needed") -> Notification:
    row = Notification.objects.create(
        user=ProfileFactory().owner, template="waitlist_seat_available", title="候补有名额了", body="…",
        wechat_status=wechat_status, sms_status=sms_status,
    )  # fmt: skip
    Notification.objects.filter(pk=row.pk).update(created_at=created_at)
    return row


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
    message(NOW - timedelta(minutes=5), wechat_status="failed", sms_status="sent")  # WeChat failed
    message(NOW - timedelta(minutes=50), wechat_status="skipped_no_subscription", sms_status="failed")  # SMS failed
    message(NOW - timedelta(minutes=10))  # delivered
    message(NOW - timedelta(minutes=61), wechat_status="failed")  # before the hour
    LedgerCheck.objects.create(checked_at=NOW - timedelta(minutes=7), credits_checked=40, violations=2)
    LedgerCheck.objects.create(checked_at=NOW - timedelta(minutes=17), credits_checked=40, violations=5)

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
        ("studio_notifications_failed_last_hour", ()): 2.0,
        ("studio_compensation_ledger_violations", ()): 2.0,  # the latest check
        ("studio_compensation_ledger_check_age_seconds", ()): 420.0,
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
    assert values[("studio_notifications_failed_last_hour", ())] == 0.0
    assert values[("studio_compensation_ledger_violations", ())] == 0.0
    assert values[("studio_compensation_ledger_check_age_seconds", ())] == float("inf")


@pytest.mark.parametrize(("age", "counted"), [(timedelta(hours=1), 1.0), (timedelta(hours=1, seconds=1), 0.0)])
def test_a_failed_message_counts_for_one_hour_to_the_second(client, age, counted):
    message(NOW - age, wechat_status="failed")
    with time_machine.travel(NOW, tick=False):
        assert gauges(client)[("studio_notifications_failed_last_hour", ())] == counted


def test_a_failing_read_leaves_the_rest_of_the_page(client, monkeypatch):
    from django.db import OperationalError

    def down(**kwargs):
        raise OperationalError("MySQL server has gone away")

    monkeypatch.setattr("backoffice.monitoring.monitoring_conditions", down)
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    families = {family.name: family for family in text_string_to_metric_families(response.content.decode())}
    assert families["studio_scrape_collector_up"].samples[0].labels == {"collector": "BusinessGauges"}
    assert families["studio_scrape_collector_up"].samples[0].value == 0
    assert "studio_waitlist_entries_waiting" not in families
    assert "django_http_requests_latency_seconds_by_view_method" in families


@pytest.mark.parametrize(("after_grace", "lag"), [(timedelta(0), 0.0), (timedelta(seconds=1), 1.0)])
def test_an_offer_a_flow_kept_open_is_late_only_from_its_grace_end(client, after_grace, lag):
    """RULES §5.1: a flow started 1 minute before the 12:30 deadline keeps the offer until 12:34; the
    sweeper is late from then, not from the deadline (one second after: 1 s, not 4 min 1 s)."""
    evening = ScheduleFactory(starts_at=at("2026-12-02 19:00"))
    (entry,) = wait(evening, 1)
    seat = offer(evening, deadline=NOW)
    WaitlistFlow.objects.create(entry=entry, offer=seat, round=seat.round, started_at=NOW - timedelta(minutes=1))
    with time_machine.travel(NOW + timedelta(minutes=4) + after_grace, tick=False):
        assert gauges(client)[("studio_waitlist_offer_overdue_seconds", ())] == lag


@pytest.mark.parametrize(("after_grace", "lag"), [(timedelta(0), 0.0), (timedelta(seconds=1), 1.0)])
def test_an_entry_a_flow_kept_past_the_cutoff_is_late_only_from_its_grace_end(client, after_grace, lag):
    """RULES §5.2: the 18:30 class's cutoff is 12:30; a flow started at 12:29 keeps its entry until
    12:34, and the cutoff closer is late from then."""
    evening = ScheduleFactory(starts_at=at("2026-12-02 18:30"))
    (entry,) = wait(evening, 1)
    seat = offer(evening, deadline=NOW)
    WaitlistFlow.objects.create(entry=entry, offer=seat, round=seat.round, started_at=NOW - timedelta(minutes=1))
    with time_machine.travel(NOW + timedelta(minutes=4) + after_grace, tick=False):
        values = gauges(client)
    assert values[("studio_waitlist_cutoff_overdue_seconds", ())] == lag
    assert values[("studio_waitlist_offer_overdue_seconds", ())] == lag  # its offer closed at 12:34 too
