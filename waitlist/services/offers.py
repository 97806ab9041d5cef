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

from core.db import lock_rows, retry_on_deadlock
from core.errors import BusinessError
from courses.locks import schedule_lock_or_404
from courses.models import CourseSchedule
from waitlist import selectors
from waitlist.clock import waking_deadline
from waitlist.hooks import waitlist_auto_accept
from waitlist.locks import waitlist_entry_lock
from waitlist.models import WaitlistEntry, WaitlistFlow, WaitlistNotification, WaitlistOffer
from waitlist.services.notices import waitlist_notices_create, waitlist_notices_create_for_offers


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


def _reserve_next(offer: WaitlistOffer, schedule: CourseSchedule, now: datetime) -> None:
    """名额保留给第一位候补用户: the first waiting entry without a reservation in another open offer."""
    cutoff = selectors.waitlist_cutoff(schedule=schedule)
    reserved_elsewhere = (
        WaitlistOffer.objects.filter(schedule=schedule, status=WaitlistOffer.Status.OPEN, reserved_for__isnull=False)
        .exclude(pk=offer.pk)
        .values("reserved_for_id")
    )
    candidate = (
        selectors.waitlist_queue(schedule_id=schedule.pk)
        .exclude(pk__in=reserved_elsewhere)
        .select_related("profile")
        .first()
    )
    # The cutoff instant still belongs to the open period (RULES §5.2): a hand-over due exactly then
    # reserves the seat with deadline = cutoff; one second later the waitlist has closed.
    if candidate is None or selectors.waitlist_past_cutoff(schedule=schedule, now=now):
        waitlist_offer_lapse(offer=offer, now=now)
        return
    offer.phase = WaitlistOffer.Phase.RESERVED
    offer.reserved_for = candidate
    offer.round += 1
    offer.phase_started_at = now
    offer.deadline = waking_deadline(now, cap=cutoff)  # counted from the moment of the reservation
    offer.save(update_fields=["phase", "reserved_for", "round", "phase_started_at", "deadline", "updated_at"])
    if _auto_accepted(offer, candidate, schedule, now):
        return
    waitlist_notices_create(
        schedule=schedule,
        entries=[candidate],
        template="waitlist_seat_reserved",
        kind=WaitlistNotification.Kind.SEAT_RESERVED,
        now=now,
        offer=offer,
        response_deadline=offer.deadline,
        status=WaitlistNotification.Status.OPEN,
    )


def _pass_on(offer: WaitlistOffer, schedule: CourseSchedule, now: datetime) -> None:
    _end_round(offer, now)
    _reserve_next(offer, schedule, now)


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
    """RULES §5.1-5.2 for one schedule whose row the caller has locked. Idempotent. Returns False
    when it certainly wrote nothing: no open offer and not past the cutoff. The open offers are
    read only when the row's `held_count`, as read under the lock, has some (offers this transaction
    opened since are not overdue: their deadline is after `now`).

    An open offer whose closing time has passed hands over: broadcast → reserved for the first
    eligible entry; reserved → that entry expires and the next is reserved; nobody left → lapsed.
    Once past the cutoff (the cutoff instant itself is still open), every open offer lapses and every
    waiting entry closes, except an entry whose flow is still in grace (its offer stays open until the
    grace ends).
    """
    cutoff = selectors.waitlist_cutoff(schedule=schedule)
    past_cutoff = selectors.waitlist_past_cutoff(schedule=schedule, now=now)  # the cutoff instant is still open
    if not schedule.held_count and not past_cutoff:
        return False
    offers = lock_rows(
        WaitlistOffer.objects.filter(schedule=schedule, status=WaitlistOffer.Status.OPEN).order_by("released_at", "id")
    )
    if offers:
        # A reservation whose entry ended without passing it on (RULES §13 from another class's
        # transaction) passes on now.
        ended = set(
            WaitlistEntry.objects.filter(pk__in=[o.reserved_for_id for o in offers if o.reserved_for_id])
            .exclude(status=WaitlistEntry.Status.WAITING)
            .values_list("pk", flat=True)
        )
        for offer in offers:
            if offer.reserved_for_id in ended and not past_cutoff and schedule.status == CourseSchedule.Status.OPEN:
                _pass_on(offer, schedule, now)
        offers = [offer for offer in offers if offer.status == WaitlistOffer.Status.OPEN]
        flows = selectors.waitlist_flows_of_offers(offers=offers)
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
        _hand_over_many(due, schedule, now, started=any(f.status == WaitlistFlow.Status.STARTED for f in flows))
    if past_cutoff:
        _close_at_cutoff(schedule, now)
    return True


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


