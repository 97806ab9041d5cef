"""Operators: the waitlist as plain-text tables (运维工具).

    manage.py waitlist_status                  today's and tomorrow's full classes, open offers, stuck notifications
    manage.py waitlist_status <schedule_id>    one class: seats, queue, offers, active flows

Reads only, through the selectors, and shows the rows as stored: a hand-over that is due but that
no sweep or request has applied yet still shows its offer `open` — compare the deadline with `now`.
"""

import argparse
import unicodedata
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, F, Q
from django.utils import timezone

from core.fields import MAX_ID
from courses.models import CourseSchedule
from notifications.selectors import notifications_stuck
from waitlist import selectors
from waitlist.models import WaitlistFlow, WaitlistOffer

SHANGHAI = ZoneInfo("Asia/Shanghai")
RECENT_OFFERS = 10  # closed offers shown after the open ones, newest first


def schedule_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a class (schedule) id, a positive integer; got {text!r}") from None
    if not 1 <= value <= MAX_ID:
        raise argparse.ArgumentTypeError(f"expected a class (schedule) id from 1 to {MAX_ID}; got {text!r}")
    return value


def local(moment) -> str:
    return "-" if moment is None else f"{moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}"


def _ago(delta: timedelta) -> str:
    """45s, 1m00s, 10h11m."""
    seconds = int(delta.total_seconds())
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters (children's names) take two columns."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(headers: list[str], rows: list[list]) -> str:
    """Columns separated by ` | `; an empty cell shows `-` so every column stays readable."""
    cells = [[("-" if value in (None, "") else str(value)) for value in row] for row in rows]
    widths = [max(_width(text) for text in column) for column in zip(headers, *cells, strict=False)]
    lines = [
        " | ".join(_pad(text, width) for text, width in zip(headers, widths, strict=True)).rstrip(),
        "-+-".join("-" * width for width in widths),
    ]
    lines += [" | ".join(_pad(text, width) for text, width in zip(row, widths, strict=True)).rstrip() for row in cells]
    if not cells:
        lines.append("(none)")
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Without an argument: today's and tomorrow's full classes with their waiting counts, open offers "
        "and their deadlines, and stuck notifications. With a class id: its seats, its waitlist queue in "
        "position order, its offers and active booking flows."
    )

    def add_arguments(self, parser):
        parser.add_argument("schedule_id", type=schedule_id, nargs="?", help="a class (CourseSchedule) id")

    def handle(self, *args, **options):
        pk = options["schedule_id"]
        if pk is None:
            self._overview(timezone.now())
            return
        schedule = (
            selectors.schedules_with_seats(queryset=CourseSchedule.objects.filter(pk=pk))
            .select_related("course__course_type")
            .first()
        )
        if schedule is None:
            raise CommandError(f"Class (schedule) {pk} does not exist.")
        now = timezone.now()
        self._class(schedule, now)
        self._queue(schedule)
        self._offers(schedule)
        self._flows(schedule)

    # --- the overview -------------------------------------------------------------------------

    def _overview(self, now) -> None:
        today = now.astimezone(SHANGHAI).date()
        start = datetime.combine(today, time.min, tzinfo=SHANGHAI)
        self.stdout.write(f"Waitlist overview at {local(now)} (Asia/Shanghai)")
        self._full_classes(start, start + timedelta(days=2))
        self._open_offers(now)
        self._stuck(now)
        self.stdout.write("")
        self.stdout.write("One class in detail: manage.py waitlist_status <schedule_id>")

    def _full_classes(self, start, end) -> None:
        schedules = (
            selectors.schedules_with_seats(
                queryset=CourseSchedule.objects.filter(
                    starts_at__gte=start, starts_at__lt=end, status=CourseSchedule.Status.OPEN
                )
            )
            .annotate(
                waiting=F("waiting_count"),
                waitlist_capacity_now=selectors.waitlist_capacity_expression(),
            )
            .filter(available__lte=0)
            .select_related("course")
            .order_by("starts_at", "id")
        )
        rows = [
            [
                schedule.pk,
                local(schedule.starts_at),
                schedule.course.name,
                schedule.capacity,
                schedule.booked_count,
                schedule.held_count,
                f"{schedule.waiting}/{schedule.waitlist_capacity_now}",
            ]
            for schedule in schedules
        ]
        self._section(
            f"Full classes today and tomorrow ({len(rows)})",
            table(["class", "starts_at", "course", "capacity", "booked", "held", "waiting"], rows),
        )

    def _open_offers(self, now) -> None:
        offers = (
            WaitlistOffer.objects.filter(status=WaitlistOffer.Status.OPEN)
            .select_related("schedule__course")
            .annotate(active_flows=Count("flows", filter=Q(flows__status__in=selectors.PROTECTING_STATUSES)))
            .order_by("deadline", "id")
        )
        rows = [
            [
                offer.pk,
                offer.schedule_id,
                offer.schedule.course.name,
                offer.phase,
                local(offer.deadline),
                "overdue " + _ago(now - offer.deadline)
                if offer.deadline <= now
                else "in " + _ago(offer.deadline - now),
                offer.reserved_for_id,
                offer.active_flows,
            ]
            for offer in offers
        ]
        self._section(
            f"Open offers ({len(rows)}, soonest deadline first; an overdue one waits for the sweeper)",
            table(["offer", "class", "course", "phase", "deadline", "when", "reserved_for", "active flows"], rows),
        )

    def _stuck(self, now) -> None:
        stuck = notifications_stuck(now=now)
        counts = ", ".join(f"{kind} {n}" for kind, n in stuck["counts"].items())
        rows = [
            [row.pk, row.template, row.wechat_status, row.sms_status, local(row.created_at), row.user_id]
            for row in stuck["oldest"]
        ]
        self._section(
            f"Stuck notifications ({counts}; the resender re-enqueues them every minute)",
            table(["notification", "template", "wechat", "sms", "created_at", "parent"], rows),
        )

    # --- one class ------------------------------------------------------------------------------

    def _section(self, title: str, body: str) -> None:
        self.stdout.write("")
        self.stdout.write(title)
        self.stdout.write(body)

    def _class(self, schedule: CourseSchedule, now) -> None:
        available = schedule.available
        seats = str(max(0, available)) + (f" (capacity - booked - held = {available})" if available < 0 else "")
        rows = [
            ["course", schedule.course.name],
            ["starts_at", f"{local(schedule.starts_at)} (Asia/Shanghai)"],
            ["status", schedule.status],
            ["capacity", schedule.capacity],
            ["booked", schedule.booked_count],
            ["held for the waitlist", schedule.held_count],
            ["available", seats],
            [
                "waitlist",
                f"{selectors.waitlist_waiting_count(schedule_id=schedule.pk)}/{selectors.waitlist_capacity(schedule=schedule)}",
            ],
            ["cutoff", local(selectors.waitlist_cutoff(schedule=schedule))],
            ["waitlist open", "yes" if selectors.waitlist_is_open(schedule=schedule, now=now) else "no"],
            ["now", local(now)],
        ]
        self._section(f"Class #{schedule.pk}", table(["field", "value"], rows))

    def _queue(self, schedule: CourseSchedule) -> None:
        entries = selectors.waitlist_entries_with_positions(
            queryset=selectors.waitlist_queue(schedule_id=schedule.pk)
        ).select_related("profile")
        rows = [
            [
                entry.ahead + 1,
                entry.pk,
                entry.profile.name,
                entry.status,
                local(entry.joined_at),
                entry.priority,
                entry.priority_reason,
            ]
            for entry in entries
        ]
        self._section(
            f"Queue ({len(rows)} waiting, in position order)",
            table(["position", "entry", "child", "status", "joined_at", "priority", "priority_reason"], rows),
        )

    def _offers(self, schedule: CourseSchedule) -> None:
        offers = WaitlistOffer.objects.filter(schedule=schedule)
        shown = [
            *offers.filter(status=WaitlistOffer.Status.OPEN).order_by("released_at", "id"),
            *offers.exclude(status=WaitlistOffer.Status.OPEN).order_by("-released_at", "-id")[:RECENT_OFFERS],
        ]
        rows = [
            [
                offer.pk,
                offer.reason,
                offer.phase,
                offer.status,
                local(offer.released_at),
                local(offer.deadline),
                offer.reserved_for_id,
                offer.claimed_by_id,
                offer.round,
            ]
            for offer in shown
        ]
        self._section(
            f"Offers (open, then the last {RECENT_OFFERS} closed)",
            table(
                [
                    "offer",
                    "reason",
                    "phase",
                    "status",
                    "released_at",
                    "deadline",
                    "reserved_for",
                    "claimed_by",
                    "round",
                ],
                rows,
            ),
        )

    def _flows(self, schedule: CourseSchedule) -> None:
        flows = WaitlistFlow.objects.filter(
            offer__schedule=schedule, offer__status=WaitlistOffer.Status.OPEN, status__in=selectors.PROTECTING_STATUSES
        ).order_by("started_at", "id")
        rows = [
            [
                flow.pk,
                flow.entry_id,
                flow.offer_id,
                flow.round,
                local(flow.started_at),
                local(selectors.waitlist_flow_grace_end(flow=flow)),
                flow.status,
            ]
            for flow in flows
        ]
        self._section(
            "Active flows (on open offers)",
            table(["flow", "entry", "offer", "round", "started_at", "grace_until", "status"], rows),
        )
