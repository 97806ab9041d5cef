"""Reads of the waitlist: capacities, positions (in SQL), what an entry may take now, estimates."""

import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Greatest, RowNumber
from django.utils import timezone

from core.errors import BusinessError
from core.hot_reads import earliest
from courses import messages as course_messages
from courses import selectors as course_selectors
from courses.models import Booking, CourseSchedule
from waitlist import messages
from waitlist.models import WaitlistEntry, WaitlistFlow, WaitlistNotification, WaitlistOffer

logger = logging.getLogger(__name__)


def _count(queryset: QuerySet, field: str = "schedule_id") -> Coalesce:
    counted = queryset.order_by().values(field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def schedule_seats_expression():
    """RULES §1's seats available, capacity − booked − held, from the class row's counters
    (core/counters.py). Signed: capacity is UNSIGNED on MySQL and may be lowered below the bookings."""
    return Cast(F("capacity"), IntegerField()) - F("booked_count") - F("held_count")


def waitlist_capacity_expression() -> Coalesce:
    """Effective waitlist capacity: the schedule's override, else the course type's, else the default."""
    return Coalesce(
        "waitlist_capacity",
        "course__course_type__waitlist_capacity",
        Value(settings.WAITLIST_DEFAULT_CAPACITY),
        output_field=IntegerField(),
    )


def waitlist_capacity(*, schedule) -> int:
    for value in (schedule.waitlist_capacity, schedule.course.course_type.waitlist_capacity):
        if value is not None:
            return value
    return settings.WAITLIST_DEFAULT_CAPACITY


def waitlist_waiting_count(*, schedule_id: int) -> int:
    return CourseSchedule.objects.filter(pk=schedule_id).values_list("waiting_count", flat=True).first() or 0


def waitlist_waiting_total() -> int:
    """Waiting entries in every queue, from the classes' counters: a range of the waiting_count index
    over the classes that have a queue (COUNT(*) over 100,000 entries took 30 ms, bench/metrics_scrape.py)."""
    return CourseSchedule.objects.filter(waiting_count__gt=0).aggregate(n=Sum("waiting_count"))["n"] or 0


@dataclass(frozen=True)
class JoinFacts:
    seats: int  # capacity − booked − held (RULES §1)
    booked_here: bool
    waiting_here: bool
    time_conflict: bool  # RULES §2: a booked class of the child overlapping this one
    waiting: int  # the class's waiting entries
    waiting_everywhere: int  # the child's waiting entries in every class (RULES §13's limit)


def waitlist_join_facts(*, schedule: CourseSchedule, profile) -> JoinFacts:
    """What RULES §2's refusals of a join depend on, in one query (the counters are on the class row).
    Read under the schedule's and the child's locks, after the catch-up."""
    mine = {"profile": profile, "schedule": OuterRef("pk")}
    row = (
        CourseSchedule.objects.filter(pk=schedule.pk)
        .annotate(
            seats=schedule_seats_expression(),
            booked_here=Exists(Booking.objects.filter(**mine, status=Booking.Status.BOOKED)),
            waiting_here=Exists(WaitlistEntry.objects.filter(**mine, status=WaitlistEntry.Status.WAITING)),
            time_conflict=Exists(course_selectors.profile_conflicting_bookings(profile=profile, schedule=schedule)),
            waiting_everywhere=_count(
                WaitlistEntry.objects.filter(profile=profile, status=WaitlistEntry.Status.WAITING), field="profile_id"
            ),
        )
        .values_list("seats", "booked_here", "waiting_here", "time_conflict", "waiting_count", "waiting_everywhere")
        .get()
    )
    seats, booked_here, waiting_here, time_conflict, waiting, everywhere = row
    return JoinFacts(seats, bool(booked_here), bool(waiting_here), bool(time_conflict), waiting, everywhere)


def waitlist_waiting_schedule_ids(*, user) -> list[int]:
    """The classes where any of the parent's children is waiting (the hot read of 我的候补 depends on them)."""
    return list(
        WaitlistEntry.objects.filter(profile__owner=user, status=WaitlistEntry.Status.WAITING)
        .order_by()
        .values_list("schedule_id", flat=True)
        .distinct()
    )


def waitlist_cutoff(*, schedule) -> datetime:
    return schedule.starts_at - settings.WAITLIST_CUTOFF


def waitlist_is_open(*, schedule, now: datetime) -> bool:
    """RULES §5.2: the cutoff instant still belongs to the open period (joining at exactly the cutoff
    is allowed); the waitlist closes once now > cutoff."""
    return schedule.status == "open" and now <= waitlist_cutoff(schedule=schedule)


def waitlist_past_cutoff(*, schedule, now: datetime) -> bool:
    return now > waitlist_cutoff(schedule=schedule)


QUEUE_ORDER = ("-priority", "joined_at", "id")  # position order


def waitlist_queue(*, schedule_id: int) -> QuerySet[WaitlistEntry]:
    """Waiting entries in position order: priority (desc), join time, id."""
    return WaitlistEntry.objects.filter(schedule_id=schedule_id, status=WaitlistEntry.Status.WAITING).order_by(
        *QUEUE_ORDER
    )


def waitlist_queue_heads(*, wanted: dict[int, int], keep_offer_ids: list[int]) -> dict[int, list[WaitlistEntry]]:
    """For each schedule id in `wanted`, its first `wanted[id]` waiting entries in position order that
    hold no reservation in an open offer of theirs, except in the offers `keep_offer_ids` (being handed
    over): one query for any number of classes (a window function), profiles included."""
    if not wanted:
        return {}
    reserved = (
        WaitlistOffer.objects.filter(
            schedule_id__in=list(wanted), status=WaitlistOffer.Status.OPEN, reserved_for__isnull=False
        )
        .exclude(pk__in=keep_offer_ids)
        .values("reserved_for_id")
    )
    rows = (
        WaitlistEntry.objects.filter(schedule_id__in=list(wanted), status=WaitlistEntry.Status.WAITING)
        .exclude(pk__in=reserved)
        .annotate(place=Window(RowNumber(), partition_by=[F("schedule_id")], order_by=list(QUEUE_ORDER)))
        .filter(place__lte=max(wanted.values()))
        .select_related("profile")
        .order_by("schedule_id", *QUEUE_ORDER)
    )
    heads: dict[int, list[WaitlistEntry]] = {pk: [] for pk in wanted}
    for entry in rows:
        if len(heads[entry.schedule_id]) < wanted[entry.schedule_id]:
            heads[entry.schedule_id].append(entry)
    return heads


def _ahead_filter(prefix: str = "") -> Q:
    def ref(name):
        return OuterRef(f"{prefix}{name}") if prefix else OuterRef(name)

    return (
        Q(priority__gt=ref("priority"))
        | Q(priority=ref("priority"), joined_at__lt=ref("joined_at"))
        | Q(priority=ref("priority"), joined_at=ref("joined_at"), id__lt=ref("id"))
    )


def waitlist_entries_with_positions(*, queryset: QuerySet[WaitlistEntry]) -> QuerySet[WaitlistEntry]:
    """Annotates `ahead`: waiting entries before each entry in its queue (position = ahead + 1)."""
    ahead = WaitlistEntry.objects.filter(
        schedule_id=OuterRef("schedule_id"), status=WaitlistEntry.Status.WAITING
    ).filter(_ahead_filter())
    return queryset.annotate(ahead=_count(ahead))


def waitlist_entry_position(*, entry: WaitlistEntry) -> int | None:
    if entry.status != WaitlistEntry.Status.WAITING:
        return None
    return (
        waitlist_entries_with_positions(queryset=WaitlistEntry.objects.filter(pk=entry.pk))
        .values_list("ahead", flat=True)
        .get()
        + 1
    )


def waitlist_position_text(*, position: int) -> str:
    return messages.POSITION.format(position=position)


def waitlist_count_text(*, count: int, capacity: int) -> str:
    return messages.COUNT.format(count=count, capacity=capacity)


def waitlist_estimated_wait(*, schedule, now: datetime) -> str:
    """Time until the entry is decided at the latest, i.e. until the cutoff (RULES §2)."""
    hours = max(0, math.floor((waitlist_cutoff(schedule=schedule) - now).total_seconds() / 3600))
    if hours < 1:
        return messages.SOON
    if hours < 24:
        return messages.ABOUT_HOURS.format(hours=hours)
    days = hours // 24
    if hours % 24 == 0:
        return messages.ABOUT_DAYS.format(days=days)
    return messages.DAYS_RANGE.format(days=days, next_days=days + 1)


def waitlist_offers_released_history(*, course_ids, now: datetime) -> dict[int, list[int]]:
    """For each course: how many offers each of its schedules that started in the last 90 days opened
    before its cutoff. Cached per course for the clock hour (Redis in production): it describes
    classes that have already started, whose offers can no longer change, so only the window's edges
    move, and `waitlist_promotion_chance` is an estimate that may lag them by an hour (docs/decisions.md).
    The courses not cached are read in one query."""
    hour = now.astimezone(UTC).strftime("%Y%m%d%H")
    keys = {f"waitlist:history:{course_id}:{hour}": course_id for course_id in set(course_ids)}
    try:
        cached = cache.get_many(list(keys))
    except Exception:  # noqa: BLE001 (an estimate never needs the cache)
        logger.warning("promotion history: cache unreachable", exc_info=True)
        cached = {}
    history: dict[int, list[int]] = defaultdict(list, {keys[key]: value for key, value in cached.items()})
    missing = [course_id for key, course_id in keys.items() if key not in cached]
    if missing:
        computed = _offers_released_history(course_ids=missing, now=now)
        try:
            cache.set_many(
                {key: computed.get(course_id, []) for key, course_id in keys.items() if key not in cached},
                timeout=HISTORY_CACHE_SECONDS,
            )
        except Exception:  # noqa: BLE001
            logger.warning("promotion history: cache unreachable", exc_info=True)
        history.update(computed)
    return history


HISTORY_CACHE_SECONDS = 3600


def _offers_released_history(*, course_ids, now: datetime) -> dict[int, list[int]]:
    since = now - timedelta(days=settings.WAITLIST_PROMOTION_LOOKBACK_DAYS)
    offers = WaitlistOffer.objects.filter(
        schedule=OuterRef("pk"), released_at__lt=F("schedule__starts_at") - settings.WAITLIST_CUTOFF
    )
    rows = (
        CourseSchedule.objects.filter(course_id__in=set(course_ids), starts_at__gte=since, starts_at__lt=now)
        .exclude(status="cancelled")
        .annotate(offers=_count(offers))
        .values_list("course_id", "offers")
    )
    history: dict[int, list[int]] = defaultdict(list)
    for course_id, count in rows:
        history[course_id].append(count)
    return history


def waitlist_promotion_chance(*, history: list[int], position: int | None) -> float | None:
    """The share of recent schedules of the course that opened at least `position` offers; null with
    fewer than 10 schedules to judge from."""
    if position is None or len(history) < settings.WAITLIST_PROMOTION_MIN_SCHEDULES:
        return None
    return round(sum(1 for offers in history if offers >= position) / len(history), 2)


# --- what an entry may take ------------------------------------------------------------------


def waitlist_flow_grace_end(*, flow: WaitlistFlow) -> datetime:
    return flow.started_at + settings.FLOW_GRACE


# A flow protects whatever its last accept answered: a parent refused for a time conflict may fix
# it and accept again within the grace (RULES §4 step 2 counts "a flow on that offer").
PROTECTING_STATUSES = (WaitlistFlow.Status.STARTED, WaitlistFlow.Status.REJECTED)


def waitlist_offer_protecting_flows(*, offer: WaitlistOffer, flows: list[WaitlistFlow]) -> list[WaitlistFlow]:
    """Flows that extend the offer: started in its current round, at or before its deadline."""
    return [
        flow
        for flow in flows
        if flow.offer_id == offer.pk
        and flow.round == offer.round
        and flow.status in PROTECTING_STATUSES
        and flow.started_at <= offer.deadline
    ]


def waitlist_flows_of_offers(*, offers) -> list[WaitlistFlow]:
    return list(WaitlistFlow.objects.filter(offer__in=offers, status__in=PROTECTING_STATUSES))


def waitlist_offers_due(*, now: datetime) -> QuerySet[WaitlistOffer]:
    """Open offers whose closing time has passed (RULES §5.1), in SQL: past the deadline and no flow
    of the current round, started at or before the deadline, still in its grace."""
    in_grace = WaitlistFlow.objects.filter(
        offer=OuterRef("pk"),
        round=OuterRef("round"),
        status__in=PROTECTING_STATUSES,
        started_at__lte=OuterRef("deadline"),
        started_at__gte=now - settings.FLOW_GRACE,
    )
    return WaitlistOffer.objects.filter(status=WaitlistOffer.Status.OPEN, deadline__lt=now).exclude(Exists(in_grace))


def waitlist_entries_to_close(*, now: datetime) -> QuerySet[WaitlistEntry]:
    """Waiting entries of classes past their cutoff, except those a flow in grace keeps (RULES §5.2)."""
    in_grace = WaitlistFlow.objects.filter(
        entry=OuterRef("pk"),
        status__in=PROTECTING_STATUSES,
        started_at__gte=now - settings.FLOW_GRACE,
        offer__status=WaitlistOffer.Status.OPEN,
    )
    return WaitlistEntry.objects.filter(
        status=WaitlistEntry.Status.WAITING, schedule__starts_at__lt=now + settings.WAITLIST_CUTOFF
    ).exclude(Exists(in_grace))


def _later_of_grace_end(closing, last_flow_started) -> Greatest:
    """SQL for the later of `closing` and the grace end of the flow started last (none: `closing`)."""
    grace_end = ExpressionWrapper(last_flow_started + Value(settings.FLOW_GRACE), output_field=DateTimeField())
    return Greatest(closing, Coalesce(grace_end, closing))


def waitlist_overdue_since(*, now: datetime) -> tuple[datetime | None, datetime | None]:
    """For monitoring (RULES §16): when the longest-overdue open offer closed (its deadline or its
    flows' grace end, RULES §5.1) and when the longest-overdue waiting entry's waitlist closed (its
    class's cutoff or its flow's grace end, §5.2); None when nothing is overdue. Counted from the
    closing instant, not the deadline, so a flow's grace never shows as the sweeper's delay. Reads
    only the rows still due, few while the sweeper keeps up."""
    offer_flows = WaitlistFlow.objects.filter(
        offer=OuterRef("pk"),
        round=OuterRef("round"),
        status__in=PROTECTING_STATUSES,
        started_at__lte=OuterRef("deadline"),
    ).order_by("-started_at")
    offer_closed = _later_of_grace_end(F("deadline"), Subquery(offer_flows.values("started_at")[:1]))
    oldest_offer = waitlist_offers_due(now=now).annotate(closed=offer_closed).aggregate(oldest=Min("closed"))["oldest"]
    entry_flows = WaitlistFlow.objects.filter(
        entry=OuterRef("pk"), status__in=PROTECTING_STATUSES, offer__status=WaitlistOffer.Status.OPEN
    ).order_by("-started_at")
    cutoff = ExpressionWrapper(F("schedule__starts_at") - Value(settings.WAITLIST_CUTOFF), output_field=DateTimeField())
    entry_closed = _later_of_grace_end(cutoff, Subquery(entry_flows.values("started_at")[:1]))
    oldest_entry = (
        waitlist_entries_to_close(now=now).annotate(closed=entry_closed).aggregate(oldest=Min("closed"))["oldest"]
    )
    return oldest_offer, oldest_entry


def waitlist_offer_closing_time(*, offer: WaitlistOffer, flows: list[WaitlistFlow]) -> datetime:
    """RULES §5.1: the later of the deadline and the grace end of every protecting flow."""
    return max(
        [
            offer.deadline,
            *(waitlist_flow_grace_end(flow=flow) for flow in waitlist_offer_protecting_flows(offer=offer, flows=flows)),
        ]
    )


@dataclass(frozen=True)
class Takeable:
    offer: WaitlistOffer
    flow: WaitlistFlow | None  # the entry's protecting flow, if it has one
    deadline: datetime  # until when this entry may still accept


def _notified_offer_ids(entry_ids, offer_ids) -> set[tuple[int, int]]:
    rows = WaitlistNotification.objects.filter(
        entry_id__in=entry_ids,
        offer_id__in=offer_ids,
        kind__in=[WaitlistNotification.Kind.SEAT_AVAILABLE, WaitlistNotification.Kind.SEAT_RESERVED],
    ).values_list("entry_id", "offer_id")
    return set(rows)


def waitlist_takeable_offers_for(*, entries: list[WaitlistEntry], now: datetime) -> dict[int, list[Takeable]]:
    """RULES §4 step 2 for many entries in three queries: open offers reserved for the entry, or open
    broadcast offers it was notified of, where now ≤ deadline or its flow of that round is in grace.
    Earliest released first."""
    waiting = [entry for entry in entries if entry.status == WaitlistEntry.Status.WAITING]
    result: dict[int, list[Takeable]] = {entry.pk: [] for entry in entries}
    if not waiting:
        return result
    schedule_ids = {entry.schedule_id for entry in waiting}
    offers = list(
        WaitlistOffer.objects.filter(schedule_id__in=schedule_ids, status=WaitlistOffer.Status.OPEN).order_by(
            "released_at", "id"
        )
    )
    if not offers:
        return result
    entry_ids = [entry.pk for entry in waiting]
    offer_ids = [offer.pk for offer in offers]
    notified = _notified_offer_ids(entry_ids, offer_ids)
    flows = list(
        WaitlistFlow.objects.filter(entry_id__in=entry_ids, offer_id__in=offer_ids, status__in=PROTECTING_STATUSES)
    )
    for entry in waiting:
        for offer in offers:
            if offer.schedule_id != entry.schedule_id:
                continue
            if offer.phase == WaitlistOffer.Phase.RESERVED:
                eligible = offer.reserved_for_id == entry.pk
            else:
                eligible = (entry.pk, offer.pk) in notified
            if not eligible:
                continue
            mine = [
                flow for flow in waitlist_offer_protecting_flows(offer=offer, flows=flows) if flow.entry_id == entry.pk
            ]
            flow = mine[0] if mine else None
            deadline = max(offer.deadline, waitlist_flow_grace_end(flow=flow)) if flow else offer.deadline
            if now <= deadline:
                result[entry.pk].append(Takeable(offer, flow, deadline))
    return result


def waitlist_entries_valid_until(*, entries: list[WaitlistEntry], takeable: dict[int, list[Takeable]], now: datetime):
    """When a list of entries stops being true without a write (hot reads): an offer one may take
    passes its deadline, a waiting entry's estimate loses a whole hour, or the promotion history's
    clock hour ends."""
    moments = [now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)]
    for entry in entries:
        moments += [offer.deadline for offer in takeable.get(entry.pk, [])]
        if entry.status == WaitlistEntry.Status.WAITING:
            hours_left = math.floor((waitlist_cutoff(schedule=entry.schedule) - now).total_seconds() / 3600)
            if hours_left >= 1:  # `waitlist_estimated_wait` counts whole hours to the cutoff
                moments.append(waitlist_cutoff(schedule=entry.schedule) - timedelta(hours=hours_left))
    return earliest(*moments, after=now)


