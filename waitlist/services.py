"""The waitlist engine (RULES.md §2-5): joining, seat release into offers, the broadcast → reserved
hand-over, flows, the cutoff, and the parents' responses.

Every write on a schedule's waitlist runs under that schedule's row lock and first applies the
overdue transitions of its offers with the same function the periodic sweeper uses
(`waitlist_apply_overdue`), so nobody can accept after their deadline and a late sweep only delays
a hand-over. Locks are taken in one order: schedule, then offers, then entries by id.
"""

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.db import retry_on_deadlock
from core.errors import BusinessError
from core.formatting import local_time_text
from courses import selectors as course_selectors
from courses.locks import schedule_lock, schedule_lock_or_404
from courses.models import Booking, CourseSchedule
from notifications.services import NotificationSpec, notification_create_many
from waitlist import messages, selectors
from waitlist.clock import waking_deadline
from waitlist.models import WaitlistEntry, WaitlistFlow, WaitlistNotification, WaitlistOffer

Entry = WaitlistEntry
Offer = WaitlistOffer
Flow = WaitlistFlow
WN = WaitlistNotification


# --- the lock and the catch-up ---------------------------------------------------------------

@dataclass
class WaitlistLock:
    """A schedule locked by `waitlist_locked`; `refuse` ends the command with an error after the
    commit, keeping the writes made so far (a rejected flow, a lapsed offer)."""

    schedule: CourseSchedule
    refusal: BusinessError | None = None

    def refuse(self, error: BusinessError) -> None:
        self.refusal = error


@contextmanager
def waitlist_locked(*, schedule_id: int, now: datetime) -> Iterator[WaitlistLock]:
    """Lock the schedule, catch up its overdue transitions, then run the body in a savepoint.

    A BusinessError raised by the body undoes the body's writes but keeps the catch-up (a hand-over
    that was due is not lost because this caller was refused); it is raised after the commit, as is
    a refusal the body records with `refuse`.
    """
    with transaction.atomic():
        lock = WaitlistLock(schedule_lock_or_404(schedule_id=schedule_id))
        waitlist_apply_overdue(schedule=lock.schedule, now=now)
        try:
            with transaction.atomic():
                yield lock
        except BusinessError as error:
            lock.refusal = error
    if lock.refusal is not None:
        raise lock.refusal


def _lock_entry(entry_id: int) -> WaitlistEntry:
    entry = Entry.objects.select_for_update().get(pk=entry_id)  # no JOIN: lock the entry row only
    entry.profile  # noqa: B018 - the profile is read (not locked) for texts and the booking
    return entry


def _lock_waiting_entry(entry_id: int) -> WaitlistEntry:
    """Only a waiting entry can be acted on; every other status is final (RULES §2)."""
    entry = _lock_entry(entry_id)
    if entry.status != Entry.Status.WAITING:
        raise BusinessError.conflict("not_waiting", messages.NOT_WAITING)
    return entry


# --- notifications ---------------------------------------------------------------------------

def _payload(entry: WaitlistEntry, schedule: CourseSchedule, deadline: datetime | None) -> dict:
    return {
        "course_name": schedule.course.name,
        "starts_at": local_time_text(schedule.starts_at),
        "deadline": local_time_text(deadline) if deadline else "",
        "entry_id": entry.pk,
        "schedule_id": schedule.pk,
        "profile_id": entry.profile_id,
        "profile_name": entry.profile.name,
    }


def _notify(*, schedule, entries, template: str, kind: str, now: datetime, offer: WaitlistOffer | None = None,
            response_deadline: datetime | None = None, status: str = WN.Status.CLOSED) -> int:
    """Outbox rows (one INSERT) and their WaitlistNotification rows (one INSERT), in this transaction."""
    entries = list(entries)
    if not entries:
        return 0
    rows = notification_create_many(specs=[
        NotificationSpec(entry.profile.owner_id, template, _payload(entry, schedule, response_deadline), entry.profile_id)
        for entry in entries
    ])
    WN.objects.bulk_create([
        WN(offer=offer, entry=entry, kind=kind, response_deadline=response_deadline, status=status,
           notification=row, created_at=now)
        for entry, row in zip(entries, rows, strict=True)
    ])
    return len(entries)


# --- offers: release, hand-over, lapse -------------------------------------------------------

