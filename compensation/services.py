"""The compensation ledger (docs/rules.md §7): credits of minutes, spent soonest-expiring first, restored
to the very credits they came from, expired hourly. Nothing is ever deleted.

Invariant, always: for every credit `remaining = minutes − use + restore − expire − revoke` and
`0 ≤ remaining ≤ minutes`; a profile's balance is the sum of `remaining` over its active credits.
Every spend runs with the profile row locked, so two spends of the last minutes cannot both pass.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.locks import profile_lock
from compensation import messages, selectors
from compensation.metrics import minutes_granted_counted, usages_counted
from compensation.models import ClassCreditCompensation, CompensationUsage, LedgerCheck
from core.db import lock_rows, retry_on_deadlock
from core.errors import BusinessError
from core.formatting import local_time_text
from notifications.services import NotificationSpec, notification_create_many

logger = logging.getLogger(__name__)


def compensation_credit_create(
    *,
    profile_id: int,
    minutes: int,
    source: str,
    now: datetime,
    makeup=None,
    booking=None,
    expires_at: datetime | None = None,
    created_by=None,
    reason: str = "",
) -> ClassCreditCompensation:
    """A new credit; a shorter make-up's names the make-up and the booking (its seat) that earned it."""
    expires_at = expires_at or now + timedelta(days=settings.COMPENSATION_VALIDITY_DAYS)
    minutes_granted_counted(minutes)
    return ClassCreditCompensation.objects.create(
        profile_id=profile_id,
        minutes=minutes,
        remaining=minutes,
        expires_at=expires_at,
        source=source,
        makeup=makeup,
        booking=booking,
        created_by=created_by,
        reason=reason,
        created_at=now,
    )


def _usage_create(**fields) -> CompensationUsage:
    usage = CompensationUsage.objects.create(**fields)
    usages_counted([usage])
    return usage


def _expire_locked(credits, now: datetime) -> int:
    """Expires whole each of these locked credits: an `expire` row for all of its remaining minutes."""
    expired = 0
    for credit in credits:
        if credit.remaining:
            _usage_create(credit=credit, minutes=credit.remaining, kind=CompensationUsage.Kind.EXPIRE, created_at=now)
        credit.remaining = 0
        credit.status = ClassCreditCompensation.Status.EXPIRED
        credit.save(update_fields=["remaining", "status", "updated_at"])
        expired += 1
    return expired


def _due(profile_id: int, now: datetime):
    return ClassCreditCompensation.objects.filter(
        profile_id=profile_id, status=ClassCreditCompensation.Status.ACTIVE, expires_at__lte=now
    )


def _expire_due_locked(profile_id: int, now: datetime) -> int:
    """RULES §7: a credit past `expires_at` is expired whole by whatever touches it first. The caller
    holds the profile lock."""
    return _expire_locked(lock_rows(_due(profile_id, now).order_by("id")), now)


@retry_on_deadlock
def compensation_expire_due(*, profile_id: int, now: datetime) -> int:
    """Before a balance or history read: the child's credits past their expiry are expired now, not at
    the next hourly job, so the history's `balance_after` and the balance agree. Locks (the profile)
    only when something is due."""
    if not _due(profile_id, now).exists():
        return 0
    with transaction.atomic():
        profile_lock(profile_id=profile_id)
        return _expire_due_locked(profile_id, now)


def _spendable(profile_id: int, now: datetime):
    """Usable credits, soonest-expiring first (即将过期优先), ties by id, locked."""
    return lock_rows(
        ClassCreditCompensation.objects.filter(
            profile_id=profile_id, status=ClassCreditCompensation.Status.ACTIVE, remaining__gt=0, expires_at__gt=now
        ).order_by("expires_at", "id")
    )


def compensation_spend(
    *,
    profile_id: int,
    minutes: int,
    now: datetime,
    makeup=None,
    created_by=None,
    reason: str = "",
    error: BusinessError,
) -> list[CompensationUsage]:
    """Takes `minutes` from the usable credits in expiry order, splitting as needed; `error` if the
    balance is short. The caller holds the profile lock."""
    _expire_due_locked(profile_id, now)
    credits = _spendable(profile_id, now)
    if sum(credit.remaining for credit in credits) < minutes:
        raise error
    usages, left = [], minutes
    for credit in credits:
        if left == 0:
            break
        take = min(left, credit.remaining)
        credit.remaining -= take
        credit.status = (
            ClassCreditCompensation.Status.USED_UP if credit.remaining == 0 else ClassCreditCompensation.Status.ACTIVE
        )
        credit.save(update_fields=["remaining", "status", "updated_at"])
        usages.append(
            CompensationUsage(
                credit=credit,
                makeup=makeup,
                minutes=take,
                kind=CompensationUsage.Kind.USE,
                created_at=now,
                created_by=created_by,
                reason=reason,
            )
        )
        left -= take
    CompensationUsage.objects.bulk_create(usages)
    usages_counted(usages)
    return usages


