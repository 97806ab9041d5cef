"""Race rounds: randomized rounds of real threads on one full class, and the invariants checked after
each (see bench/race_rounds.py for the whole story). tests/drills/test_race_rounds.py runs a few
rounds in CI; `make bench-races` runs 1,000 through bench/race_rounds.py, which imports this module
(bench imports tests, never the reverse)."""

import contextlib
import logging
import random
import sys
import threading
import time
import traceback
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import close_old_connections, connection
from django.db.models import F

from accounts.models import Profile, User
from compensation.models import ClassCreditCompensation, CompensationUsage
from compensation.selectors import compensation_history
from core.errors import BusinessError
from courses.models import Booking, Course, CourseSchedule, CourseType
from flows import booking as booking_flows
from flows import offers as offer_flows
from makeup.models import MakeupBooking
from waitlist import services as waitlist_services
from waitlist.clock import waking_deadline
from waitlist.models import WaitlistEntry, WaitlistOffer
from waitlist.selectors import waitlist_cutoff, waitlist_entries_with_positions

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Round k plays on the day BASE - k days: an earlier round's offers are never due in a later round's
# sweep (the sweeper looks at every class), and 10:00 keeps the windows out of the quiet hours.
BASE = datetime(2031, 3, 12, 10, 0, tzinfo=SHANGHAI)
NIGHT_START = (21, 52)  # one round in ten releases its seats just before the quiet hours (22:00-08:00)
KINDS = ("respond", "join", "cancel", "leave", "sweep", "makeup", "overlap", "book")
WEIGHTS = (30, 12, 10, 10, 9, 15, 7, 7)
AUTO_ACCEPT_SHARE = 0.4  # waiting entries with 自动递补 (RULES §12)
ACTIONS = (("accept", 60), ("start", 25), ("decline", 15))
THREAD_TIMEOUT = 120.0
SAMPLES = 20


# --- threads ---------------------------------------------------------------------------------


def run_together(workers, timeout: float = THREAD_TIMEOUT):
    """tests/concurrency.py's pattern: one barrier releases every thread, each closes its connection.
    Returns (results, hung): what each returned or raised, and how many threads never finished."""

    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait()
            results[index] = work()
        except Exception as exc:  # collected and classified by the round
            exc.trace = traceback.format_exc()
            results[index] = exc
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=run, args=(i, w), daemon=True) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    return results, sum(thread.is_alive() for thread in threads)


# --- one round -------------------------------------------------------------------------------


@dataclass
class Catalogue:
    """The courses every round uses: originals of 60 minutes, make-up sessions of 90 and 120."""

    short: object
    long: object
    longer: object


@dataclass
class Round:
    index: int
    t0: datetime  # when the pre-released seats were freed
    deadline: datetime  # the broadcast deadline of a seat freed at t0
    schedule: object  # the raced class
    others: list  # the make-up sessions and the make-up child's original classes
    bookings: list[int]  # seats of the raced class (cancel / leave)
    entries: list[int]  # waiting entries at the start of the round (raced and overlapping class)
    joiners: list
    child: object  # the child with make-ups and the shared small balance
    originals: list[int]  # original booking ids of its make-ups
    makeup_seat: int | None  # a make-up booked before the round (its cancel restores minutes)
    overlap_seats: list[int] = field(default_factory=list)  # seats of the class overlapping the raced one
    next_door: object = None  # a class with free seats overlapping the raced one (RULES §13 by booking)
    waiters: list = field(default_factory=list)
    operations: list = field(default_factory=list)  # (label, callable)

    @property
    def schedule_ids(self) -> list[int]:
        return [self.schedule.pk, *(s.pk for s in self.others)]


def _catalogue(tag: str) -> Catalogue:

    kind = CourseType.objects.create(code=f"race-{tag}", name="竞速班", waitlist_capacity=8)

    def course(minutes):
        return Course.objects.create(
            name=f"竞速{minutes}分钟", course_type=kind, level=2, duration_minutes=minutes, price=180
        )

    return Catalogue(course(60), course(90), course(120))


def _profiles(tag: str, index: int, count: int, prefix: str) -> list:

    users = User.objects.bulk_create(
        [
            User(username=f"{tag}-{index}-{prefix}{n}", wechat_openid=f"o-{tag}-{index}-{prefix}{n}")
            for n in range(count)
        ]
    )
    return Profile.objects.bulk_create(
        [Profile(owner=user, name=f"{prefix}{n}", level=2) for n, user in enumerate(users)]
    )