def waitlist_seat_released(*, schedule: CourseSchedule, reason: str, now: datetime, seats: int = 1) -> list[WaitlistOffer]:
    """RULES §3: seats were freed (schedule locked by the caller, inside its transaction).

    Before the cutoff and while there are more waiting entries than open offers, each seat becomes
    a broadcast offer; every entry waiting at this moment is notified of it.
    """
    waitlist_apply_overdue(schedule=schedule, now=now)
    # A seat freed at the cutoff instant or later is open to anyone (RULES §3: t >= cutoff, no offer).
    if schedule.status != CourseSchedule.Status.OPEN or now >= selectors.cutoff_of(schedule):
        return []
    # Only seats that exist under the capacity (it may have been lowered below the bookings).
    seats = min(seats, selectors.schedule_seats(schedule=schedule))
    waiting = list(selectors.queue(schedule_id=schedule.pk).select_related("profile"))
    open_offers = Offer.objects.filter(schedule=schedule, status=Offer.Status.OPEN).count()
    cutoff = selectors.cutoff_of(schedule)
    offers = []
    for _ in range(max(0, seats)):
        if open_offers >= len(waiting):
            break
        deadline = waking_deadline(now, cap=cutoff)
        offer = Offer.objects.create(schedule=schedule, reason=reason, released_at=now, phase=Offer.Phase.BROADCAST,
                                     status=Offer.Status.OPEN, deadline=deadline, round=1, phase_started_at=now)
        _notify(schedule=schedule, entries=waiting, template="waitlist_seat_available", kind=WN.Kind.SEAT_AVAILABLE,
                now=now, offer=offer, response_deadline=deadline, status=WN.Status.OPEN)
        offers.append(offer)
        open_offers += 1
    return offers


def _end_round(offer: WaitlistOffer, now: datetime) -> None:
    """The current phase of an offer is over: its running flows are abandoned, open answers expire."""
    Flow.objects.filter(offer=offer, status=Flow.Status.STARTED).update(status=Flow.Status.ABANDONED, completed_at=now)
    WN.objects.filter(offer=offer, status=WN.Status.OPEN).update(status=WN.Status.EXPIRED)


def _lapse(offer: WaitlistOffer, now: datetime) -> None:
    """Nobody takes this seat from the waitlist: it is open to anyone."""
    _end_round(offer, now)
    offer.status = Offer.Status.LAPSED
    offer.closed_at = now
    offer.save(update_fields=["status", "closed_at", "updated_at"])


def _reserve_next(offer: WaitlistOffer, schedule: CourseSchedule, now: datetime) -> None:
    """名额保留给第一位候补用户: the first waiting entry without a reservation in another open offer."""
    cutoff = selectors.cutoff_of(schedule)
    reserved_elsewhere = (Offer.objects.filter(schedule=schedule, status=Offer.Status.OPEN, reserved_for__isnull=False)
                          .exclude(pk=offer.pk).values("reserved_for_id"))
    candidate = (selectors.queue(schedule_id=schedule.pk).exclude(pk__in=reserved_elsewhere)
                 .select_related("profile").first())
    if candidate is None or now >= cutoff:
        _lapse(offer, now)
        return
    offer.phase = Offer.Phase.RESERVED
    offer.reserved_for = candidate
    offer.round += 1
    offer.phase_started_at = now
    offer.deadline = waking_deadline(now, cap=cutoff)  # counted from the moment of the reservation
    offer.save(update_fields=["phase", "reserved_for", "round", "phase_started_at", "deadline", "updated_at"])
    _notify(schedule=schedule, entries=[candidate], template="waitlist_seat_reserved", kind=WN.Kind.SEAT_RESERVED,
            now=now, offer=offer, response_deadline=offer.deadline, status=WN.Status.OPEN)


def _pass_on(offer: WaitlistOffer, schedule: CourseSchedule, now: datetime) -> None:
    _end_round(offer, now)
    _reserve_next(offer, schedule, now)