def waitlist_takeable_offers(*, entry: WaitlistEntry, now: datetime) -> list[Takeable]:
    return waitlist_takeable_offers_for(entries=[entry], now=now)[entry.pk]


def waitlist_entry_schedule_id(*, entry_id: int) -> int:
    """The class of an entry, read before its lock is taken; 404 when there is no such entry."""
    schedule_id = WaitlistEntry.objects.filter(pk=entry_id).values_list("schedule_id", flat=True).first()
    if schedule_id is None:
        raise BusinessError.not_found()
    return schedule_id


def waitlist_latest_offer_notice(*, entry: WaitlistEntry) -> WaitlistNotification | None:
    """The entry's notification of the most recent offer it was told of (RULES §4 step 3): the answer to
    a response with nothing to take is about that offer, never about an older one."""
    return (
        WaitlistNotification.objects.filter(
            entry=entry, kind__in=[WaitlistNotification.Kind.SEAT_AVAILABLE, WaitlistNotification.Kind.SEAT_RESERVED]
        )
        .order_by("-created_at", "-id")
        .first()
    )


# --- lists -----------------------------------------------------------------------------------


def waitlist_entries_of(
    *, user, profile=None, status: str | None = WaitlistEntry.Status.WAITING
) -> QuerySet[WaitlistEntry]:
    queryset = WaitlistEntry.objects.filter(profile__owner=user)
    if profile is not None:
        queryset = queryset.filter(profile=profile)
    if status:
        queryset = queryset.filter(status=status)
    return (
        waitlist_entries_with_positions(queryset=queryset)
        .select_related("schedule__course__course_type", "profile")
        .order_by("-joined_at", "-id")
    )


