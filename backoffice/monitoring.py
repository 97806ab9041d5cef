"""The conditions RULES §16 watches, read now from the database: the business gauges of /metrics
(`BusinessGauges`, registered in `BackofficeConfig.ready()`) and, later, the dashboard's 需要处理 panel.

Every figure is one indexed COUNT or MIN over the rows that are still open (open offers, waiting
entries, pending and booked make-ups, upcoming classes), never over history, so a scrape stays cheap
as the tables grow. What happened (notifications sent, offers claimed, minutes granted) is counted
where it happens, as counters, not here.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from backoffice.dashboard import schedules_queue_full_count
from compensation.selectors import compensation_ledger_last_check
from core.models import Heartbeat
from makeup.models import MakeupBooking
from notifications.selectors import FAILED_WINDOW, notifications_failed_since
from waitlist.models import WaitlistOffer
from waitlist.selectors import waitlist_overdue_since, waitlist_waiting_total

# Make-ups still open; the final statuses are history and would grow without bound.
MAKEUP_OPEN_STATUSES = (MakeupBooking.Status.PENDING, MakeupBooking.Status.BOOKED)


@dataclass(frozen=True)
class MonitoringConditions:
    offer_overdue_seconds: float  # sweeper lag: the oldest open offer past its closing time
    cutoff_overdue_seconds: float  # cutoff closer lag: the oldest waiting entry past its class's cutoff
    entries_waiting: int
    queues_full: int
    offers_open: dict[str, int]  # by phase
    makeups: dict[str, int]  # by open status
    heartbeat_age_seconds: float  # +Inf before the first heartbeat
    notifications_failed_last_hour: int
    ledger_violations: int  # credits breaking the ledger's invariants at the last check
    ledger_credit_ids: tuple[int, ...]  # the first of them
    ledger_check_age_seconds: float  # +Inf before the first check


@dataclass(frozen=True)
class Limits:
    """When a condition needs a person (the 需要处理 panel); deploy/prometheus/alerts.yml alerts on the
    same numbers (a test compares them)."""

    offer_overdue_seconds: float = 60  # sweeper lag
    cutoff_overdue_seconds: float = 120  # cutoff closer lag
    heartbeat_age_seconds: float = 120
    ledger_check_age_seconds: float = 30 * 60  # the check runs every 10 minutes


LIMITS = Limits()


def _age(since: datetime | None, now: datetime) -> float:
    return max((now - since).total_seconds(), 0.0) if since else 0.0


def monitoring_conditions(*, now: datetime) -> MonitoringConditions:
    offer_closed, cutoff_closed = waitlist_overdue_since(now=now)
    offers = WaitlistOffer.objects.filter(status=WaitlistOffer.Status.OPEN).order_by().values_list("phase")
    makeups = MakeupBooking.objects.filter(status__in=MAKEUP_OPEN_STATUSES).order_by().values_list("status")
    seen = Heartbeat.objects.filter(name="worker").values_list("seen_at", flat=True).first()
    check = compensation_ledger_last_check()
    by_phase = dict(offers.annotate(n=Count("pk")))
    by_status = dict(makeups.annotate(n=Count("pk")))
    return MonitoringConditions(
        offer_overdue_seconds=_age(offer_closed, now),
        cutoff_overdue_seconds=_age(cutoff_closed, now),
        entries_waiting=waitlist_waiting_total(),
        queues_full=schedules_queue_full_count(now=now),
        offers_open={phase: by_phase.get(phase, 0) for phase in WaitlistOffer.Phase.values},
        makeups={status: by_status.get(status, 0) for status in MAKEUP_OPEN_STATUSES},
        heartbeat_age_seconds=_age(seen, now) if seen else float("inf"),
        notifications_failed_last_hour=notifications_failed_since(since=now - FAILED_WINDOW).count(),
        ledger_violations=check.violations if check else 0,
        ledger_credit_ids=tuple(check.credit_ids) if check else (),
        ledger_check_age_seconds=_age(check.checked_at, now) if check else float("inf"),
    )


class BusinessGauges:
    """The gauges of `monitoring_conditions`, read at each scrape (core/metrics.py)."""

    def collect(self):
        state = monitoring_conditions(now=timezone.now())
        yield GaugeMetricFamily(
            "studio_waitlist_offer_overdue_seconds",
            "Age of the oldest open offer past its closing time (sweeper lag); 0 when none.",
            value=state.offer_overdue_seconds,
        )
        yield GaugeMetricFamily(
            "studio_waitlist_cutoff_overdue_seconds",
            "Age of the oldest waiting entry past its class's cutoff (cutoff closer lag); 0 when none.",
            value=state.cutoff_overdue_seconds,
        )
        yield GaugeMetricFamily(
            "studio_waitlist_entries_waiting", "Waiting entries in every queue.", value=state.entries_waiting
        )
        yield GaugeMetricFamily(
            "studio_waitlist_queues_full",
            "Open classes not yet started whose waitlist is at or above its capacity.",
            value=state.queues_full,
        )
        offers = GaugeMetricFamily("studio_waitlist_offers_open", "Open offers by phase.", labels=["phase"])
        for phase, count in state.offers_open.items():
            offers.add_metric([phase], count)
        yield offers
        makeups = GaugeMetricFamily("studio_makeups", "Make-ups still open, by status.", labels=["status"])
        for status, count in state.makeups.items():
            makeups.add_metric([status], count)
        yield makeups
        yield GaugeMetricFamily(
            "studio_worker_heartbeat_age_seconds",
            "Seconds since a worker last ran the beat's heartbeat job; +Inf before the first.",
            value=state.heartbeat_age_seconds,
        )
        yield GaugeMetricFamily(
            "studio_notifications_failed_last_hour",
            "Messages of the last hour that WeChat or the SMS fallback failed to deliver for good.",
            value=state.notifications_failed_last_hour,
        )
        yield GaugeMetricFamily(
            "studio_compensation_ledger_violations",
            "Credits breaking the ledger's invariants at the last periodic check.",
            value=state.ledger_violations,
        )
        yield GaugeMetricFamily(
            "studio_compensation_ledger_check_age_seconds",
            "Seconds since the ledger's invariants were last checked; +Inf before the first check.",
            value=state.ledger_check_age_seconds,
        )