def _schedule(course, starts_at, capacity, **extra):

    return CourseSchedule.objects.create(
        course=course,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=course.duration_minutes),
        capacity=capacity,
        **extra,
    )


def _setup(rng: random.Random, index: int, tag: str, catalogue: Catalogue) -> Round:

    day = BASE - timedelta(days=index)
    t0 = day.replace(hour=NIGHT_START[0], minute=NIGHT_START[1]) if rng.random() < 0.1 else day
    capacity, waiting, threads = rng.randint(2, 6), rng.randint(3, 12), rng.randint(8, 20)
    kinds = rng.choices(KINDS, weights=WEIGHTS, k=threads)

    schedule = _schedule(
        catalogue.long, t0 + timedelta(days=3), capacity, waitlist_capacity=rng.randint(waiting, waiting + 4)
    )
    sessions = [
        _schedule(catalogue.long, t0 + timedelta(days=2), rng.randint(1, 3)),
        _schedule(catalogue.long, t0 + timedelta(days=2, hours=3), rng.randint(1, 3)),
        _schedule(catalogue.longer, t0 + timedelta(days=2, hours=6), 2),
    ]
    original_classes = [_schedule(catalogue.short, t0 + timedelta(days=1, hours=3 * n), 6) for n in range(3)]
    # RULES §13: a full class 30 minutes after the raced one (they overlap), and one with free seats.
    overlap = _schedule(catalogue.long, t0 + timedelta(days=3, minutes=30), rng.randint(1, 3), waitlist_capacity=20)
    next_door = _schedule(catalogue.short, t0 + timedelta(days=3, minutes=45), 3)

    holders = _profiles(tag, index, capacity, "h")
    waiters = _profiles(tag, index, waiting, "w")
    joiners = _profiles(tag, index, kinds.count("join"), "j")
    (child,) = _profiles(tag, index, 1, "m")
    seats = Booking.objects.bulk_create(
        [Booking(profile=p, schedule=schedule, booked_at=t0 - timedelta(days=2), active=True) for p in holders]
    )
    overlap_holders = _profiles(tag, index, overlap.capacity, "o")
    overlap_seats = Booking.objects.bulk_create(
        [Booking(profile=p, schedule=overlap, booked_at=t0 - timedelta(days=2), active=True) for p in overlap_holders]
    )

    # The child's owed make-ups: booked 60-minute classes, then leave (RULES §6.1).
    before = t0 - timedelta(hours=1)
    originals = [
        Booking.objects.create(profile=child, schedule=s, booked_at=before - timedelta(days=1), active=True).pk
        for s in original_classes
    ]
    for booking_id in originals:
        booking_flows.booking_leave(booking_id=booking_id, now=before)
    # A small shared balance: 30..90 minutes, sometimes split over two credits (soonest-expiring first).
    ClassCreditCompensation.objects.create(
        profile=child,
        minutes=rng.choice([30, 45, 60, 90]),
        remaining=0,
        expires_at=t0 + timedelta(days=14),
        source="adjustment",
    )
    if rng.random() < 0.4:
        ClassCreditCompensation.objects.create(
            profile=child, minutes=30, remaining=0, expires_at=t0 + timedelta(days=5), source="adjustment"
        )
    ClassCreditCompensation.objects.filter(profile=child).update(remaining=F("minutes"))
    makeup_seat = None
    if rng.random() < 0.5:  # a make-up already booked with 30 minutes: cancelling it restores them
        makeup_seat = booking_flows.makeup_book(
            profile=child,
            schedule_id=sessions[0].pk,
            original_booking_id=originals[0],
            use_compensation=True,
            now=t0 - timedelta(minutes=30),
        ).booking.pk

    def waiting(profiles, where, minutes_before):
        return [
            WaitlistEntry(
                profile=p,
                schedule=where,
                joined_at=t0 - timedelta(minutes=minutes_before - n),
                active=True,
                auto_accept=rng.random() < AUTO_ACCEPT_SHARE,
            )
            for n, p in enumerate(profiles)
        ]

    # Some of the same children wait in the overlapping class too (RULES §13 ends one on a booking).
    WaitlistEntry.objects.bulk_create(
        waiting(waiters, schedule, 30) + waiting([p for p in waiters if rng.random() < 0.5], overlap, 40)
    )
    if rng.random() < 0.5:  # the child also waits in the raced class for its third make-up (RULES §6.4)
        makeup_id = MakeupBooking.objects.get(original_booking_id=originals[2]).pk
        with contextlib.suppress(BusinessError):  # refused when the balance went to the make-up above
            offer_flows.waitlist_join(
                profile=child,
                schedule_id=schedule.pk,
                makeup_id=makeup_id,
                use_compensation=True,
                now=t0 - timedelta(minutes=1),
            )
    entries = list(
        WaitlistEntry.objects.filter(schedule__in=[schedule, overlap], status="waiting").values_list("pk", flat=True)
    )
    freed = rng.sample(seats, min(capacity - 1, rng.choice([0, 0, 1, 1, 2])))
    for booking in freed:  # seats freed at t0: open broadcast offers (or auto-bookings)
        booking_flows.booking_cancel(booking_id=booking.pk, now=t0)
    deadline = waking_deadline(t0, cap=waitlist_cutoff(schedule=schedule))
    current = Round(
        index,
        t0,
        deadline,
        schedule,
        [*sessions, *original_classes, overlap, next_door],
        [b.pk for b in seats if b not in freed],
        entries,
        joiners,
        child,
        originals,
        makeup_seat,
        [b.pk for b in overlap_seats],
        next_door,
        waiters,
    )
    current.operations = [_operation(rng, kind, current, [schedule, *sessions]) for kind in kinds]
    return current


