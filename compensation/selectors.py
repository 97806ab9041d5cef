"""Reads of the compensation ledger: balance, credits expiring soon, the history with balances."""

from datetime import datetime

from django.conf import settings
from django.db.models import Sum

from compensation.models import ClassCreditCompensation, CompensationUsage


def compensation_usable_credits(*, profile_id: int, now: datetime):
    return ClassCreditCompensation.objects.filter(
        profile_id=profile_id, status=ClassCreditCompensation.Status.ACTIVE, remaining__gt=0, expires_at__gt=now
    )


def compensation_balance(*, profile_id: int, now: datetime) -> int:
    """Minutes that can be spent now: active credits not yet past their expiry."""
    return compensation_usable_credits(profile_id=profile_id, now=now).aggregate(total=Sum("remaining"))["total"] or 0


def compensation_expiring_soon(*, profile_id: int, now: datetime) -> list[ClassCreditCompensation]:
    return list(
        compensation_usable_credits(profile_id=profile_id, now=now)
        .filter(expires_at__lte=now + settings.COMPENSATION_REMIND_BEFORE)
        .order_by("expires_at", "id")
    )


# History rows: what the parent sees, one per event, with the balance after it.
SIGN = {
    CompensationUsage.Kind.USE: -1,
    CompensationUsage.Kind.RESTORE: 1,
    CompensationUsage.Kind.EXPIRE: -1,
    CompensationUsage.Kind.REVOKE: -1,
}


def compensation_history(*, profile_id: int) -> list[dict]:
    """Every ledger event of a profile, newest first, with `balance_after` (two queries)."""
    events = []
    for credit in ClassCreditCompensation.objects.filter(profile_id=profile_id).order_by("created_at", "id"):
        kind = "credit" if credit.source == ClassCreditCompensation.Source.MAKEUP_SHORTER else "adjustment"
        events.append(
            (
                (credit.created_at, 0, credit.pk),
                {
                    "kind": kind,
                    "minutes": credit.minutes,
                    "created_at": credit.created_at,
                    "expires_at": credit.expires_at,
                    "makeup_booking_id": credit.makeup_id,
                    "reason": credit.reason or None,
                },
            )
        )
    for usage in (
        CompensationUsage.objects.filter(credit__profile_id=profile_id)
        .exclude(kind=CompensationUsage.Kind.ADJUST)
        .order_by("created_at", "id")
    ):
        # An operator's deduction is a `use` with no make-up: shown as an adjustment.
        kind = "adjustment" if usage.kind == CompensationUsage.Kind.USE and usage.makeup_id is None else usage.kind
        events.append(
            (
                (usage.created_at, 1, usage.pk),
                {
                    "kind": kind,
                    "minutes": SIGN[usage.kind] * usage.minutes,
                    "created_at": usage.created_at,
                    "expires_at": None,
                    "makeup_booking_id": usage.makeup_id,
                    "reason": usage.reason or None,
                },
            )
        )
    events.sort(key=lambda event: event[0])
    balance, rows = 0, []
    for _, row in events:
        balance += row["minutes"]
        rows.append({**row, "balance_after": balance})
    rows.reverse()
    return rows