def waitlist_entries_by_schedule(*, profile, schedule_ids) -> dict[int, WaitlistEntry]:
    """The profile's entry per schedule (the waiting one, else the latest), with its position."""
    rows = waitlist_entries_with_positions(
        queryset=WaitlistEntry.objects.filter(profile=profile, schedule_id__in=list(schedule_ids))
    )
    chosen: dict[int, WaitlistEntry] = {}
    for entry in rows.order_by("joined_at", "id"):
        current = chosen.get(entry.schedule_id)
        if current is None or current.status != WaitlistEntry.Status.WAITING:
            chosen[entry.schedule_id] = entry
    return chosen


def waitlist_can_join(*, schedule, profile, now: datetime) -> bool:
    """For `can_join_waitlist`: open before the cutoff, room in the queue, not already waiting."""
    if not waitlist_is_open(schedule=schedule, now=now):
        return False
    if WaitlistEntry.objects.filter(schedule=schedule, profile=profile, status=WaitlistEntry.Status.WAITING).exists():
        return False
    return waitlist_waiting_count(schedule_id=schedule.pk) < waitlist_capacity(schedule=schedule)


def waitlist_entry_notifications(*, entry: WaitlistEntry) -> QuerySet[WaitlistNotification]:
    return (
        WaitlistNotification.objects.filter(entry=entry).select_related("notification").order_by("-created_at", "-id")
    )