def _end_entry(entry: WaitlistEntry, status: str, now: datetime, *, schedule: CourseSchedule,
               reason: str = "", by=None, keep_offer: WaitlistOffer | None = None) -> None:
    """The entry leaves the queue (positions behind it move up at once); seats reserved for it pass on."""
    entry.status = status
    entry.active = None
    entry.ended_at = now
    entry.end_reason = reason
    entry.ended_by = by
    entry.save(update_fields=["status", "active", "ended_at", "end_reason", "ended_by", "updated_at"])
    Flow.objects.filter(entry=entry, status=Flow.Status.STARTED).update(status=Flow.Status.ABANDONED, completed_at=now)
    WN.objects.filter(entry=entry, status=WN.Status.OPEN).update(status=WN.Status.CLOSED)
    reservations = (Offer.objects.select_for_update().filter(schedule=schedule, status=Offer.Status.OPEN, reserved_for=entry)
                    .order_by("pk"))
    for offer in reservations:
        if keep_offer is None or offer.pk != keep_offer.pk:
            _pass_on(offer, schedule, now)


def waitlist_apply_overdue(*, schedule: CourseSchedule, now: datetime) -> None:
    """RULES §5.1-5.2 for one schedule whose row the caller has locked. Idempotent.

    An open offer whose closing time has passed hands over: broadcast → reserved for the first
    eligible entry; reserved → that entry expires and the next is reserved; nobody left → lapsed.
    Once past the cutoff (the cutoff instant itself is still open), every open offer lapses and every
    waiting entry closes, except an entry whose flow is still in grace (its offer stays open until the
    grace ends).
    """
    cutoff = selectors.cutoff_of(schedule)
    past_cutoff = selectors.waitlist_past_cutoff(schedule=schedule, now=now)  # the cutoff instant is still open
    offers = list(Offer.objects.select_for_update().filter(schedule=schedule, status=Offer.Status.OPEN)
                  .order_by("released_at", "id"))
    if offers:
        flows = selectors.flows_of_offers(offers)
        for offer in offers:
            if past_cutoff or schedule.status != CourseSchedule.Status.OPEN:
                # The waitlist has ended: only a flow still in grace keeps its offer open.
                if any(now <= selectors.flow_grace_end(flow) for flow in selectors.protecting_flows(offer, flows)):
                    continue
                if schedule.status == CourseSchedule.Status.OPEN and selectors.closing_time(offer, flows) < cutoff:
                    _expire_reservation(offer, schedule, now)  # its window ended before the cutoff (a late sweep)
                _lapse(offer, now)
            elif now > selectors.closing_time(offer, flows):
                _hand_over(offer, schedule, now)
    if past_cutoff:
        _close_at_cutoff(schedule, now)


def _expire_reservation(offer: WaitlistOffer, schedule: CourseSchedule, now: datetime) -> None:
    """自动顺位: the parent the seat was reserved for did not confirm in time and leaves the queue."""
    if offer.phase != Offer.Phase.RESERVED or not offer.reserved_for_id:
        return
    entry = _lock_entry(offer.reserved_for_id)
    if entry.status == Entry.Status.WAITING:
        _end_entry(entry, Entry.Status.EXPIRED, now, schedule=schedule, keep_offer=offer)
        _notify(schedule=schedule, entries=[entry], template="waitlist_expired", kind=WN.Kind.EXPIRED, now=now, offer=offer)


def _hand_over(offer: WaitlistOffer, schedule: CourseSchedule, now: datetime) -> None:
    _end_round(offer, now)
    _expire_reservation(offer, schedule, now)
    _reserve_next(offer, schedule, now)


def _close_at_cutoff(schedule: CourseSchedule, now: datetime) -> None:
    still_open = list(Offer.objects.filter(schedule=schedule, status=Offer.Status.OPEN))
    flows = selectors.flows_of_offers(still_open)
    in_grace = {
        flow.entry_id for offer in still_open for flow in selectors.protecting_flows(offer, flows)
        if now <= selectors.flow_grace_end(flow)
    }
    closing = list(selectors.queue(schedule_id=schedule.pk).exclude(pk__in=in_grace).select_related("profile"))
    if not closing:
        return
    ids = [entry.pk for entry in closing]
    Entry.objects.filter(pk__in=ids).update(status=Entry.Status.CLOSED, active=None, ended_at=now, updated_at=now)
    Flow.objects.filter(entry_id__in=ids, status=Flow.Status.STARTED).update(status=Flow.Status.ABANDONED, completed_at=now)
    WN.objects.filter(entry_id__in=ids, status=WN.Status.OPEN).update(status=WN.Status.CLOSED)
    _notify(schedule=schedule, entries=closing, template="waitlist_closed", kind=WN.Kind.CLOSED, now=now)


# --- joining and leaving ---------------------------------------------------------------------