def _moment(rng: random.Random, r: Round) -> datetime:
    """When a call read the clock: just after the release, around the deadline, or around the next one."""
    pick = rng.random()
    if pick < 0.45:
        return r.t0 + timedelta(seconds=rng.uniform(0, 120))
    if pick < 0.85:
        return r.deadline + timedelta(seconds=rng.uniform(-90, 90))
    return r.deadline + timedelta(minutes=15, seconds=rng.uniform(-120, 120))


def _operation(rng: random.Random, kind: str, r: Round, targets: list):

    # The three answers to an offer (RULES §4), by the action's name.
    respond = {
        "start": waitlist_services.waitlist_offer_start,
        "accept": offer_flows.waitlist_offer_accept,
        "decline": waitlist_services.waitlist_offer_decline,
    }

    now = _moment(rng, r)
    if kind == "respond":
        entry_id = rng.choice(r.entries)
        action = rng.choices([a for a, _ in ACTIONS], weights=[w for _, w in ACTIONS])[0]
        return f"respond:{action}", lambda: respond[action](entry_id=entry_id, now=now)
    if kind == "join":
        profile = r.joiners.pop()
        return "join", lambda: offer_flows.waitlist_join(profile=profile, schedule_id=r.schedule.pk, now=now)
    seats = r.bookings + ([r.makeup_seat] if r.makeup_seat else [])
    if kind == "cancel":
        booking_id = rng.choice(seats)
        return "cancel", lambda: booking_flows.booking_cancel(booking_id=booking_id, now=now)
    if kind == "leave":
        booking_id = rng.choice(seats)
        return "leave", lambda: booking_flows.booking_leave(booking_id=booking_id, now=now)
    if kind == "sweep":
        at = (
            r.deadline
            + timedelta(seconds=rng.uniform(-90, 90))
            + (timedelta(minutes=15) if rng.random() < 0.25 else timedelta())
        )
        return "sweep", lambda: waitlist_services.waitlist_offers_sweep(now=at)
    if kind == "overlap":  # a seat of the overlapping class freed: offers or auto-bookings there
        booking_id = rng.choice(r.overlap_seats)
        how = rng.choice([booking_flows.booking_cancel, booking_flows.booking_leave])
        return f"overlap:{how.__name__}", lambda: how(booking_id=booking_id, now=now)
    if kind == "book":  # a waiting child books the free class next door: RULES §13 ends its overlapping entries
        profile = rng.choice(r.waiters)
        return "book", lambda: booking_flows.booking_create(profile=profile, schedule_id=r.next_door.pk, now=now)
    original = rng.choice(r.originals)
    target = rng.choice(targets).pk
    return "makeup", lambda: booking_flows.makeup_book(
        profile=r.child, schedule_id=target, original_booking_id=original, use_compensation=True, now=now
    )