def waitlist_full_filter() -> Q:
    """Schedules whose waitlist is at capacity (for operators)."""
    return Q(waitlist_count__gte=F("effective_waitlist_capacity"))


# --- seats: capacity − booked − held (RULES §1); the held seats are this app's open offers --------


def schedules_with_seats(*, queryset: QuerySet[CourseSchedule]) -> QuerySet[CourseSchedule]:
    """Annotates available (RULES §1: capacity - booked - held) from the row's counters."""
    return queryset.annotate(available=schedule_seats_expression())


def schedule_seats(*, schedule: CourseSchedule) -> int:
    """Seats available now: capacity - booked - held (RULES §1), read inside the schedule lock by every
    write that grants or frees a seat: the row's counters as they stand in this transaction (the
    triggers of this transaction's writes have already moved them)."""
    capacity, booked, held = (
        CourseSchedule.objects.filter(pk=schedule.pk).values_list("capacity", "booked_count", "held_count").get()
    )
    return capacity - booked - held  # in Python: capacity is UNSIGNED on MySQL and may be below the bookings


def schedules_valid_until(
    *, schedules: list[CourseSchedule], now: datetime, first_change: datetime | None = None
) -> datetime | None:
    """When a page of schedule items stops being true without a write (hot reads): a listed class's
    waitlist closes at its cutoff, or the list itself changes (`first_change`)."""
    return earliest(first_change, *(waitlist_cutoff(schedule=schedule) for schedule in schedules), after=now)