@dataclass(frozen=True)
class JoinResult:
    entry: WaitlistEntry
    position: int
    count: int
    capacity: int


def waitlist_join_check(*, schedule: CourseSchedule, profile, now: datetime) -> tuple[int, int]:
    """RULES §2's checks in their order (after the caller's profile check), with RULES §6.7's
    cancelled class first; returns the queue's count and capacity. Caller holds `waitlist_locked`."""
    if schedule.status == CourseSchedule.Status.CANCELLED:  # RULES §6.7: before the cutoff's answer
        raise BusinessError.conflict("schedule_cancelled", messages.SCHEDULE_CANCELLED)
    if not selectors.waitlist_is_open(schedule=schedule, now=now):
        raise BusinessError.conflict("waitlist_closed", messages.WAITLIST_CLOSED)
    if selectors.schedule_seats(schedule=schedule) > 0:
        raise BusinessError.conflict("schedule_not_full", messages.SCHEDULE_NOT_FULL)
    if Booking.objects.filter(profile=profile, schedule=schedule, status=Booking.Status.BOOKED).exists():
        raise BusinessError.conflict("already_booked", messages.ALREADY_BOOKED)
    if WaitlistEntry.objects.filter(profile=profile, schedule=schedule, status=WaitlistEntry.Status.WAITING).exists():
        raise BusinessError.conflict("already_waitlisted", messages.ALREADY_WAITLISTED)
    if course_selectors.profile_has_time_conflict(profile=profile, schedule=schedule):
        raise BusinessError.conflict("time_conflict", messages.TIME_CONFLICT)
    count = selectors.waiting_count(schedule_id=schedule.pk)
    capacity = selectors.effective_capacity(schedule=schedule)
    if count >= capacity:
        raise BusinessError.conflict("waitlist_full", messages.WAITLIST_FULL)
    return count, capacity


def waitlist_entry_create(*, schedule: CourseSchedule, profile, now: datetime, count: int, capacity: int, makeup=None,
                          confirm_shorter: bool = False, use_compensation: bool = False) -> JoinResult:
    """The waiting entry, at the back of the queue; the unique key decides a race the lock did not.
    Caller holds `waitlist_locked` and has run `waitlist_join_check`."""
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(profile=profile, schedule=schedule, status=WaitlistEntry.Status.WAITING,
                                                 joined_at=now, makeup=makeup, confirm_shorter=confirm_shorter,
                                                 use_compensation=use_compensation, active=True)
    except IntegrityError as exc:  # the unique key caught a second waiting entry the lock did not
        raise BusinessError.conflict("already_waitlisted", messages.ALREADY_WAITLISTED) from exc
    return JoinResult(entry, selectors.position_of(entry=entry), count + 1, capacity)


@retry_on_deadlock
def waitlist_entry_cancel(*, entry_id: int, now: datetime | None = None) -> WaitlistEntry:
    """取消候补: only a waiting entry; a seat reserved for it passes on at once."""
    now = now or timezone.now()

    with waitlist_locked(schedule_id=selectors.waitlist_entry_schedule_id(entry_id=entry_id), now=now) as locked:
        schedule = locked.schedule
        entry = _lock_waiting_entry(entry_id)
        _end_entry(entry, Entry.Status.CANCELLED, now, schedule=schedule)
        return entry



def waitlist_entry_booked_directly(*, profile, schedule: CourseSchedule, now: datetime) -> None:
    """A direct booking ends the profile's own waiting entry on that schedule (RULES §1).
    Runs in the booking's transaction, schedule locked."""
    entry = Entry.objects.select_for_update().filter(profile=profile, schedule=schedule, status=Entry.Status.WAITING).first()
    if entry is not None:
        _end_entry(entry, Entry.Status.BOOKED, now, schedule=schedule, reason="direct_booking")


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError.bad_request("validation_error", messages.REASON_REQUIRED, {"reason": [messages.REASON_REQUIRED]})
    return reason