def _net_used(credit_filter: Q) -> dict[int, int]:
    """Minutes of each matching credit used and not yet restored (use − restore), per credit."""
    rows = (
        CompensationUsage.objects.filter(
            credit_filter, kind__in=[CompensationUsage.Kind.USE, CompensationUsage.Kind.RESTORE]
        )
        .values("credit_id", "kind")
        .annotate(total=Sum("minutes"))
    )
    net: dict[int, int] = {}
    for row in rows:
        sign = 1 if row["kind"] == CompensationUsage.Kind.USE else -1
        net[row["credit_id"]] = net.get(row["credit_id"], 0) + sign * row["total"]
    return {credit_id: minutes for credit_id, minutes in net.items() if minutes > 0}


def compensation_restore(*, makeup, now: datetime) -> int:
    """Gives back what a make-up spent, to the credits it came from. A used-up credit is active again;
    one already expired gets `restore` then `expire` (the minutes are not usable any more): a credit
    past its expiry is first expired whole, so its old remainder never outlives it either. The caller
    holds the profile lock."""
    _expire_due_locked(makeup.profile_id, now)
    owed = _net_used(Q(makeup=makeup))
    restored = 0
    for credit in ClassCreditCompensation.objects.select_for_update().filter(pk__in=owed).order_by("id"):
        minutes = owed[credit.pk]
        _usage_create(
            credit=credit, makeup=makeup, minutes=minutes, kind=CompensationUsage.Kind.RESTORE, created_at=now
        )
        restored += minutes
        if (
            credit.status == ClassCreditCompensation.Status.REVOKED
        ):  # its make-up's class is gone: the minutes go with it
            _usage_create(
                credit=credit, makeup=makeup, minutes=minutes, kind=CompensationUsage.Kind.REVOKE, created_at=now
            )
        elif credit.expires_at <= now or credit.status == ClassCreditCompensation.Status.EXPIRED:
            _usage_create(
                credit=credit, makeup=makeup, minutes=minutes, kind=CompensationUsage.Kind.EXPIRE, created_at=now
            )
            credit.status = ClassCreditCompensation.Status.EXPIRED
        else:
            credit.remaining += minutes
            credit.status = ClassCreditCompensation.Status.ACTIVE
        credit.save(update_fields=["remaining", "status", "updated_at"])
    return restored


def compensation_revoke_created(*, makeup, now: datetime, unspent_only: bool = False) -> int:
    """Revokes the credit a shorter make-up created; refuses (and changes nothing) if any of it was
    spent — or, with unspent_only (the studio cancelled the class), revokes just what is left.

    Only the credit of the make-up's current booking can refuse (RULES §6.5): a credit an earlier
    booking of the same make-up created ended with that booking and is history. The caller holds the
    profile lock."""
    _expire_due_locked(makeup.profile_id, now)
    current = Q(credit__makeup=makeup, credit__booking_id=makeup.booking_id)
    if not unspent_only and makeup.booking_id is not None and _net_used(current):
        raise BusinessError.conflict("compensation_already_used", messages.ALREADY_USED)
    revoked = 0
    for credit in lock_rows(
        ClassCreditCompensation.objects.filter(makeup=makeup)
        .exclude(status=ClassCreditCompensation.Status.REVOKED)
        .order_by("id")
    ):
        if credit.remaining:
            _usage_create(
                credit=credit,
                makeup=makeup,
                minutes=credit.remaining,
                kind=CompensationUsage.Kind.REVOKE,
                created_at=now,
            )
            revoked += credit.remaining
        if credit.status in (ClassCreditCompensation.Status.ACTIVE, ClassCreditCompensation.Status.USED_UP):
            credit.status = ClassCreditCompensation.Status.REVOKED
        credit.remaining = 0
        credit.save(update_fields=["remaining", "status", "updated_at"])
    return revoked


