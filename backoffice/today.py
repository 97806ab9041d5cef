"""今日课程: the admin's first page, so the front desk starts where the work is (issue 14). Today's
classes in start order, each with its seats, its waitlist and its open offers with their deadlines,
in three queries."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from backoffice.dashboard import day_start
from courses.models import CourseSchedule
from waitlist import selectors as waitlist_selectors
from waitlist.models import WaitlistOffer


@dataclass(frozen=True)
class TodayClass:
    schedule: CourseSchedule
    booked: int
    free: int
    waiting: int
    offers: list[WaitlistOffer]  # open, soonest deadline first


def classes_today(*, now: datetime) -> list[TodayClass]:
    start = day_start(timezone.localdate(now))
    schedules = list(
        waitlist_selectors.schedules_with_details(
            queryset=CourseSchedule.objects.filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=1)),
            profile=None,
        ).order_by("starts_at", "id")
    )
    open_offers: dict[int, list[WaitlistOffer]] = {}
    for offer in (
        WaitlistOffer.objects.filter(schedule__in=schedules, status=WaitlistOffer.Status.OPEN)
        .select_related("reserved_for__profile")
        .order_by("deadline", "id")
    ):
        open_offers.setdefault(offer.schedule_id, []).append(offer)
    return [
        TodayClass(
            schedule=schedule,
            booked=schedule.booked_count,
            free=max(schedule.available, 0),
            waiting=schedule.waitlist_count,
            offers=open_offers.get(schedule.pk, []),
        )
        for schedule in schedules
    ]