@retry_on_deadlock
def waitlist_entry_prioritize(*, entry_id: int, reason: str, by, now: datetime | None = None) -> WaitlistEntry:
    """Operators move an entry to the front of its queue, with a reason that is kept."""
    now = now or timezone.now()
    reason = _reason_required(reason)

    with waitlist_locked(schedule_id=selectors.waitlist_entry_schedule_id(entry_id=entry_id), now=now) as locked:
        schedule = locked.schedule
        entry = _lock_waiting_entry(entry_id)
        top = selectors.queue(schedule_id=schedule.pk).exclude(pk=entry.pk).values_list("priority", flat=True).first()
        entry.priority = max(entry.priority, (top or 0) + 1)
        entry.priority_reason = f"{reason}（{getattr(by, 'username', '')}）" if by else reason
        entry.save(update_fields=["priority", "priority_reason", "updated_at"])
        return entry



@retry_on_deadlock
def waitlist_entry_remove(*, entry_id: int, reason: str, by, now: datetime | None = None) -> WaitlistEntry:
    """Operators remove an entry (status `removed`) with a reason; its reservation passes on."""
    now = now or timezone.now()
    reason = _reason_required(reason)

    with waitlist_locked(schedule_id=selectors.waitlist_entry_schedule_id(entry_id=entry_id), now=now) as locked:
        schedule = locked.schedule
        entry = _lock_waiting_entry(entry_id)
        _end_entry(entry, Entry.Status.REMOVED, now, schedule=schedule, reason=reason, by=by)
        return entry



# --- responding to an offer (RULES §4) -------------------------------------------------------

@dataclass(frozen=True)
class StartResult:
    deadline: datetime
    seconds_left: int
    prompt: str


def _why_not(entry: WaitlistEntry) -> BusinessError:
    """RULES §4 steps 3-5, when the entry has nothing it may take now: the answer is about the most
    recent offer it was told of. Someone else claimed it → taken; otherwise, since it cannot be taken
    now (deadline passed, reserved for another, or ended without a claim) → expired."""
    notice = selectors.waitlist_latest_offer_notice(entry=entry)
    if notice is None:
        return BusinessError.conflict("no_offer", messages.NO_OFFER)
    if notice.status == WN.Status.SUPERSEDED:
        return BusinessError.conflict("offer_taken", messages.OFFER_TAKEN)
    return BusinessError.gone("offer_expired", messages.OFFER_EXPIRED)


def waitlist_offer_takeable(*, entry_id: int, now: datetime) -> tuple[WaitlistEntry, selectors.Takeable]:
    """RULES §4 steps 1-5: the waiting entry, locked, and the offer it may act on now (the earliest
    released), or the answer about why there is none. Caller holds `waitlist_locked`."""
    entry = _lock_waiting_entry(entry_id)
    takeable = selectors.takeable_offers(entry=entry, now=now)
    if not takeable:
        raise _why_not(entry)
    return entry, takeable[0]


@retry_on_deadlock
def waitlist_offer_start(*, entry_id: int, now: datetime | None = None) -> StartResult:
    """The parent opened 有名额，立即预约: record a flow (once per round; opening again keeps the first)."""
    now = now or timezone.now()
    with waitlist_locked(schedule_id=selectors.waitlist_entry_schedule_id(entry_id=entry_id), now=now):
        entry, choice = waitlist_offer_takeable(entry_id=entry_id, now=now)
        offer, flow = choice.offer, choice.flow
        if flow is None:
            flow = WaitlistFlow.objects.create(entry=entry, offer=offer, round=offer.round, started_at=now)
        elif flow.status != WaitlistFlow.Status.STARTED:  # after a refused accept: the same flow, the same start time
            WaitlistFlow.objects.filter(pk=flow.pk).update(status=WaitlistFlow.Status.STARTED, completed_at=None)
        # The time this parent has: the deadline, or the flow's grace if that ends later (以开始时间为准).
        deadline = max(offer.deadline, selectors.flow_grace_end(flow))
        seconds_left = max(0, math.ceil((deadline - now).total_seconds()))
        return StartResult(deadline, seconds_left, messages.PROMPT.format(minutes=math.ceil(seconds_left / 60)))


def waitlist_offer_refused(*, choice: selectors.Takeable, error: BusinessError, now: datetime) -> BusinessError:
    """The seat could not be booked for the entry: the answer, with its writes kept by the caller.
    A seat that no longer exists (the capacity was lowered under the offer) lapses the offer; any
    other refusal (a time conflict, a make-up's rules) leaves the entry waiting, its reservation
    running on, and its flow `rejected`. Caller holds `waitlist_locked`."""
    if error.error == "seat_gone":
        _lapse(choice.offer, now)
        return BusinessError.conflict("no_offer", messages.NO_OFFER)
    if choice.flow is not None:
        WaitlistFlow.objects.filter(pk=choice.flow.pk).update(status=WaitlistFlow.Status.REJECTED, completed_at=now)
    return error