def schedule_list_valid_until(
    *, schedules: QuerySet[CourseSchedule], page: list[CourseSchedule], now: datetime, upcoming: bool
) -> datetime | None:
    """`schedules_valid_until` for `schedule_list`: the upcoming list also changes when its first class ends."""
    first_end = schedules.aggregate(first=Min("ends_at"))["first"] if upcoming else None
    return schedules_valid_until(schedules=page, now=now, first_change=first_end)


def schedules_in_order(*, schedule_ids: list[int], profile) -> list[CourseSchedule]:
    """The schedules of a page with their details (`schedules_with_details`), in the page's order."""
    by_id = {
        s.pk: s
        for s in schedules_with_details(queryset=CourseSchedule.objects.filter(pk__in=schedule_ids), profile=profile)
    }
    return [by_id[pk] for pk in schedule_ids if pk in by_id]


def schedules_with_details(*, queryset: QuerySet[CourseSchedule], profile) -> QuerySet[CourseSchedule]:
    """What a schedule item shows: course, seats and the profile's own booking, in one query."""
    queryset = schedules_with_seats(queryset=queryset.select_related("course__course_type")).annotate(
        waitlist_count=F("waiting_count"), effective_waitlist_capacity=waitlist_capacity_expression()
    )
    if profile is not None:
        mine = Booking.objects.filter(schedule=OuterRef("pk"), profile=profile, status=Booking.Status.BOOKED)
        queryset = queryset.annotate(my_booking_id=Subquery(mine.values("pk")[:1]))
    return queryset


