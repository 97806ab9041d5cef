"""Reads for the operators' dashboard (运营看板): waitlist, make-up, compensation and notification
figures over a range of Asia/Shanghai days, every figure an SQL aggregate.

A figure belongs to the range when its own timestamp falls in [date_from 00:00, date_to + 1 00:00)
Shanghai time: joins by `joined_at`, endings by `ended_at`, offers by `released_at`, make-ups,
credits and notifications by `created_at`, ledger rows by their `created_at`. Rates are cohort rates:
the conversion of the entries that joined in the range counts them as booked even if the booking
came after the range ended (it is read now).

A fixed number of queries whatever the data: one aggregate per table, one grouped count per series,
and the claimed offers' durations (bounded by the claims in the range) for the median.
"""

import statistics
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate

from compensation.models import ClassCreditCompensation, CompensationUsage
from courses.models import CourseSchedule
from makeup.models import MakeupBooking
from notifications.models import Notification
from waitlist.models import WaitlistEntry, WaitlistOffer
from waitlist.selectors import schedules_with_details

STUDIO_TZ = ZoneInfo("Asia/Shanghai")
# A waitlist closed this long after its cutoff counts as closed late (the cutoff job runs every minute).
CLOSED_LATE_AFTER = timedelta(minutes=2)


def day_start(day: date) -> datetime:
    """Midnight of a Shanghai day, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=STUDIO_TZ)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _minutes(total: object) -> int:
    # MySQL's SUM over integers answers DECIMAL, and NULL over no rows.
    return int(total or 0)


def _waitlist_entries(start: datetime, end: datetime) -> dict:
    joined = Q(joined_at__gte=start, joined_at__lt=end)
    ended = Q(ended_at__gte=start, ended_at__lt=end)
    closed = Q(status=WaitlistEntry.Status.CLOSED, ended_at__gte=start, ended_at__lt=end)
    auto_booked = ended & Q(status=WaitlistEntry.Status.BOOKED, end_reason="auto_accept")  # RULES §12
    conflict_ended = ended & Q(status=WaitlistEntry.Status.CANCELLED, end_reason="time_conflict")  # RULES §13
    cutoff_late = F("schedule__starts_at") - (settings.WAITLIST_CUTOFF - CLOSED_LATE_AFTER)
    return WaitlistEntry.objects.filter(joined | ended).aggregate(
        joined=Count("pk", filter=joined),
        auto_booked=Count("pk", filter=auto_booked),
        conflict_ended=Count("pk", filter=conflict_ended),
        booked=Count("pk", filter=joined & Q(status=WaitlistEntry.Status.BOOKED)),
        closed=Count("pk", filter=closed),
        closed_late=Count("pk", filter=closed & Q(ended_at__gt=cutoff_late)),
    )


def _offers(start: datetime, end: datetime) -> tuple[dict, float | None]:
    released = WaitlistOffer.objects.filter(released_at__gte=start, released_at__lt=end)
    counts = released.aggregate(
        opened=Count("pk"),
        claimed=Count("pk", filter=Q(status=WaitlistOffer.Status.CLAIMED)),
        lapsed=Count("pk", filter=Q(status=WaitlistOffer.Status.LAPSED)),
    )
    waits = list(
        released.filter(status=WaitlistOffer.Status.CLAIMED, closed_at__isnull=False)
        .annotate(wait=ExpressionWrapper(F("closed_at") - F("released_at"), output_field=DurationField()))
        .values_list("wait", flat=True)
    )
    median = round(statistics.median(wait.total_seconds() for wait in waits) / 60, 1) if waits else None
    return counts, median


def _makeups(start: datetime, end: datetime) -> dict:
    used = [MakeupBooking.Status.BOOKED, MakeupBooking.Status.COMPLETED]
    return MakeupBooking.objects.filter(
        original_booking__isnull=False, created_at__gte=start, created_at__lt=end
    ).aggregate(
        owed=Count("pk"),
        used=Count("pk", filter=Q(status__in=used)),
    )


def _compensation(start: datetime, end: datetime) -> dict:
    granted = ClassCreditCompensation.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        minutes=Sum("minutes")
    )["minutes"]
    ledger = CompensationUsage.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        used=Sum("minutes", filter=Q(kind=CompensationUsage.Kind.USE)),
        restored=Sum("minutes", filter=Q(kind=CompensationUsage.Kind.RESTORE)),
        expired=Sum("minutes", filter=Q(kind=CompensationUsage.Kind.EXPIRE)),
        revoked=Sum("minutes", filter=Q(kind=CompensationUsage.Kind.REVOKE)),
    )
    return {
        "granted": _minutes(granted),
        "spent": _minutes(ledger["used"]) - _minutes(ledger["restored"]),
        "expired": _minutes(ledger["expired"]),
        "revoked": _minutes(ledger["revoked"]),  # taken back when a shorter make-up that earned them is cancelled
    }


def _notifications(start: datetime, end: datetime, channel: str) -> dict[str, int]:
    """Rows by their WeChat status (channel "wechat_status") or SMS status ("sms_status"); rows
    that never needed an SMS are not counted as SMS."""
    rows = Notification.objects.filter(created_at__gte=start, created_at__lt=end)
    if channel == "sms_status":
        rows = rows.exclude(sms_status=Notification.SmsStatus.NOT_NEEDED)
    return dict(rows.order_by().values_list(channel).annotate(n=Count("pk")))


def schedules_queue_full_count(*, now: datetime) -> int:
    """Open classes not yet started whose waitlist is at or above its capacity (the dashboard and /metrics)."""
    upcoming = CourseSchedule.objects.filter(status=CourseSchedule.Status.OPEN, starts_at__gt=now)
    return (
        schedules_with_details(queryset=upcoming, profile=None)
        .filter(waitlist_count__gte=F("effective_waitlist_capacity"))
        .count()
    )


def _per_day(queryset, field: str) -> dict[date, int]:
    rows = (
        queryset.order_by()
        .annotate(day=TruncDate(field, tzinfo=STUDIO_TZ))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    return dict(rows)


def _series(start: datetime, end: datetime, days: list[date]) -> list[dict]:
    joined = _per_day(WaitlistEntry.objects.filter(joined_at__gte=start, joined_at__lt=end), "joined_at")
    booked = _per_day(
        WaitlistEntry.objects.filter(status=WaitlistEntry.Status.BOOKED, ended_at__gte=start, ended_at__lt=end),
        "ended_at",
    )
    offers = _per_day(WaitlistOffer.objects.filter(released_at__gte=start, released_at__lt=end), "released_at")
    return [
        {"day": day, "joined": joined.get(day, 0), "booked": booked.get(day, 0), "offers": offers.get(day, 0)}
        for day in days
    ]


def dashboard_figures(*, date_from: date, date_to: date, now: datetime) -> dict:
    """Every figure of the dashboard for the Shanghai days date_from..date_to (inclusive); `now`
    decides which queues are full at this moment."""
    start, end = day_start(date_from), day_start(date_to + timedelta(days=1))
    days = [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    entries = _waitlist_entries(start, end)
    offers, median = _offers(start, end)
    makeups = _makeups(start, end)
    compensation = _compensation(start, end)
    by_status = _notifications(start, end, "wechat_status")
    sent, failed = by_status.get(Notification.WeChatStatus.SENT, 0), by_status.get(Notification.WeChatStatus.FAILED, 0)
    sms_by_status = _notifications(start, end, "sms_status")
    sms_sent = sms_by_status.get(Notification.SmsStatus.SENT, 0)
    sms_failed = sms_by_status.get(Notification.SmsStatus.FAILED, 0)
    return {
        "date_from": date_from,
        "date_to": date_to,
        "waitlist_joined": entries["joined"],
        "waitlist_booked": entries["booked"],
        "waitlist_conversion_rate": _rate(entries["booked"], entries["joined"]),
        "claim_median_minutes": median,
        "offers_opened": offers["opened"],
        "offers_claimed": offers["claimed"],
        "offers_lapsed": offers["lapsed"],
        "makeups_owed": makeups["owed"],
        "makeups_used": makeups["used"],
        "makeup_usage_rate": _rate(makeups["used"], makeups["owed"]),
        "compensation_minutes_granted": compensation["granted"],
        "compensation_minutes_spent": compensation["spent"],
        "compensation_minutes_expired": compensation["expired"],
        "compensation_minutes_revoked": compensation["revoked"],
        "notifications_total": sum(by_status.values()),
        "notifications_by_status": by_status,
        "notification_delivery_rate": _rate(sent, sent + failed),
        "sms_total": sum(sms_by_status.values()),
        "sms_by_status": sms_by_status,
        "sms_delivery_rate": _rate(sms_sent, sms_sent + sms_failed),
        "entries_auto_booked": entries["auto_booked"],
        "entries_conflict_ended": entries["conflict_ended"],
        "entries_closed": entries["closed"],
        "entries_closed_late": entries["closed_late"],
        "queues_full_now": schedules_queue_full_count(now=now),
        "series": _series(start, end, days),
    }