# --- invariants ------------------------------------------------------------------------------


def check_invariants(*, schedule_ids: list[int], profile_ids: list[int]) -> list[str]:
    """Every invariant of the round's classes and of the children's ledgers; returns the violations."""

    bad: list[str] = []
    for schedule in CourseSchedule.objects.filter(pk__in=schedule_ids):
        booked = Booking.objects.filter(schedule=schedule, status="booked").count()
        held = WaitlistOffer.objects.filter(schedule=schedule, status="open").count()
        if booked > schedule.capacity:
            bad.append(f"class {schedule.pk}: {booked} booked > capacity {schedule.capacity}")
        if booked + held > schedule.capacity:
            bad.append(f"class {schedule.pk}: {booked} booked + {held} held > capacity {schedule.capacity}")
        positions = sorted(
            e.ahead + 1
            for e in waitlist_entries_with_positions(
                queryset=WaitlistEntry.objects.filter(schedule=schedule, status="waiting")
            )
        )
        if positions != list(range(1, len(positions) + 1)):
            bad.append(f"class {schedule.pk}: waiting positions {positions}")
        waiting = WaitlistEntry.objects.filter(schedule=schedule, status="waiting").count()
        counters = (schedule.booked_count, schedule.held_count, schedule.waiting_count)
        if counters != (booked, held, waiting):  # the row's counters (core/counters.py) are exact
            bad.append(f"class {schedule.pk}: counters {counters} != counted {(booked, held, waiting)}")

    offers = list(
        WaitlistOffer.objects.filter(schedule_id__in=schedule_ids).select_related(
            "booking", "claimed_by", "reserved_for"
        )
    )
    claimed = [o for o in offers if o.status == "claimed"]
    for offer in claimed:
        booking, winner = offer.booking, offer.claimed_by
        if booking is None or booking.kind not in ("waitlist", "makeup") or booking.schedule_id != offer.schedule_id:
            bad.append(
                f"offer {offer.pk} claimed without its own waitlist/makeup booking "
                f"({booking and (booking.kind, booking.schedule_id)})"
            )
        if (
            winner is None
            or winner.status != "booked"
            or (booking is not None and winner.profile_id != booking.profile_id)
        ):
            bad.append(
                f"offer {offer.pk} claimed by {winner and (winner.pk, winner.status)} "
                f"for booking {booking and booking.pk}"
            )
    for name, counts in (
        ("booking", Counter(o.booking_id for o in claimed)),
        ("claimer", Counter(o.claimed_by_id for o in claimed)),
    ):
        bad += [f"{name} {key} behind {n} claimed offers" for key, n in counts.items() if n > 1]
    claimed_bookings = {o.booking_id for o in claimed}
    bad += [
        f"waitlist booking {pk} without a claimed offer"
        for pk in Booking.objects.filter(schedule_id__in=schedule_ids, kind="waitlist").values_list("pk", flat=True)
        if pk not in claimed_bookings
    ]
    claimers = {o.claimed_by_id for o in claimed}
    bad += [
        f"entry {pk} booked from the waitlist without a claimed offer"
        for pk in WaitlistEntry.objects.filter(schedule_id__in=schedule_ids, status="booked")
        .exclude(end_reason="direct_booking")
        .values_list("pk", flat=True)
        if pk not in claimers
    ]

    reservations = [o for o in offers if o.status == "open" and o.phase == "reserved"]
    for entry_id, n in Counter(o.reserved_for_id for o in reservations).items():
        if n > 1:
            bad.append(f"entry {entry_id} holds {n} open reservations")
    for offer in reservations:
        if offer.reserved_for is None or offer.reserved_for.status != "waiting":
            bad.append(
                f"open reservation {offer.pk} for entry {offer.reserved_for_id} "
                f"({offer.reserved_for and offer.reserved_for.status})"
            )

    # RULES §13: no child booked in two overlapping classes, no child waiting for a class that
    # overlaps one it is booked in.
    seats = list(
        Booking.objects.filter(
            status="booked",
            profile_id__in=Booking.objects.filter(schedule_id__in=schedule_ids).values("profile_id"),
        ).values_list("profile_id", "schedule_id", "schedule__starts_at", "schedule__ends_at")
    )
    by_child: dict[int, list] = defaultdict(list)
    for profile_id, schedule_id, starts_at, ends_at in seats:
        by_child[profile_id].append((schedule_id, starts_at, ends_at))
    for profile_id, booked in by_child.items():
        for i, (a, a_start, a_end) in enumerate(booked):
            for b, b_start, b_end in booked[i + 1 :]:
                if a_start < b_end and b_start < a_end:
                    bad.append(f"child {profile_id} booked in overlapping classes {a} and {b}")
    for profile_id, schedule_id, starts_at, ends_at in WaitlistEntry.objects.filter(
        schedule_id__in=schedule_ids, status="waiting"
    ).values_list("profile_id", "schedule_id", "schedule__starts_at", "schedule__ends_at"):
        for other, o_start, o_end in by_child.get(profile_id, []):
            if other != schedule_id and o_start < ends_at and starts_at < o_end:
                bad.append(f"child {profile_id} waits in class {schedule_id} overlapping its seat in {other}")

    # Make-ups and their seats: a booked make-up has its booked seat, and the other way round.
    makeup_seats = Counter(
        MakeupBooking.objects.filter(status="booked", booking__schedule_id__in=schedule_ids).values_list(
            "booking_id", flat=True
        )
    )
    for pk in Booking.objects.filter(schedule_id__in=schedule_ids, kind="makeup", status="booked").values_list(
        "pk", flat=True
    ):
        if makeup_seats[pk] != 1:
            bad.append(f"make-up seat {pk} has {makeup_seats[pk]} booked make-ups")
    for makeup in MakeupBooking.objects.filter(profile_id__in=profile_ids).select_related("booking"):
        if makeup.status == "booked" and (
            makeup.booking is None or makeup.booking.status != "booked" or makeup.booking.kind != "makeup"
        ):
            bad.append(f"make-up {makeup.pk} booked on {makeup.booking and (makeup.booking.pk, makeup.booking.status)}")
        if makeup.status == "pending" and makeup.booking_id is not None:
            bad.append(f"pending make-up {makeup.pk} still holds booking {makeup.booking_id}")

    # The ledger (RULES §7), as tests/compensation/invariants.py checks it, counted instead of asserted.
    sums: dict[int, Counter] = defaultdict(Counter)
    by_makeup: Counter = Counter()
    for credit_id, makeup_id, kind, minutes in CompensationUsage.objects.filter(
        credit__profile_id__in=profile_ids
    ).values_list("credit_id", "makeup_id", "kind", "minutes"):
        sums[credit_id][kind] += minutes
        if makeup_id is not None and kind in ("use", "restore"):
            by_makeup[makeup_id] += minutes if kind == "use" else -minutes
    balances: Counter = Counter()
    for credit in ClassCreditCompensation.objects.filter(profile_id__in=profile_ids):
        s = sums[credit.pk]
        expected = credit.minutes - s["use"] + s["restore"] - s["expire"] - s["revoke"]
        if credit.remaining != expected or not 0 <= credit.remaining <= credit.minutes:
            bad.append(f"credit {credit.pk}: remaining {credit.remaining}, ledger says {expected} of {credit.minutes}")
        if credit.status in ("expired", "revoked", "used_up") and credit.remaining != 0:
            bad.append(f"credit {credit.pk} is {credit.status} with {credit.remaining} remaining")
        balances[credit.profile_id] += credit.remaining
    for profile_id in profile_ids:
        history = compensation_history(profile_id=profile_id)
        last = history[0]["balance_after"] if history else 0
        if last != balances[profile_id] or last < 0:
            bad.append(f"profile {profile_id}: history ends at {last}, credits hold {balances[profile_id]}")
    for makeup in MakeupBooking.objects.filter(profile_id__in=profile_ids):
        owed = makeup.duration_difference if makeup.status == "booked" and (makeup.duration_difference or 0) > 0 else 0
        if by_makeup[makeup.pk] != owed:
            bad.append(f"make-up {makeup.pk} ({makeup.status}) spent {by_makeup[makeup.pk]} net, owes {owed}")
    return bad


