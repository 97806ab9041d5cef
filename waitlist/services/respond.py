"""A parent answering an offer (RULES §4): start the booking flow, the accept's waitlist side (the
seat itself is booked by flows/offers.py), a refusal, and decline."""

import math
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from core.db import retry_on_deadlock
from core.errors import BusinessError
from core.formatting import hours_text
from courses.models import Booking, CourseSchedule
from notifications.services import NotificationSpec, notification_create_many
from waitlist import messages, selectors
from waitlist.locks import waitlist_entry_lock_waiting
from waitlist.metrics import offers_counted
from waitlist.models import WaitlistEntry, WaitlistFlow, WaitlistNotification, WaitlistOffer
from waitlist.services.notices import waitlist_notice_payload, waitlist_notices_create
from waitlist.services.offers import waitlist_entry_end, waitlist_locked, waitlist_offer_lapse

AUTO_ACCEPT_REASON = "auto_accept"  # an entry booked by 自动递补 (RULES §12) ends with this reason


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
    if notice.status == WaitlistNotification.Status.SUPERSEDED:
        return BusinessError.conflict("offer_taken", messages.OFFER_TAKEN)
    return BusinessError.gone("offer_expired", messages.OFFER_EXPIRED)


def waitlist_offer_takeable(*, entry_id: int, now: datetime) -> tuple[WaitlistEntry, selectors.Takeable]:
    """RULES §4 steps 1-5: the waiting entry, locked, and the offer it may act on now (the earliest
    released), or the answer about why there is none. Caller holds `waitlist_locked`."""
    entry = waitlist_entry_lock_waiting(entry_id=entry_id)
    takeable = selectors.waitlist_takeable_offers(entry=entry, now=now)
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
        deadline = max(offer.deadline, selectors.waitlist_flow_grace_end(flow=flow))
        seconds_left = max(0, math.ceil((deadline - now).total_seconds()))
        return StartResult(deadline, seconds_left, messages.PROMPT.format(minutes=math.ceil(seconds_left / 60)))


def waitlist_offer_refused(*, choice: selectors.Takeable, error: BusinessError, now: datetime) -> BusinessError:
    """The seat could not be booked for the entry: the answer, with its writes kept by the caller.
    A seat that no longer exists (the capacity was lowered under the offer) lapses the offer; any
    other refusal (a time conflict, a make-up's rules) leaves the entry waiting, its reservation
    running on, and its flow `rejected`. Caller holds `waitlist_locked`."""
    if error.error == "seat_gone":
        waitlist_offer_lapse(offer=choice.offer, now=now)
        return BusinessError.conflict("no_offer", messages.NO_OFFER)
    if choice.flow is not None:
        WaitlistFlow.objects.filter(pk=choice.flow.pk).update(status=WaitlistFlow.Status.REJECTED, completed_at=now)
    return error


def waitlist_offer_claimed(
    *,
    entry: WaitlistEntry,
    choice: selectors.Takeable,
    schedule: CourseSchedule,
    booking: Booking,
    now: datetime,
    auto: bool = False,
) -> None:
    """RULES §4 accept, after the seat was booked for the entry: the offer is claimed, the others
    notified of it are superseded and told, the entry ends `booked` (its other reservations pass on)
    and the family hears it (`waitlist_auto_booked` when 自动递补 took it, RULES §12). Caller holds
    the schedule's lock."""
    offer = choice.offer
    if choice.flow is not None:
        WaitlistFlow.objects.filter(pk=choice.flow.pk).update(status=WaitlistFlow.Status.COMPLETED, completed_at=now)
    WaitlistNotification.objects.filter(offer=offer, entry=entry, status=WaitlistNotification.Status.OPEN).update(
        status=WaitlistNotification.Status.ACCEPTED
    )
    # "marks the other notifications of that offer superseded": the broadcast's too, if it has ended.
    others = WaitlistNotification.objects.filter(
        offer=offer,
        kind__in=[WaitlistNotification.Kind.SEAT_AVAILABLE, WaitlistNotification.Kind.SEAT_RESERVED],
        status__in=[WaitlistNotification.Status.OPEN, WaitlistNotification.Status.EXPIRED],
    ).exclude(entry=entry)
    losers = list(
        WaitlistEntry.objects.filter(pk__in=others.values("entry_id"), status=WaitlistEntry.Status.WAITING)
        .select_related("profile")
        .order_by("pk")
    )
    others.update(status=WaitlistNotification.Status.SUPERSEDED)
    WaitlistFlow.objects.filter(offer=offer, status=WaitlistFlow.Status.STARTED).update(
        status=WaitlistFlow.Status.ABANDONED, completed_at=now
    )
    offer.status = WaitlistOffer.Status.CLAIMED
    offer.claimed_by = entry
    offer.booking = booking
    offer.closed_at = now
    offer.save(update_fields=["status", "claimed_by", "booking", "closed_at", "updated_at"])
    offers_counted(phase=offer.phase, outcome="claimed")
    # Tell the others first: a reservation passed on below is then the last word they hear.
    waitlist_notices_create(
        schedule=schedule,
        entries=losers,
        template="waitlist_offer_taken",
        kind=WaitlistNotification.Kind.OFFER_TAKEN,
        now=now,
        offer=offer,
    )
    waitlist_entry_end(
        entry=entry,
        status=WaitlistEntry.Status.BOOKED,
        now=now,
        schedule=schedule,
        keep_offer=offer,
        reason=AUTO_ACCEPT_REASON if auto else "",
    )
    payload = waitlist_notice_payload(entry=entry, schedule=schedule, deadline=None)
    if auto:
        payload["hours"] = hours_text(settings.LEAVE_DEADLINE.total_seconds() / 60)
    template = "waitlist_auto_booked" if auto else "waitlist_booked"
    notification_create_many(specs=[NotificationSpec(entry.profile.owner_id, template, payload, entry.profile_id)])


@retry_on_deadlock
def waitlist_offer_decline(*, entry_id: int, now: datetime | None = None) -> WaitlistEntry:
    """The entry leaves the waitlist (`declined`) for every offer; a seat reserved for it passes on."""
    now = now or timezone.now()
    with waitlist_locked(schedule_id=selectors.waitlist_entry_schedule_id(entry_id=entry_id), now=now) as locked:
        entry, _choice = waitlist_offer_takeable(entry_id=entry_id, now=now)
        waitlist_entry_end(entry=entry, status=WaitlistEntry.Status.DECLINED, now=now, schedule=locked.schedule)
        return entry