def compensation_expire(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Hourly: credits past `expires_at` expire; their remaining minutes get an `expire` row."""
    now = now or timezone.now()
    ids = list(
        ClassCreditCompensation.objects.filter(
            status=ClassCreditCompensation.Status.ACTIVE, expires_at__lte=now
        ).values_list("id", flat=True)[:batch]
    )
    expired = 0
    for credit_id in ids:
        with transaction.atomic():
            # Checked again as read under the lock: a spend, restore or read may have expired it meanwhile.
            credits = lock_rows(ClassCreditCompensation.objects.filter(pk=credit_id))
            due = [c for c in credits if c.status == ClassCreditCompensation.Status.ACTIVE and c.expires_at <= now]
            expired += _expire_locked(due, now)
    return expired


def compensation_remind(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Hourly: 3 days before a credit expires, its parent is reminded once (compensation_expiring)."""
    now = now or timezone.now()
    with transaction.atomic():
        credits = list(
            ClassCreditCompensation.objects.select_for_update(skip_locked=True)
            .filter(
                status=ClassCreditCompensation.Status.ACTIVE,
                remaining__gt=0,
                reminded_at__isnull=True,
                expires_at__gt=now,
                expires_at__lte=now + settings.COMPENSATION_REMIND_BEFORE,
            )
            .select_related("profile")[:batch]
        )
        if not credits:
            return 0
        notification_create_many(
            specs=[
                NotificationSpec(
                    credit.profile.owner_id,
                    "compensation_expiring",
                    {
                        "profile_id": credit.profile_id,
                        "profile_name": credit.profile.name,
                        "minutes": credit.remaining,
                        "expires_at": local_time_text(credit.expires_at),
                    },
                    credit.profile_id,
                )
                for credit in credits
            ]
        )
        ClassCreditCompensation.objects.filter(pk__in=[credit.pk for credit in credits]).update(reminded_at=now)
    return len(credits)


@dataclass(frozen=True)
class AdjustResult:
    minutes: int
    balance: int


def compensation_adjust(
    *, profile_id: int, minutes: int, reason: str, by, expires_at: datetime | None = None, now: datetime | None = None
) -> AdjustResult:
    """Operators: + minutes is a new credit (14 days unless a date is given); − minutes spends
    soonest-expiring first and can never go below 0. Keeps the operator and the reason."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError.bad_request(
            "validation_error", messages.REASON_REQUIRED, {"reason": [messages.REASON_REQUIRED]}
        )
    if minutes == 0:
        raise BusinessError.bad_request(
            "validation_error", messages.MINUTES_INVALID, {"minutes": [messages.MINUTES_INVALID]}
        )
    with transaction.atomic():
        profile_lock(profile_id=profile_id)
        if minutes > 0:
            compensation_credit_create(
                profile_id=profile_id,
                minutes=minutes,
                source=ClassCreditCompensation.Source.ADJUSTMENT,
                now=now,
                expires_at=expires_at,
                created_by=by,
                reason=reason,
            )
        else:
            compensation_spend(
                profile_id=profile_id,
                minutes=-minutes,
                now=now,
                created_by=by,
                reason=reason,
                error=BusinessError.conflict("insufficient_compensation", messages.ADJUST_BELOW_ZERO),
            )
        return AdjustResult(minutes, selectors.compensation_balance(profile_id=profile_id, now=now))


LEDGER_CHECK_SHOWN = 50  # credit ids kept on a check's row (the panel links to them)
LEDGER_CHECK_KEPT = timedelta(days=7)


def compensation_ledger_check(*, now: datetime | None = None) -> LedgerCheck:
    """RULES §16's periodic check of the ledger's invariants (RULES §7): records what it found (the
    gauges and the dashboard read the latest row), logs each broken credit as an ERROR, and forgets
    the checks of more than a week ago. Fixes nothing: a broken ledger is for a person to look at."""
    now = now or timezone.now()
    found = selectors.compensation_ledger_violations()
    for credit_id in found.credit_ids[:LEDGER_CHECK_SHOWN]:
        logger.error("ledger check: credit %s breaks the ledger's invariants", credit_id)
    check = LedgerCheck.objects.create(
        checked_at=now,
        credits_checked=found.credits_checked,
        violations=len(found.credit_ids),
        credit_ids=found.credit_ids[:LEDGER_CHECK_SHOWN],
    )
    LedgerCheck.objects.filter(checked_at__lt=now - LEDGER_CHECK_KEPT).delete()
    return check