def waitlist_offer_claimed(*, entry: WaitlistEntry, choice: selectors.Takeable, schedule: CourseSchedule,
                           booking: Booking, now: datetime) -> None:
    """RULES §4 accept, after the seat was booked for the entry: the offer is claimed, the others
    notified of it are superseded and told, the entry ends `booked` (its other reservations pass on)
    and the family hears it. Caller holds `waitlist_locked`."""
    offer = choice.offer
    if choice.flow is not None:
        WaitlistFlow.objects.filter(pk=choice.flow.pk).update(status=WaitlistFlow.Status.COMPLETED, completed_at=now)
    WN.objects.filter(offer=offer, entry=entry, status=WN.Status.OPEN).update(status=WN.Status.ACCEPTED)
    # "marks the other notifications of that offer superseded": the broadcast's too, if it has ended.
    others = (WN.objects.filter(offer=offer, kind__in=[WN.Kind.SEAT_AVAILABLE, WN.Kind.SEAT_RESERVED],
                                status__in=[WN.Status.OPEN, WN.Status.EXPIRED]).exclude(entry=entry))
    losers = list(Entry.objects.filter(pk__in=others.values("entry_id"), status=Entry.Status.WAITING)
                  .select_related("profile").order_by("pk"))
    others.update(status=WN.Status.SUPERSEDED)
    WaitlistFlow.objects.filter(offer=offer, status=WaitlistFlow.Status.STARTED).update(
        status=WaitlistFlow.Status.ABANDONED, completed_at=now)
    offer.status = Offer.Status.CLAIMED
    offer.claimed_by = entry
    offer.booking = booking
    offer.closed_at = now
    offer.save(update_fields=["status", "claimed_by", "booking", "closed_at", "updated_at"])
    # Tell the others first: a reservation passed on below is then the last word they hear.
    _notify(schedule=schedule, entries=losers, template="waitlist_offer_taken", kind=WN.Kind.OFFER_TAKEN, now=now, offer=offer)
    _end_entry(entry, Entry.Status.BOOKED, now, schedule=schedule, keep_offer=offer)
    notification_create_many(specs=[NotificationSpec(entry.profile.owner_id, "waitlist_booked",
                                                     _payload(entry, schedule, None), entry.profile_id)])


@retry_on_deadlock
def waitlist_offer_decline(*, entry_id: int, now: datetime | None = None) -> WaitlistEntry:
    """The entry leaves the waitlist (`declined`) for every offer; a seat reserved for it passes on."""
    now = now or timezone.now()
    with waitlist_locked(schedule_id=selectors.waitlist_entry_schedule_id(entry_id=entry_id), now=now) as locked:
        entry, _choice = waitlist_offer_takeable(entry_id=entry_id, now=now)
        _end_entry(entry, Entry.Status.DECLINED, now, schedule=locked.schedule)
        return entry


# --- periodic jobs and operators -------------------------------------------------------------

@retry_on_deadlock
def _sweep_schedule(schedule_id: int, now: datetime) -> bool:
    with transaction.atomic():
        # skip_locked: a schedule locked by a respond or a cancel is being caught up by that caller.
        schedule = schedule_lock(schedule_id=schedule_id, skip_locked=True)
        if schedule is None:
            return False
        waitlist_apply_overdue(schedule=schedule, now=now)
        return True


def waitlist_offers_sweep(*, now: datetime | None = None, batch: int | None = None) -> int:
    """The offer sweeper (every 15 s): schedules with an open offer past its deadline. Returns how
    many schedules were caught up (at most `batch`; the next run takes the rest)."""
    now = now or timezone.now()
    batch = batch or settings.WAITLIST_SWEEP_BATCH
    schedule_ids = list(selectors.due_offers(now=now).order_by("schedule_id")
                        .values_list("schedule_id", flat=True).distinct()[:batch])
    return sum(_sweep_schedule(schedule_id, now) for schedule_id in schedule_ids)


