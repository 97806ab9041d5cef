"""Quiet hours (RULES §5.4, §14): the nightly interval, in Asia/Shanghai, that response windows skip
and seat-offer SMS wait out. `WAITLIST_QUIET_HOURS` = ("22:00", "08:00") by default; None disables.
The interval is [start, end): 22:00:00 is quiet, 08:00:00 is awake."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone


def parse_clock(text: str) -> time:
    hours, minutes = text.strip().split(":")
    return time(int(hours), int(minutes))


def quiet_interval_at(moment: datetime, quiet: tuple[time, time]) -> tuple[datetime, datetime] | None:
    """The quiet interval [start, end) containing `moment` (local time), or None when awake."""
    start, end = quiet
    day = moment.date()
    for offset in (-1, 0):
        begin = datetime.combine(day + timedelta(days=offset), start, tzinfo=moment.tzinfo)
        finish = datetime.combine(begin.date() + timedelta(days=0 if start < end else 1), end, tzinfo=moment.tzinfo)
        if begin <= moment < finish:
            return begin, finish
    return None


def next_quiet_start(moment: datetime, quiet: tuple[time, time]) -> datetime:
    begin = datetime.combine(moment.date(), quiet[0], tzinfo=moment.tzinfo)
    return begin if begin > moment else begin + timedelta(days=1)


def quiet_hours_end(moment: datetime) -> datetime | None:
    """When the quiet hours containing `moment` end (08:00 Shanghai), or None when `moment` is
    awake or quiet hours are off."""
    configured = settings.WAITLIST_QUIET_HOURS
    if not configured:
        return None
    local = moment.astimezone(timezone.get_default_timezone())
    interval = quiet_interval_at(local, (parse_clock(configured[0]), parse_clock(configured[1])))
    return interval[1] if interval else None