def schedule_detail(*, schedule_id: int, profile) -> CourseSchedule:
    schedule = schedules_with_details(queryset=CourseSchedule.objects.filter(pk=schedule_id), profile=profile).first()
    if schedule is None:
        raise BusinessError.not_found(course_messages.SCHEDULE_NOT_FOUND)
    return schedule


def waitlist_released_at(*, schedule_id: int, at: datetime) -> tuple[int, int]:
    """(offers, families told): what a release at the instant `at` did, for an operator's message
    (`名额已发给2位候补`). The command passed `at` as its `now=`, so its offers are exactly these."""
    offers = WaitlistOffer.objects.filter(schedule_id=schedule_id, released_at=at)
    told = WaitlistNotification.objects.filter(offer__in=offers, kind=WaitlistNotification.Kind.SEAT_AVAILABLE)
    return offers.count(), told.values("entry_id").distinct().count()


def schedule_has_families(*, schedule: CourseSchedule) -> bool:
    """Booked seats, waiting entries or open offers: then the class is moved only by `调整课程`
    (RULES §11.6), which tells the families, never by the plain edit form."""
    return (
        Booking.objects.filter(schedule=schedule, status=Booking.Status.BOOKED).exists()
        or WaitlistEntry.objects.filter(schedule=schedule, status=WaitlistEntry.Status.WAITING).exists()
        or WaitlistOffer.objects.filter(schedule=schedule, status=WaitlistOffer.Status.OPEN).exists()
    )


