"""Reads of courses: seat counts in SQL, time conflicts, the caller's bookings."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, F, IntegerField, Min, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from accounts.models import Profile, User
from core.errors import BusinessError
from courses import messages
from courses.models import Booking, CourseSchedule


def _count_subquery(queryset: QuerySet) -> Coalesce:
    counted = queryset.order_by().values("schedule_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_seats(queryset: QuerySet[CourseSchedule]) -> QuerySet[CourseSchedule]:
    """Annotates booked_count, held_count and available (RULES §1: capacity - booked - held) in SQL."""
    from waitlist.selectors import held_seats_subquery

    booked = Booking.objects.filter(schedule=OuterRef("pk"), status=Booking.Status.BOOKED)
    # capacity is UNSIGNED on MySQL: subtract in signed arithmetic (capacity may be lowered below bookings).
    return queryset.annotate(booked_count=_count_subquery(booked), held_count=held_seats_subquery()).annotate(
        available=Cast(F("capacity"), IntegerField()) - F("booked_count") - F("held_count")
    )


def seats_taken(*, schedule_ids: list[int] | QuerySet) -> dict[int, int]:
    """Booked plus held seats per schedule (RULES §1), for many schedules in two grouped queries."""
    from waitlist.models import WaitlistOffer

    taken: dict[int, int] = defaultdict(int)
    for model, status in ((Booking, Booking.Status.BOOKED), (WaitlistOffer, WaitlistOffer.Status.OPEN)):
        counted = (model.objects.filter(schedule_id__in=schedule_ids, status=status).order_by().values("schedule_id")
                   .annotate(n=Count("pk")).values_list("schedule_id", "n"))
        for schedule_id, n in counted:
            taken[schedule_id] += n
    return taken


def schedule_seats(*, schedule: CourseSchedule) -> int:
    """Seats available now: capacity - booked - held (RULES §1), read inside the schedule lock by
    every write that grants or frees a seat. One plain statement: building `with_seats`' annotated
    query cost more than running it, and the lock is held meanwhile (bench/profile_endpoints.py)."""
    from waitlist.models import WaitlistOffer

    with connection.cursor() as cursor:
        # Table names from the models; every value is a parameter.
        sql = (f"SELECT s.capacity,"  # noqa: S608
               f" (SELECT COUNT(*) FROM {Booking._meta.db_table} b WHERE b.schedule_id = s.id AND b.status = %s),"
               f" (SELECT COUNT(*) FROM {WaitlistOffer._meta.db_table} o WHERE o.schedule_id = s.id AND o.status = %s)"
               f" FROM {CourseSchedule._meta.db_table} s WHERE s.id = %s")
        cursor.execute(sql, [Booking.Status.BOOKED.value, WaitlistOffer.Status.OPEN.value, schedule.pk])
        capacity, booked, held = cursor.fetchone()
    return capacity - booked - held  # in Python: capacity is UNSIGNED on MySQL and may be below the bookings


def profile_has_time_conflict(*, profile: Profile, schedule: CourseSchedule) -> bool:
    """True when the profile holds a booked class whose time range intersects the schedule's."""
    return (
        Booking.objects.filter(profile=profile, status=Booking.Status.BOOKED)
        .exclude(schedule_id=schedule.pk)
        .filter(schedule__starts_at__lt=schedule.ends_at, schedule__ends_at__gt=schedule.starts_at)
        .exists()
    )


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


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


def schedules_valid_until(page: list[CourseSchedule], *, now: datetime,
                          first_change: datetime | None = None) -> datetime | None:
    """When a page of schedule items stops being true without a write (hot reads): a listed class's
    waitlist closes at its cutoff, or the list itself changes (`first_change`)."""
    from core.hot_reads import earliest
    from waitlist.selectors import cutoff_of

    return earliest(first_change, *(cutoff_of(schedule) for schedule in page), after=now)


def schedule_list_valid_until(*, schedules: QuerySet[CourseSchedule], page: list[CourseSchedule], now: datetime,
                              upcoming: bool) -> datetime | None:
    """`schedules_valid_until` for `schedule_list`: the upcoming list also changes when its first class ends."""
    first_end = schedules.aggregate(first=Min("ends_at"))["first"] if upcoming else None
    return schedules_valid_until(page, now=now, first_change=first_end)


def schedules_in_order(schedule_ids: list[int], *, profile: Profile | None) -> list[CourseSchedule]:
    """The schedules of a page with their details (`schedule_details`), in the page's order."""
    by_id = {s.pk: s for s in schedule_details(CourseSchedule.objects.filter(pk__in=schedule_ids), profile=profile)}
    return [by_id[pk] for pk in schedule_ids if pk in by_id]


def schedule_details(queryset: QuerySet[CourseSchedule], *, profile: Profile | None) -> QuerySet[CourseSchedule]:
    """What a schedule item shows: course, seats and the profile's own booking, in one query."""
    from waitlist.selectors import capacity_expression, waiting_count_subquery

    queryset = with_seats(queryset.select_related("course__course_type")).annotate(
        waitlist_count=waiting_count_subquery(), effective_waitlist_capacity=capacity_expression()
    )
    if profile is not None:
        mine = Booking.objects.filter(schedule=OuterRef("pk"), profile=profile, status=Booking.Status.BOOKED)
        queryset = queryset.annotate(my_booking_id=Subquery(mine.values("pk")[:1]))
    return queryset


def schedule_detail(*, schedule_id: int, profile: Profile | None) -> CourseSchedule:
    schedule = schedule_details(CourseSchedule.objects.filter(pk=schedule_id), profile=profile).first()
    if schedule is None:
        raise BusinessError.not_found(messages.SCHEDULE_NOT_FOUND)
    return schedule


def bookings_of(*, user: User, profile: Profile | None = None, status: str | None = None) -> QuerySet[Booking]:
    queryset = Booking.objects.filter(profile__owner=user)
    if profile is not None:
        queryset = queryset.filter(profile=profile)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.select_related("profile", "schedule__course__course_type").order_by(
        "schedule__starts_at", "id"
    )


def booking_of_owner(*, user: User, booking_id: int) -> Booking:
    """The caller's booking, or 404 资源不存在 (another parent's looks the same as none)."""
    booking = Booking.objects.filter(pk=booking_id, profile__owner=user).first()
    if booking is None:
        raise BusinessError.not_found()
    return booking