def waitlist_cutoff_close(*, now: datetime | None = None, batch: int | None = None) -> int:
    """The cutoff closer (every minute): schedules past their cutoff that still have waiting entries."""
    now = now or timezone.now()
    batch = batch or settings.WAITLIST_SWEEP_BATCH
    schedule_ids = list(selectors.entries_to_close(now=now).order_by("schedule_id")
                        .values_list("schedule_id", flat=True).distinct()[:batch])
    return sum(_sweep_schedule(schedule_id, now) for schedule_id in schedule_ids)


@dataclass(frozen=True)
class NotifyResult:
    offers_opened: int
    notified: int


@retry_on_deadlock
def waitlist_notify(*, schedule_id: int, now: datetime | None = None) -> NotifyResult:
    """Operators' manual send (发送候补通知): every free seat of the schedule becomes an offer."""
    now = now or timezone.now()

    with waitlist_locked(schedule_id=schedule_id, now=now) as locked:
        schedule = locked.schedule
        free = selectors.schedule_seats(schedule=schedule)
        before = WN.objects.filter(offer__schedule=schedule).count()
        offers = waitlist_seat_released(schedule=schedule, reason=Offer.Reason.MANUAL, now=now, seats=free)
        return NotifyResult(len(offers), WN.objects.filter(offer__schedule=schedule).count() - before)



def waitlist_offers_trim(*, schedule: CourseSchedule, now: datetime) -> int:
    """Capacity lowered below booked + held: the newest open offers lapse (their seats no longer exist).
    Schedule locked by the caller."""
    excess = -selectors.schedule_seats(schedule=schedule)
    if excess <= 0:
        return 0
    offers = list(Offer.objects.select_for_update().filter(schedule=schedule, status=Offer.Status.OPEN)
                  .order_by("-released_at", "-id")[:excess])
    for offer in offers:
        _lapse(offer, now)
    return len(offers)


@retry_on_deadlock
def waitlist_catch_up(*, schedule_id: int, now: datetime | None = None) -> None:
    """Applies a schedule's overdue transitions before a read shows its offers (RULES §5.5)."""
    with waitlist_locked(schedule_id=schedule_id, now=now or timezone.now()):
        pass



def waitlist_entries_end_for_makeup(*, makeup_id: int, except_schedule_id: int, now: datetime) -> int:
    """A make-up booked in one class leaves the other waitlists it queued in (their reservations pass
    on). Runs after the booking's commit; each class in its own short transaction, schedule first."""
    schedule_ids = sorted(set(Entry.objects.filter(makeup_id=makeup_id, status=Entry.Status.WAITING)
                              .exclude(schedule_id=except_schedule_id).values_list("schedule_id", flat=True)))
    ended = 0
    for schedule_id in schedule_ids:
        ended += _end_makeup_entries_in(schedule_id, makeup_id, now)
    return ended


@retry_on_deadlock
def _end_makeup_entries_in(schedule_id: int, makeup_id: int, now: datetime) -> int:
    with transaction.atomic():
        schedule = schedule_lock_or_404(schedule_id=schedule_id)
        entries = list(Entry.objects.select_for_update().filter(makeup_id=makeup_id, schedule=schedule,
                                                                status=Entry.Status.WAITING))
        for entry in entries:
            _end_entry(entry, Entry.Status.CANCELLED, now, schedule=schedule, reason="makeup_booked_elsewhere")
        return len(entries)


def waitlist_close_for_cancelled_class(*, schedule: CourseSchedule, now: datetime) -> int:
    """The studio cancelled the class (RULES §6.7): open offers lapse, every waiting entry closes and
    is told. Runs in the cancellation's transaction, schedule locked."""
    for offer in Offer.objects.select_for_update().filter(schedule=schedule, status=Offer.Status.OPEN):
        _lapse(offer, now)
    closing = list(selectors.queue(schedule_id=schedule.pk).select_related("profile"))
    ids = [entry.pk for entry in closing]
    Entry.objects.filter(pk__in=ids).update(status=Entry.Status.CLOSED, active=None, ended_at=now,
                                            end_reason="class_cancelled", updated_at=now)
    Flow.objects.filter(entry_id__in=ids, status=Flow.Status.STARTED).update(status=Flow.Status.ABANDONED, completed_at=now)
    WN.objects.filter(entry_id__in=ids, status=WN.Status.OPEN).update(status=WN.Status.CLOSED)
    _notify(schedule=schedule, entries=closing, template="waitlist_session_cancelled", kind=WN.Kind.CLOSED, now=now)
    return len(closing)