# --- other classes when one is full (RULES §15) ------------------------------------------------

ALTERNATIVES_LIMIT = 5
ALTERNATIVES_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class Alternatives:
    ids: list[list[int]]  # per target, in its order: same course first, then nearest in time
    first_start: datetime | None  # the earliest start among the candidates read: the lists change then


def schedule_alternatives_for(*, targets: list[tuple[CourseSchedule, object]], now: datetime) -> Alternatives:
    """RULES §15 for several (class, child) pairs at once, in one query whatever the data size: classes
    with a seat a parent can book now (capacity − booked − held > 0), open, starting after `now` and
    before the class's start + 14 days (that instant excluded), not the class itself, not overlapping a
    booked class of the child (make-up seats included; no child: not checked), of the same course or
    else the same course type at the same level. Each target's list: same course first, then within
    each group nearest in time to the class (before or after it), then earlier, then by id; at most 5.
    The targets' classes need `course` loaded."""
    if not targets:
        return Alternatives(ids=[], first_start=None)
    groups = Q(course_id__in={schedule.course_id for schedule, _ in targets})
    for type_id, level in {(schedule.course.course_type_id, schedule.course.level) for schedule, _ in targets}:
        groups |= Q(course__course_type_id=type_id, course__level=level)
    window_end = max(schedule.starts_at for schedule, _ in targets) + ALTERNATIVES_WINDOW
    candidates = (
        CourseSchedule.objects.filter(status=CourseSchedule.Status.OPEN, starts_at__gt=now, starts_at__lt=window_end)
        .filter(groups)
        .annotate(seats=schedule_seats_expression())
        .filter(seats__gt=0)
    )
    profile_ids = sorted({profile.pk for _, profile in targets if profile is not None})
    for profile_id in profile_ids:  # a family's few children: one EXISTS each, still one query
        clashing = course_selectors.profile_bookings_overlapping(
            profile_id=profile_id, starts_at=OuterRef("starts_at"), ends_at=OuterRef("ends_at")
        )
        candidates = candidates.annotate(**{f"clash_{profile_id}": Exists(clashing)})
    rows = list(
        candidates.order_by().values(
            "pk",
            "course_id",
            "course__course_type_id",
            "course__level",
            "starts_at",
            *(f"clash_{profile_id}" for profile_id in profile_ids),
        )
    )
    lists = []
    for schedule, profile in targets:
        ranked = []
        for row in rows:
            if row["pk"] == schedule.pk or row["starts_at"] >= schedule.starts_at + ALTERNATIVES_WINDOW:
                continue
            if profile is not None and row[f"clash_{profile.pk}"]:
                continue
            if row["course_id"] == schedule.course_id:
                group = 0
            elif (row["course__course_type_id"], row["course__level"]) == (
                schedule.course.course_type_id,
                schedule.course.level,
            ):
                group = 1
            else:
                continue
            ranked.append((group, abs(row["starts_at"] - schedule.starts_at), row["starts_at"], row["pk"]))
        lists.append([pk for *_, pk in sorted(ranked)[:ALTERNATIVES_LIMIT]])
    return Alternatives(ids=lists, first_start=min((row["starts_at"] for row in rows), default=None))


