"""Waking time (RULES §5.4): response windows count only time outside the quiet hours.

One function answers "now + 15 waking minutes, capped at the cutoff"; every deadline of the
waitlist is computed by it.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from core.quiet_hours import next_quiet_start, parse_clock, quiet_interval_at


def waking_deadline(
    start: datetime,
    *,
    window: timedelta | None = None,
    cap: datetime | None = None,
    quiet_hours: tuple[str, str] | None | bool = True,
) -> datetime:
    """`start` plus `window` of waking time, never later than `cap`.

    A window that starts in quiet hours begins when they end (23:00 → 08:15 the next morning);
    one that reaches the quiet hours pauses over them (21:50 → 10 minutes, then 5 after 08:00).
    """
    window = settings.WAITLIST_RESPONSE_WINDOW if window is None else window
    configured = settings.WAITLIST_QUIET_HOURS if quiet_hours is True else quiet_hours
    zone = timezone.get_default_timezone()
    moment = start.astimezone(zone)
    if configured:
        quiet = (parse_clock(configured[0]), parse_clock(configured[1]))
        remaining = window
        while True:
            interval = quiet_interval_at(moment, quiet)
            if interval is not None:
                moment = interval[1]
            next_quiet = next_quiet_start(moment, quiet)
            if moment + remaining <= next_quiet:
                moment = moment + remaining
                break
            remaining -= next_quiet - moment
            moment = next_quiet
    else:
        moment = moment + window
    if cap is not None and moment > cap:
        return cap
    return moment