def _hand_over_many(due: list[WaitlistOffer], schedule: CourseSchedule, now: datetime, started: bool = True) -> None:
    """Hands over every due offer of one class at once, with the result of handing them over one by
    one in their order (RULES §5.1): each round ends, a reserved entry that did not confirm expires,
    and the seats go to the first waiting entries holding no reservation, in queue order, one each;
    seats beyond the queue lapse. Set-based where the rules allow: one UPDATE each for the rounds'
    flows and answers, one read of the queue, one UPDATE of the offers, one INSERT each for the
    messages (the sweeper catches up 10,000 overdue offers in seconds, not half a minute).

    Handing over one by one, offer k excludes the entries later offers still reserve; those expire
    in their own hand-over and never become candidates. Expiring them all first therefore picks the
    same entries. `started`: whether any of the class's open offers has a started flow (the caller
    read them under the lock); without one there is no flow to abandon."""
    if not due:
        return
    ids = [offer.pk for offer in due]
    if started:
        WaitlistFlow.objects.filter(offer_id__in=ids, status=WaitlistFlow.Status.STARTED).update(
            status=WaitlistFlow.Status.ABANDONED, completed_at=now
        )
    WaitlistNotification.objects.filter(offer_id__in=ids, status=WaitlistNotification.Status.OPEN).update(
        status=WaitlistNotification.Status.EXPIRED
    )
    for offer in due:
        _expire_reservation(offer, schedule, now)
    cutoff = selectors.waitlist_cutoff(schedule=schedule)
    candidates = []
    # The cutoff instant still belongs to the open period (RULES §5.2): a hand-over due exactly then
    # reserves the seat with deadline = cutoff; one second later the waitlist has closed.
    if not selectors.waitlist_past_cutoff(schedule=schedule, now=now):
        reserved_elsewhere = (
            WaitlistOffer.objects.filter(
                schedule=schedule, status=WaitlistOffer.Status.OPEN, reserved_for__isnull=False
            )
            .exclude(pk__in=ids)
            .values("reserved_for_id")
        )
        candidates = list(
            selectors.waitlist_queue(schedule_id=schedule.pk)
            .exclude(pk__in=reserved_elsewhere)
            .select_related("profile")[: len(due)]
        )
    reserved, lapsed = due[: len(candidates)], due[len(candidates) :]
    if lapsed:  # nobody left to take these seats from the waitlist: open to anyone
        WaitlistOffer.objects.filter(pk__in=[offer.pk for offer in lapsed]).update(
            status=WaitlistOffer.Status.LAPSED, closed_at=now, updated_at=timezone.now()
        )
        for offer in lapsed:
            offer.status, offer.closed_at = WaitlistOffer.Status.LAPSED, now
    if not reserved:
        return
    deadline = waking_deadline(now, cap=cutoff)  # counted from the moment of the reservation
    updated_at = timezone.now()
    for offer, candidate in zip(reserved, candidates, strict=True):
        offer.phase = WaitlistOffer.Phase.RESERVED
        offer.reserved_for = candidate
        offer.round += 1
        offer.phase_started_at = now
        offer.deadline = deadline
        offer.updated_at = updated_at
    # One UPDATE: only the entry differs between the offers (bulk_update's CASE for every column
    # cost more in Python than the rest of the hand-over).
    WaitlistOffer.objects.filter(pk__in=[offer.pk for offer in reserved]).update(
        phase=WaitlistOffer.Phase.RESERVED,
        reserved_for=Case(*(When(pk=offer.pk, then=Value(offer.reserved_for_id)) for offer in reserved)),
        round=F("round") + 1,
        phase_started_at=now,
        deadline=deadline,
        updated_at=updated_at,
    )
    told = [
        (candidate, offer)
        for offer, candidate in zip(reserved, candidates, strict=True)
        if not _auto_accepted(offer, candidate, schedule, now)
    ]
    waitlist_notices_create_for_offers(
        schedule=schedule,
        pairs=told,
        template="waitlist_seat_reserved",
        kind=WaitlistNotification.Kind.SEAT_RESERVED,
        now=now,
        response_deadline=deadline,
        status=WaitlistNotification.Status.OPEN,
    )


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