def schedule_alternatives(*, schedule: CourseSchedule, profile, now: datetime) -> list[CourseSchedule]:
    """RULES §15: the other classes to offer instead of `schedule`, as schedule items (two queries)."""
    ids = schedule_alternatives_for(targets=[(schedule, profile)], now=now).ids[0]
    return schedules_in_order(schedule_ids=ids, profile=profile)


def schedule_alternative_match(*, schedule: CourseSchedule, full: CourseSchedule) -> dict:
    """How an alternative matches the full class, and its `text` (RULES §15):
    `同课程 · 同教练 · 同场馆 · 周六 10:00`."""
    same_course = schedule.course_id == full.course_id
    same_coach = bool(schedule.coach) and schedule.coach == full.coach
    same_venue = bool(schedule.venue) and schedule.venue == full.venue
    parts = [messages.SAME_COURSE if same_course else messages.SAME_TYPE_LEVEL]
    if same_coach:
        parts.append(messages.SAME_COACH)
    if same_venue:
        parts.append(messages.SAME_VENUE)
    local = timezone.localtime(schedule.starts_at)
    parts.append(messages.WEEKDAY_TIME.format(weekday=messages.WEEKDAYS[local.weekday()], time=f"{local:%H:%M}"))
    return {
        "same_course": same_course,
        "same_coach": same_coach,
        "same_venue": same_venue,
        "text": messages.MATCH_SEPARATOR.join(parts),
    }
