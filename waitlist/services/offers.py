"""Seats offered to the waitlist (RULES §3, §5): the lock and catch-up every command starts with, a
released seat becoming a broadcast offer, the hand-over to a reservation, lapsing, the cutoff, and
an entry leaving the queue (its reservations pass on).

Every write on a schedule's waitlist runs under that schedule's row lock and first applies the
overdue transitions of its offers with the same function the periodic sweeper uses
(`waitlist_apply_overdue`), so nobody can accept after their deadline and a late sweep only delays
a hand-over. Locks are taken in one order: schedule, then offers, then entries by id.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from core.db import by_id, lock_rows, retry_on_deadlock
from core.errors import BusinessError
from courses.locks import schedule_lock_or_404
from courses.models import CourseSchedule
from waitlist import selectors
from waitlist.clock import waking_deadline
from waitlist.hooks import waitlist_auto_accept
from waitlist.locks import waitlist_entry_lock
from waitlist.metrics import offers_counted
from waitlist.models import WaitlistEntry, WaitlistFlow, WaitlistNotification, WaitlistOffer
from waitlist.services.notices import WaitlistNotice, waitlist_notices_create, waitlist_notices_write


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
    """Lock the schedule, catch up its overdue transitions, then run the body.

    A BusinessError raised by the body undoes the body's writes but keeps the catch-up (a hand-over
    that was due is not lost because this caller was refused): the body runs in a savepoint when the
    catch-up may have written, and otherwise a refusal rolls the one transaction back (no savepoint
    to pay for on the common path). It is raised after the transaction, as is a refusal the body
    records with `refuse` (which keeps the body's writes).
    """
    with transaction.atomic():
        lock = WaitlistLock(schedule_lock_or_404(schedule_id=schedule_id))
        if waitlist_apply_overdue(schedule=lock.schedule, now=now):
            try:
                with transaction.atomic():
                    yield lock
            except BusinessError as error:
                lock.refusal = error
        else:
            yield lock
    if lock.refusal is not None:
        raise lock.refusal


def waitlist_seat_released(
    *, schedule: CourseSchedule, reason: str, now: datetime, seats: int = 1
) -> list[WaitlistOffer]:
    """RULES §3: seats were freed (schedule locked by the caller, inside its transaction).

    Before the cutoff and while there are more waiting entries than open offers, each seat becomes
    a broadcast offer; every entry waiting at this moment is notified of it. RULES §12: when the
    first waiting entry holding no reservation has 自动递补, the seat is booked for it at once
    instead, and nobody is told of that seat but its family.
    """
    waitlist_apply_overdue(schedule=schedule, now=now)
    # A seat freed at the cutoff instant or later is open to anyone (RULES §3: t >= cutoff, no offer).
    if schedule.status != CourseSchedule.Status.OPEN or now >= selectors.waitlist_cutoff(schedule=schedule):
        return []
    # Only seats that exist under the capacity (it may have been lowered below the bookings).
    seats = min(seats, selectors.schedule_seats(schedule=schedule))
    cutoff = selectors.waitlist_cutoff(schedule=schedule)
    offers = []
    for _ in range(max(0, seats)):
        waiting = list(selectors.waitlist_queue(schedule_id=schedule.pk).select_related("profile"))
        open_offers = WaitlistOffer.objects.filter(schedule=schedule, status=WaitlistOffer.Status.OPEN).count()
        if open_offers >= len(waiting):
            break
        deadline = waking_deadline(now, cap=cutoff)
        offer = WaitlistOffer.objects.create(
            schedule=schedule,
            reason=reason,
            released_at=now,
            phase=WaitlistOffer.Phase.BROADCAST,
            status=WaitlistOffer.Status.OPEN,
            deadline=deadline,
            round=1,
            phase_started_at=now,
        )
        offers_counted(phase=offer.phase, outcome="opened")
        offers.append(offer)
        head = _first_unreserved(schedule, waiting)
        if head is not None and _auto_accepted(offer, head, schedule, now):
            continue
        waitlist_notices_create(
            schedule=schedule,
            entries=waiting,
            template="waitlist_seat_available",
            kind=WaitlistNotification.Kind.SEAT_AVAILABLE,
            now=now,
            offer=offer,
            response_deadline=deadline,
            status=WaitlistNotification.Status.OPEN,
        )
    return offers


def _first_unreserved(schedule: CourseSchedule, waiting: list[WaitlistEntry]) -> WaitlistEntry | None:
    """The first waiting entry in position order that holds no reservation on this class."""
    reserved = set(
        WaitlistOffer.objects.filter(
            schedule=schedule, status=WaitlistOffer.Status.OPEN, reserved_for__isnull=False
        ).values_list("reserved_for_id", flat=True)
    )
    return next((entry for entry in waiting if entry.pk not in reserved), None)


def _auto_accepted(offer: WaitlistOffer, entry: WaitlistEntry, schedule: CourseSchedule, now: datetime) -> bool:
    """RULES §12: an entry with 自动递补 is booked into the seat at once while the class starts at
    least AUTO_ACCEPT_MIN_NOTICE later (at that instant exactly too); inside it the parent confirms.
    The accept's every rule applies: a refusal leaves the offer running as if auto-accept were off."""
    if not entry.auto_accept or now > schedule.starts_at - settings.AUTO_ACCEPT_MIN_NOTICE:
        return False
    return waitlist_auto_accept(offer=offer, entry=entry, schedule=schedule, now=now)


def _end_round(offer: WaitlistOffer, now: datetime) -> None:
    """The current phase of an offer is over: its running flows are abandoned, open answers expire."""
    WaitlistFlow.objects.filter(offer=offer, status=WaitlistFlow.Status.STARTED).update(
        status=WaitlistFlow.Status.ABANDONED, completed_at=now
    )
    WaitlistNotification.objects.filter(offer=offer, status=WaitlistNotification.Status.OPEN).update(
        status=WaitlistNotification.Status.EXPIRED
    )


def waitlist_offer_lapse(*, offer: WaitlistOffer, now: datetime) -> None:
    """Nobody takes this seat from the waitlist: it is open to anyone."""
    _end_round(offer, now)
    offer.status = WaitlistOffer.Status.LAPSED
    offer.closed_at = now
    offer.save(update_fields=["status", "closed_at", "updated_at"])
    offers_counted(phase=offer.phase, outcome="lapsed")


def _pass_on(offer: WaitlistOffer, schedule: CourseSchedule, now: datetime) -> None:
    """名额保留给下一位: the round ends and the seat is reserved for the first waiting entry without a
    reservation in another open offer (the hand-over of a single offer)."""
    _hand_over_all([_HandOver(schedule, [offer], started=True)], now)


def waitlist_entry_end(
    *,
    entry: WaitlistEntry,
    status: str,
    now: datetime,
    schedule: CourseSchedule,
    reason: str = "",
    by=None,
    keep_offer: WaitlistOffer | None = None,
    pass_on: bool = True,
) -> None:
    """The entry leaves the queue (positions behind it move up at once); seats reserved for it pass
    on, unless `pass_on` is False: then the schedule's next catch-up passes them on (an entry ended
    from another class's transaction, RULES §13, where no hand-over may lock a further profile)."""
    entry.status = status
    entry.active = None
    entry.ended_at = now
    entry.end_reason = reason
    entry.ended_by = by
    entry.save(update_fields=["status", "active", "ended_at", "end_reason", "ended_by", "updated_at"])
    WaitlistFlow.objects.filter(entry=entry, status=WaitlistFlow.Status.STARTED).update(
        status=WaitlistFlow.Status.ABANDONED, completed_at=now
    )
    WaitlistNotification.objects.filter(entry=entry, status=WaitlistNotification.Status.OPEN).update(
        status=WaitlistNotification.Status.CLOSED
    )
    if not pass_on:
        return
    reservations = lock_rows(
        WaitlistOffer.objects.filter(schedule=schedule, status=WaitlistOffer.Status.OPEN, reserved_for=entry).order_by(
            "pk"
        )
    )
    for offer in reservations:
        if keep_offer is None or offer.pk != keep_offer.pk:
            _pass_on(offer, schedule, now)


def waitlist_apply_overdue(*, schedule: CourseSchedule, now: datetime) -> bool:
    """RULES §5.1-5.2 for one schedule whose row the caller has locked (`waitlist_apply_overdue_many`).
    Returns False when it certainly wrote nothing: no open offer and not past the cutoff."""
    return bool(waitlist_apply_overdue_many(schedules=[schedule], now=now))


def waitlist_apply_overdue_many(*, schedules: list[CourseSchedule], now: datetime) -> list[CourseSchedule]:
    """RULES §5.1-5.2 for schedules whose rows the caller has locked, with the result of catching each
    up on its own, one after another. Idempotent. Returns the schedules it may have written; the
    others certainly had nothing to do: no open offer and not past the cutoff. The open offers are
    read only for schedules whose `held_count`, as read under the lock, has some (offers this
    transaction opened since are not overdue: their deadline is after `now`).

    An open offer whose closing time has passed hands over: broadcast → reserved for the first
    eligible entry; reserved → that entry expires and the next is reserved; nobody left → lapsed.
    Once past the cutoff (the cutoff instant itself is still open), every open offer lapses and every
    waiting entry closes, except an entry whose flow is still in grace (its offer stays open until the
    grace ends).

    Many schedules at once (the sweeper) cost a few statements more than one: their open offers are
    locked, their flows and their ended reservations read, and the reservations' messages written,
    together; each schedule's queue is read and its offers handed over on their own.
    """
    active = [
        schedule
        for schedule in schedules
        if schedule.held_count or selectors.waitlist_past_cutoff(schedule=schedule, now=now)
    ]
    if not active:
        return []
    offers = lock_rows(
        WaitlistOffer.objects.filter(
            schedule_id__in=[schedule.pk for schedule in active], status=WaitlistOffer.Status.OPEN
        ).order_by("schedule_id", "released_at", "id")
    )
    of_schedule: dict[int, list[WaitlistOffer]] = {schedule.pk: [] for schedule in active}
    for offer in offers:
        of_schedule[offer.schedule_id].append(offer)
    # A reservation whose entry ended without passing it on (RULES §13 from another class's
    # transaction) passes on now.
    reserved_for = [offer.reserved_for_id for offer in offers if offer.reserved_for_id]
    ended = (
        set(
            WaitlistEntry.objects.filter(pk__in=reserved_for)
            .exclude(status=WaitlistEntry.Status.WAITING)
            .values_list("pk", flat=True)
        )
        if reserved_for
        else set()
    )
    for schedule in active:
        if selectors.waitlist_past_cutoff(schedule=schedule, now=now) or schedule.status != CourseSchedule.Status.OPEN:
            continue
        for offer in of_schedule[schedule.pk]:
            if offer.reserved_for_id in ended:
                _pass_on(offer, schedule, now)
    still_open = [offer for offer in offers if offer.status == WaitlistOffer.Status.OPEN]
    flows = selectors.waitlist_flows_of_offers(offers=still_open) if still_open else []
    hand_overs = []
    for schedule in active:
        hand_over = _apply_overdue_one(
            schedule,
            [offer for offer in of_schedule[schedule.pk] if offer.status == WaitlistOffer.Status.OPEN],
            flows,
            now,
        )
        if hand_over is not None:
            hand_overs.append(hand_over)
    _hand_over_all(hand_overs, now)
    for schedule in active:
        if selectors.waitlist_past_cutoff(schedule=schedule, now=now):
            _close_at_cutoff(schedule, now)
    return active


@dataclass
class _HandOver:
    """A class's offers whose closing time has passed, in their order, to hand over together."""

    schedule: CourseSchedule
    due: list[WaitlistOffer]
    started: bool  # whether any of the class's open offers has a started flow (else none to abandon)


def _apply_overdue_one(
    schedule: CourseSchedule, offers: list[WaitlistOffer], flows: list[WaitlistFlow], now: datetime
) -> "_HandOver | None":
    """One schedule's part of `waitlist_apply_overdue_many`, given its open offers (locked) and the
    flows read: offers past the cutoff lapse; the due ones are returned, to hand over."""
    cutoff = selectors.waitlist_cutoff(schedule=schedule)
    past_cutoff = selectors.waitlist_past_cutoff(schedule=schedule, now=now)  # the cutoff instant is still open
    offer_ids = {offer.pk for offer in offers}
    flows = [flow for flow in flows if flow.offer_id in offer_ids]
    due = []  # handed over together, in this order, after the loop
    for offer in offers:
        if past_cutoff or schedule.status != CourseSchedule.Status.OPEN:
            # The waitlist has ended: only a flow still in grace keeps its offer open.
            if any(
                now <= selectors.waitlist_flow_grace_end(flow=flow)
                for flow in selectors.waitlist_offer_protecting_flows(offer=offer, flows=flows)
            ):
                continue
            if (
                schedule.status == CourseSchedule.Status.OPEN
                and selectors.waitlist_offer_closing_time(offer=offer, flows=flows) < cutoff
            ):
                _expire_reservation(offer, schedule, now)  # its window ended before the cutoff (a late sweep)
            waitlist_offer_lapse(offer=offer, now=now)
        elif now > selectors.waitlist_offer_closing_time(offer=offer, flows=flows):
            due.append(offer)
    if not due:
        return None
    return _HandOver(schedule, due, started=any(f.status == WaitlistFlow.Status.STARTED for f in flows))


class _Told:
    """Reservations to tell families of (waitlist_seat_reserved), written together: one INSERT pair
    for all the classes a sweep catches up, except that those of the classes before one that books at
    once are written before it does, since its booking may end an entry told there (RULES §13) and
    must find its message to close it."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.notices: list[WaitlistNotice] = []

    def flush(self) -> None:
        notices, self.notices = self.notices, []
        waitlist_notices_write(
            notices=notices,
            template="waitlist_seat_reserved",
            kind=WaitlistNotification.Kind.SEAT_RESERVED,
            now=self.now,
            status=WaitlistNotification.Status.OPEN,
        )


def _expire_reservation(offer: WaitlistOffer, schedule: CourseSchedule, now: datetime) -> None:
    """自动顺位: the parent the seat was reserved for did not confirm in time and leaves the queue."""
    if offer.phase != WaitlistOffer.Phase.RESERVED or not offer.reserved_for_id:
        return
    entry = waitlist_entry_lock(entry_id=offer.reserved_for_id)
    if entry.status == WaitlistEntry.Status.WAITING:
        waitlist_entry_end(
            entry=entry, status=WaitlistEntry.Status.EXPIRED, now=now, schedule=schedule, keep_offer=offer
        )
        waitlist_notices_create(
            schedule=schedule,
            entries=[entry],
            template="waitlist_expired",
            kind=WaitlistNotification.Kind.EXPIRED,
            now=now,
            offer=offer,
        )


def _hand_over_all(hand_overs: list[_HandOver], now: datetime) -> None:
    """Hands over the due offers of these classes (RULES §5.1) with the result of handing them over
    one by one, class after class in their order: each round ends, a reserved entry that did not
    confirm expires, and the seats go to the first waiting entries holding no reservation, in queue
    order, one each; seats beyond the queue lapse.

    Set-based over runs of classes: one UPDATE each for the rounds' flows and answers, one read of
    the queues' heads (a window function), one UPDATE each for the reserved and the lapsed offers,
    one INSERT each for the messages, whatever the number of classes (the sweeper catches up 10,000
    overdue offers over 2,000 classes in seconds). A class where someone waits with 自动递补 (RULES
    §12) is handed over on its own, between the runs before and after it: its booking may end the
    child's entries in other classes (RULES §13), which the classes after it must see.

    Handing over one by one, offer k excludes the entries later offers still reserve; those expire
    in their own hand-over and never become candidates. Expiring them all first therefore picks the
    same entries.
    """
    if not hand_overs:
        return
    booking = set(
        WaitlistEntry.objects.filter(
            schedule_id__in=[hand_over.schedule.pk for hand_over in hand_overs],
            status=WaitlistEntry.Status.WAITING,
            auto_accept=True,
        ).values_list("schedule_id", flat=True)
    )
    told = _Told(now)
    run: list[_HandOver] = []
    for hand_over in hand_overs:
        if hand_over.schedule.pk in booking:
            _hand_over_run(run, now, told)
            run = []
            told.flush()  # its booking may end an entry told above (RULES §13), whose message must exist
            _hand_over_run([hand_over], now, told)
        else:
            run.append(hand_over)
    _hand_over_run(run, now, told)
    told.flush()


def _hand_over_run(hand_overs: list[_HandOver], now: datetime, told: "_Told") -> None:
    """The set-based hand-over of classes none of which books anyone at once (or of one class)."""
    if not hand_overs:
        return
    ids = [offer.pk for hand_over in hand_overs for offer in hand_over.due]
    started = [offer.pk for hand_over in hand_overs if hand_over.started for offer in hand_over.due]
    if started:
        WaitlistFlow.objects.filter(offer_id__in=started, status=WaitlistFlow.Status.STARTED).update(
            status=WaitlistFlow.Status.ABANDONED, completed_at=now
        )
    WaitlistNotification.objects.filter(offer_id__in=ids, status=WaitlistNotification.Status.OPEN).update(
        status=WaitlistNotification.Status.EXPIRED
    )
    for hand_over in hand_overs:
        for offer in hand_over.due:
            _expire_reservation(offer, hand_over.schedule, now)
    _reserve(hand_overs, _heads(hand_overs, ids, now), now, told)


def _heads(hand_overs: list[_HandOver], handed_over_ids: list[int], now: datetime) -> dict[int, list[WaitlistEntry]]:
    """Who each class's due offers go to, in order: none once past the cutoff (the cutoff instant
    still belongs to the open period, RULES §5.2: a hand-over due exactly then reserves the seat with
    deadline = cutoff; one second later the waitlist has closed)."""
    wanted = {
        hand_over.schedule.pk: len(hand_over.due)
        for hand_over in hand_overs
        if not selectors.waitlist_past_cutoff(schedule=hand_over.schedule, now=now)
    }
    heads = selectors.waitlist_queue_heads(wanted=wanted, keep_offer_ids=handed_over_ids)
    return {hand_over.schedule.pk: heads.get(hand_over.schedule.pk, []) for hand_over in hand_overs}


def _reserve(hand_overs: list[_HandOver], heads: dict[int, list[WaitlistEntry]], now: datetime, told: "_Told") -> None:
    """Each due offer reserved for the next head in order (deadline counted from now), the rest
    lapse (nobody left on the waitlist: the seat is open to anyone). A head with 自动递补 is booked at
    once; the others join `told`, after the bookings (a parent told of a reservation hears nothing
    older after it)."""
    lapsed: list[WaitlistOffer] = []
    reserved: list[tuple[WaitlistOffer, WaitlistEntry, CourseSchedule]] = []
    for hand_over in hand_overs:
        candidates = heads[hand_over.schedule.pk]
        reserved.extend(
            (offer, entry, hand_over.schedule) for offer, entry in zip(hand_over.due, candidates, strict=False)
        )  # heads ≤ due
        lapsed.extend(hand_over.due[len(candidates) :])
    if lapsed:
        WaitlistOffer.objects.filter(pk__in=[offer.pk for offer in lapsed]).update(
            status=WaitlistOffer.Status.LAPSED, closed_at=now, updated_at=timezone.now()
        )
        for offer in lapsed:
            offer.status, offer.closed_at = WaitlistOffer.Status.LAPSED, now
        for phase in WaitlistOffer.Phase.values:
            offers_counted(phase=phase, outcome="lapsed", times=sum(offer.phase == phase for offer in lapsed))
    if not reserved:
        return
    updated_at = timezone.now()
    for offer, entry, schedule in reserved:
        offer.phase = WaitlistOffer.Phase.RESERVED
        offer.reserved_for = entry
        offer.round += 1
        offer.phase_started_at = now
        offer.deadline = waking_deadline(now, cap=selectors.waitlist_cutoff(schedule=schedule))
        offer.updated_at = updated_at
    # One UPDATE: only the entry and the deadline differ between the offers (bulk_update's CASE for
    # every column cost more in Python than the rest of the hand-over; so did Case/When for the entry).
    deadlines = {offer.deadline for offer, _, _ in reserved}
    WaitlistOffer.objects.filter(pk__in=[offer.pk for offer, _, _ in reserved]).update(
        phase=WaitlistOffer.Phase.RESERVED,
        reserved_for=by_id({offer.pk: offer.reserved_for_id for offer, _, _ in reserved}),
        round=F("round") + 1,
        phase_started_at=now,
        deadline=(
            deadlines.pop()
            if len(deadlines) == 1
            else Case(*(When(pk=offer.pk, then=Value(offer.deadline)) for offer, _, _ in reserved))
        ),
        updated_at=updated_at,
    )
    offers_counted(phase=WaitlistOffer.Phase.RESERVED, outcome="opened", times=len(reserved))
    for offer, entry, schedule in reserved:
        if not _auto_accepted(offer, entry, schedule, now):
            told.notices.append(WaitlistNotice(entry, offer, schedule, offer.deadline))


def _close_at_cutoff(schedule: CourseSchedule, now: datetime) -> None:
    still_open = list(WaitlistOffer.objects.filter(schedule=schedule, status=WaitlistOffer.Status.OPEN))
    flows = selectors.waitlist_flows_of_offers(offers=still_open)
    in_grace = {
        flow.entry_id
        for offer in still_open
        for flow in selectors.waitlist_offer_protecting_flows(offer=offer, flows=flows)
        if now <= selectors.waitlist_flow_grace_end(flow=flow)
    }
    closing = list(selectors.waitlist_queue(schedule_id=schedule.pk).exclude(pk__in=in_grace).select_related("profile"))
    if not closing:
        return
    ids = [entry.pk for entry in closing]
    WaitlistEntry.objects.filter(pk__in=ids).update(
        status=WaitlistEntry.Status.CLOSED, active=None, ended_at=now, updated_at=now
    )
    WaitlistFlow.objects.filter(entry_id__in=ids, status=WaitlistFlow.Status.STARTED).update(
        status=WaitlistFlow.Status.ABANDONED, completed_at=now
    )
    WaitlistNotification.objects.filter(entry_id__in=ids, status=WaitlistNotification.Status.OPEN).update(
        status=WaitlistNotification.Status.CLOSED
    )
    waitlist_notices_create(
        schedule=schedule, entries=closing, template="waitlist_closed", kind=WaitlistNotification.Kind.CLOSED, now=now
    )


def waitlist_offers_trim(*, schedule: CourseSchedule, now: datetime) -> int:
    """Capacity lowered below booked + held: the newest open offers lapse (their seats no longer exist).
    Schedule locked by the caller."""
    excess = -selectors.schedule_seats(schedule=schedule)
    if excess <= 0:
        return 0
    offers = lock_rows(
        WaitlistOffer.objects.filter(schedule=schedule, status=WaitlistOffer.Status.OPEN).order_by(
            "-released_at", "-id"
        )[:excess]
    )
    for offer in offers:
        waitlist_offer_lapse(offer=offer, now=now)
    return len(offers)


def waitlist_offers_recap(*, schedule: CourseSchedule, now: datetime) -> int:
    """The class moved (RULES §11.6): each open offer's deadline is counted again from the start of its
    phase, capped at the new cutoff, and the open answers of that phase carry it; then what became
    overdue is applied (a cutoff now past closes the waitlist). Schedule locked by the caller; returns
    how many deadlines changed."""
    cutoff = selectors.waitlist_cutoff(schedule=schedule)
    changed = 0
    offers = lock_rows(WaitlistOffer.objects.filter(schedule=schedule, status=WaitlistOffer.Status.OPEN).order_by("id"))
    for offer in offers:
        deadline = waking_deadline(offer.phase_started_at, cap=cutoff)
        if deadline != offer.deadline:
            offer.deadline = deadline
            offer.save(update_fields=["deadline", "updated_at"])
            WaitlistNotification.objects.filter(offer=offer, status=WaitlistNotification.Status.OPEN).update(
                response_deadline=deadline
            )
            changed += 1
    waitlist_apply_overdue(schedule=schedule, now=now)
    return changed


def waitlist_close_for_cancelled_class(*, schedule: CourseSchedule, now: datetime) -> int:
    """The studio cancelled the class (RULES §6.7): open offers lapse, every waiting entry closes and
    is told. Runs in the cancellation's transaction, schedule locked."""
    for offer in lock_rows(
        WaitlistOffer.objects.filter(schedule=schedule, status=WaitlistOffer.Status.OPEN).order_by("id")
    ):
        waitlist_offer_lapse(offer=offer, now=now)
    closing = list(selectors.waitlist_queue(schedule_id=schedule.pk).select_related("profile"))
    ids = [entry.pk for entry in closing]
    WaitlistEntry.objects.filter(pk__in=ids).update(
        status=WaitlistEntry.Status.CLOSED, active=None, ended_at=now, end_reason="class_cancelled", updated_at=now
    )
    WaitlistFlow.objects.filter(entry_id__in=ids, status=WaitlistFlow.Status.STARTED).update(
        status=WaitlistFlow.Status.ABANDONED, completed_at=now
    )
    WaitlistNotification.objects.filter(entry_id__in=ids, status=WaitlistNotification.Status.OPEN).update(
        status=WaitlistNotification.Status.CLOSED
    )
    waitlist_notices_create(
        schedule=schedule,
        entries=closing,
        template="waitlist_session_cancelled",
        kind=WaitlistNotification.Kind.CLOSED,
        now=now,
    )
    return len(closing)


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
        before = WaitlistNotification.objects.filter(offer__schedule=schedule).count()
        offers = waitlist_seat_released(schedule=schedule, reason=WaitlistOffer.Reason.MANUAL, now=now, seats=free)
        return NotifyResult(len(offers), WaitlistNotification.objects.filter(offer__schedule=schedule).count() - before)
