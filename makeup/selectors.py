"""Reads of make-ups: eligible sessions (RULES §6.2) filtered and ordered in SQL, the parent's list."""

from datetime import date, datetime, timedelta

from django.db.models import Case, IntegerField, Min, QuerySet, Value, When

from core.errors import BusinessError
from core.formatting import hours_text
from courses.models import Booking, CourseSchedule
from courses.selectors import local_midnight
from makeup import messages
from makeup.models import MakeupBooking
from waitlist.selectors import schedule_seats_expression

TIME_OF_DAY = {"morning": (0, 12), "afternoon": (12, 18), "evening": (18, 24)}


def makeup_of_owner(*, user, makeup_id: int) -> MakeupBooking:
    makeup = (
        MakeupBooking.objects.filter(pk=makeup_id, profile__owner=user)
        .select_related("profile", "original_course__course_type", "original_booking__schedule")
        .first()
    )
    if makeup is None:
        raise BusinessError.not_found()  # 资源不存在, as for any other parent's id (RULES §9)
    return makeup


def makeup_eligible_schedules(
    *,
    profile,
    now: datetime,
    makeup: MakeupBooking | None = None,
    include_lower_levels: bool = False,
    date_from: date | None = None,
    date_to: date | None = None,
    coach: str | None = None,
    venue: str | None = None,
    weekday: int | None = None,
    time_of_day: str | None = None,
) -> QuerySet[CourseSchedule]:
    """Sessions a make-up (or, without one, a compensation redemption) may book, fullness aside,
    same level first (RULES §6.2).

    A make-up: same course type as the original, level equal (or lower with include_lower_levels,
    never higher), not the original class. A redemption: any session up to the profile's level.
    Always: open, not started, not booked by the profile, no time conflict. Conflicts are the
    profile's few booked classes still ahead, excluded as plain time ranges: a NOT EXISTS per
    candidate cost most of the search's time (bench/results/load.md).
    """
    queryset = CourseSchedule.objects.filter(status=CourseSchedule.Status.OPEN, starts_at__gt=now)
    if makeup is not None and makeup.original_course is not None:
        original = makeup.original_course
        queryset = queryset.filter(course__course_type_id=original.course_type_id)
        queryset = (
            queryset.filter(course__level__lte=original.level)
            if include_lower_levels
            else queryset.filter(course__level=original.level)
        )
        if makeup.original_booking_id:
            queryset = queryset.exclude(pk=makeup.original_booking.schedule_id)
        reference_level = original.level
    else:
        queryset = queryset.filter(course__level__lte=profile.level)
        reference_level = profile.level
    booked_ahead = Booking.objects.filter(profile=profile, status=Booking.Status.BOOKED, schedule__ends_at__gt=now)
    for start, end in booked_ahead.values_list("schedule__starts_at", "schedule__ends_at"):
        queryset = queryset.exclude(starts_at__lt=end, ends_at__gt=start)  # also "already booked by the profile"
    if date_from:
        queryset = queryset.filter(starts_at__gte=local_midnight(date_from))
    if date_to:
        queryset = queryset.filter(starts_at__lt=local_midnight(date_to + timedelta(days=1)))
    if coach:
        queryset = queryset.filter(coach=coach)
    if venue:
        queryset = queryset.filter(venue=venue)
    if weekday:
        queryset = queryset.filter(starts_at__iso_week_day=weekday)  # in Asia/Shanghai (the current time zone)
    if time_of_day:
        start_hour, end_hour = TIME_OF_DAY[time_of_day]
        queryset = queryset.filter(starts_at__hour__gte=start_hour, starts_at__hour__lt=end_hour)
    return queryset.annotate(
        level_rank=Case(
            When(course__level=reference_level, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("level_rank", "starts_at", "id")


def makeup_eligible_schedule_ids(
    *, profile, now: datetime, include_full: bool = False, **filters
) -> tuple[QuerySet, datetime | None]:
    """The ids of `makeup_eligible_schedules`, in its order, without full ones unless asked, as a
    query (the caller's paginator counts and slices it in SQL: rows are never all loaded), and when
    the first of them starts (then the answer changes without a write). Seats come from the class
    rows' counters (capacity − booked − held)."""
    candidates = makeup_eligible_schedules(profile=profile, now=now, **filters)
    first_start = candidates.order_by().aggregate(first=Min("starts_at"))["first"]
    if not include_full:
        candidates = candidates.annotate(free=schedule_seats_expression()).filter(free__gt=0)
    return candidates.values_list("pk", flat=True), first_start


def makeup_is_eligible(*, profile, schedule_id: int, now: datetime, makeup: MakeupBooking | None) -> bool:
    """RULES §6.2 for one session, fullness aside (the booking answers a full class itself)."""
    return (
        makeup_eligible_schedules(profile=profile, now=now, makeup=makeup, include_lower_levels=True)
        .filter(pk=schedule_id)
        .exists()
    )


def makeup_duration_text(*, minutes: int) -> str:
    """RULES §6.2: whole half hours read in hours (`1.5小时`, `1小时`), anything else in minutes (`118分钟`)."""
    if minutes % 30 == 0:
        return messages.HOURS.format(hours=hours_text(minutes))
    return messages.MINUTES.format(minutes=minutes)


def makeup_confirm_prompt(*, session_minutes: int, original_minutes: int) -> str:
    return messages.CONFIRM_PROMPT.format(
        session=makeup_duration_text(minutes=session_minutes),
        less=makeup_duration_text(minutes=original_minutes - session_minutes),
    )


def makeup_match(*, schedule, makeup: MakeupBooking | None, profile) -> dict:
    """How a session matches the original class: level, coach, venue, duration, as one line."""
    duration = schedule.course.duration_minutes
    if makeup is not None and makeup.original_course is not None:
        original_level = makeup.original_course.level
        original_schedule = makeup.original_booking.schedule if makeup.original_booking_id else None
        same_coach = bool(original_schedule and schedule.coach and schedule.coach == original_schedule.coach)
        same_venue = bool(original_schedule and schedule.venue and schedule.venue == original_schedule.venue)
        difference = duration - makeup.original_minutes
    else:
        original_level, same_coach, same_venue, difference = profile.level, False, False, None
    level_gap = original_level - schedule.course.level
    parts = [messages.SAME_LEVEL if level_gap == 0 else messages.LOWER_LEVEL.format(levels=level_gap)]
    if same_coach:
        parts.append(messages.SAME_COACH)
    if same_venue:
        parts.append(messages.SAME_VENUE)
    if difference is None:
        parts.append(messages.REDEEM_COST.format(minutes=duration))
    elif difference == 0:
        parts.append(messages.SAME_DURATION)
    elif difference < 0:
        parts.append(messages.SHORTER.format(minutes=-difference))
    else:
        parts.append(messages.LONGER.format(minutes=difference))
    return {"same_level": level_gap == 0, "same_coach": same_coach, "same_venue": same_venue, "text": " · ".join(parts)}


def makeups_of(*, user, profile=None, status: str | None = None) -> QuerySet[MakeupBooking]:
    queryset = MakeupBooking.objects.filter(profile__owner=user)
    if profile is not None:
        queryset = queryset.filter(profile=profile)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.select_related(
        "original_course",
        "original_booking__schedule__course",
        "booking__schedule__course__course_type",
    ).order_by("-created_at", "-id")
