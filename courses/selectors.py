"""Reads of courses: the class list, time conflicts, the caller's bookings. Seat counts (capacity
− booked − held) live in `waitlist.selectors`: the held seats are the waitlist's offers."""

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Profile, User
from core.errors import BusinessError
from courses.models import Booking, CourseSchedule, CourseType


def profile_bookings_overlapping(*, profile_id: int, starts_at, ends_at) -> QuerySet[Booking]:
    """The profile's booked classes whose time range intersects [starts_at, ends_at): touching is not
    overlapping. The bounds may be values or OuterRefs (a correlated EXISTS per candidate class)."""
    return Booking.objects.filter(
        profile_id=profile_id,
        status=Booking.Status.BOOKED,
        schedule__starts_at__lt=ends_at,
        schedule__ends_at__gt=starts_at,
    )


def profile_conflicting_bookings(*, profile: Profile, schedule: CourseSchedule) -> QuerySet[Booking]:
    """The profile's booked classes (other than `schedule`) whose time range intersects the schedule's."""
    return profile_bookings_overlapping(
        profile_id=profile.pk, starts_at=schedule.starts_at, ends_at=schedule.ends_at
    ).exclude(schedule_id=schedule.pk)


def profile_has_time_conflict(*, profile: Profile, schedule: CourseSchedule) -> bool:
    """True when the profile holds a booked class whose time range intersects the schedule's."""
    return profile_conflicting_bookings(profile=profile, schedule=schedule).exists()


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def course_type_list() -> QuerySet[CourseType]:
    """Course types with at least one course, by code: the class list's type filter."""
    return CourseType.objects.filter(courses__isnull=False).distinct().order_by("code")


def schedule_list(
    *,
    now: datetime,
    date_from: date | None = None,
    date_to: date | None = None,
    course_type: str | None = None,
    level: int | None = None,
) -> QuerySet[CourseSchedule]:
    """Open schedules in time order, upcoming ones by default; no seat counts: a page of them gets
    those from `schedules_in_order` (counting per row before the LIMIT would count every class)."""
    queryset = CourseSchedule.objects.filter(status=CourseSchedule.Status.OPEN)
    if date_from is not None:
        queryset = queryset.filter(starts_at__gte=local_midnight(date_from))
    else:
        queryset = queryset.filter(ends_at__gt=now)
    if date_to is not None:
        queryset = queryset.filter(starts_at__lt=local_midnight(date_to + timedelta(days=1)))
    if course_type:
        queryset = queryset.filter(course__course_type__code=course_type)
    if level is not None:
        queryset = queryset.filter(course__level=level)
    return queryset.order_by("starts_at", "id")


def booking_list_of(
    *,
    user: User,
    profile: Profile | None = None,
    status: str | None = None,
    when: str | None = None,
    now: datetime | None = None,
) -> QuerySet[Booking]:
    """The caller's bookings in class order. `when="upcoming"`: classes not yet ended, soonest first;
    `when="past"`: classes ended, latest first (我的 shows both)."""
    queryset = Booking.objects.filter(profile__owner=user)
    if profile is not None:
        queryset = queryset.filter(profile=profile)
    if status:
        queryset = queryset.filter(status=status)
    order = ("schedule__starts_at", "id")
    if when == "upcoming":
        queryset = queryset.filter(schedule__ends_at__gt=now or timezone.now())
    elif when == "past":
        queryset = queryset.filter(schedule__ends_at__lte=now or timezone.now())
        order = ("-schedule__starts_at", "-id")
    return queryset.select_related("profile", "schedule__course__course_type").order_by(*order)


def booking_of_owner(*, user: User, booking_id: int) -> Booking:
    """The caller's booking, or 404 资源不存在 (another parent's looks the same as none)."""
    booking = Booking.objects.filter(pk=booking_id, profile__owner=user).first()
    if booking is None:
        raise BusinessError.not_found()
    return booking