# --- the rounds ------------------------------------------------------------------------------


def _classify(result) -> tuple[str, bool, bool]:
    """(outcome, unexpected, busy): a BusinessError is a business answer unless it is a 5xx."""

    if isinstance(result, BusinessError):
        return result.error, False, result.status >= 500
    if isinstance(result, Exception):
        return type(result).__name__, True, False
    return "ok", False, False


def run_rounds(count: int, seed: int = 1, *, progress=None) -> dict:
    """Runs `count` rounds (Django set up, database migrated); returns the counts and samples."""
    retries = _RetryCounter()
    db_log = logging.getLogger("core.db")  # retry_on_deadlock's warnings: counted, not printed
    saved = db_log.level, db_log.propagate
    db_log.setLevel(logging.WARNING)
    db_log.propagate = False
    db_log.addHandler(retries)
    try:
        return _run_rounds(count, seed, progress, retries)
    finally:
        db_log.removeHandler(retries)
        db_log.level, db_log.propagate = saved


class _RetryCounter(logging.Handler):
    """Counts the lock conflicts (MySQL 1213 deadlock victims, 1205 lock-wait timeouts) retried."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.codes: Counter = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if "lock conflict" in record.getMessage():
            args = record.args if isinstance(record.args, tuple) and len(record.args) >= 2 else ("?", "?")
            self.codes[f"{args[0]} {args[1]}"] += 1  # e.g. "waitlist_respond 1213"


def _run_rounds(count: int, seed: int, progress, retries: _RetryCounter) -> dict:

    rng = random.Random(seed)
    tag = uuid.uuid4().hex[:8]
    catalogue = _catalogue(tag)
    outcomes: dict[str, Counter] = defaultdict(Counter)
    violations: list[str] = []
    unexpected: list[str] = []
    busy = hung = operations = 0
    violating_rounds = 0
    started = time.monotonic()
    for index in range(count):
        r = _setup(rng, index, tag, catalogue)
        results, stuck = run_together([work for _, work in r.operations])
        close_old_connections()
        hung += stuck
        operations += len(results)
        for (label, _), result in zip(r.operations, results, strict=True):
            outcome, is_unexpected, is_busy = _classify(result)
            outcomes[label][outcome] += 1
            busy += is_busy
            if is_unexpected or is_busy:
                unexpected.append(f"round {index} {label}: {getattr(result, 'trace', repr(result))}")
        found = check_invariants(schedule_ids=r.schedule_ids, profile_ids=[r.child.pk])
        # Later, nothing concurrent: a sweep an hour on hands every offer over; the invariants still hold.
        try:
            waitlist_services.waitlist_offers_sweep(now=r.deadline + timedelta(hours=1))
        except Exception as exc:
            unexpected.append(f"round {index} final sweep: {''.join(traceback.format_exception(exc))}")
        found += [
            f"after the final sweep: {v}"
            for v in check_invariants(schedule_ids=r.schedule_ids, profile_ids=[r.child.pk])
        ]
        if found:
            violating_rounds += 1
            violations += [f"round {index}: {v}" for v in found]
        if progress and (index + 1) % progress == 0:
            print(
                f"  {index + 1}/{count} rounds, {operations} operations, {len(violations)} violations, "
                f"{len(unexpected)} unexpected, {time.monotonic() - started:.0f}s",
                file=sys.stderr,
                flush=True,
            )
    return {
        "rounds": count,
        "seed": seed,
        "operations": operations,
        "operations_by_kind": {label: sum(c.values()) for label, c in sorted(outcomes.items())},
        "outcomes": {label: dict(c.most_common()) for label, c in sorted(outcomes.items())},
        "violations": len(violations),
        "rounds_with_violations": violating_rounds,
        "violation_samples": violations[:SAMPLES],
        "unexpected_exceptions": len(unexpected),
        "busy_503": busy,
        "hung_threads": hung,
        "unexpected_samples": unexpected[:5],
        "lock_conflicts_retried": dict(retries.codes),
        # What RULES §12-13 did in these rounds (the run has a database of its own).
        "auto_booked_entries": WaitlistEntry.objects.filter(end_reason="auto_accept").count(),
        "conflict_ended_entries": WaitlistEntry.objects.filter(end_reason="time_conflict").count(),
        "seconds": round(time.monotonic() - started, 1),
    }
