"""Reads of the compensation ledger: balance, credits expiring soon, the history with balances."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Coalesce

from compensation.models import ClassCreditCompensation, CompensationUsage, LedgerCheck


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


@dataclass(frozen=True)
class LedgerViolations:
    credits_checked: int
    credit_ids: list[int]  # every credit breaking an invariant, in id order


def compensation_ledger_violations() -> LedgerViolations:
    """RULES §7's invariants over the whole ledger, credit by credit, in SQL: the remaining minutes
    are the credit's minutes less what was used, expired and revoked plus what was given back; a
    used-up, expired or revoked credit has nothing left and an active one has something left; no
    ledger row is older than its credit. For the periodic check (RULES §16): one pass over the
    credits, each summing its own ledger rows by the (credit, kind) index, and a count."""
    final = [
        ClassCreditCompensation.Status.USED_UP,
        ClassCreditCompensation.Status.EXPIRED,
        ClassCreditCompensation.Status.REVOKED,
    ]
    kind = CompensationUsage.Kind
    # Signed: the columns are UNSIGNED on MySQL, and a broken row may take a credit below zero.
    minutes = Cast(F("minutes"), IntegerField())
    change = Case(
        When(kind=kind.RESTORE, then=minutes),
        When(kind__in=[kind.USE, kind.EXPIRE, kind.REVOKE], then=Value(0) - minutes),
        default=Value(0),  # adjust rows are audit lines
        output_field=IntegerField(),
    )
    net = (
        CompensationUsage.objects.filter(credit=OuterRef("pk"))
        .order_by()
        .values("credit")
        .annotate(net=Sum(change))
        .values("net")
    )
    early = CompensationUsage.objects.filter(credit=OuterRef("pk"), created_at__lt=OuterRef("created_at"))
    broken = ClassCreditCompensation.objects.annotate(
        balance=Cast(F("minutes"), IntegerField()) + Coalesce(Subquery(net, output_field=IntegerField()), Value(0))
    ).filter(
        ~Q(remaining=F("balance"))
        | Q(status__in=final, remaining__gt=0)
        | Q(status=ClassCreditCompensation.Status.ACTIVE, remaining=0)
        | Exists(early)
    )
    return LedgerViolations(
        credits_checked=ClassCreditCompensation.objects.count(),
        credit_ids=list(broken.order_by("pk").values_list("pk", flat=True)),
    )


def compensation_ledger_last_check() -> LedgerCheck | None:
    return LedgerCheck.objects.order_by("-checked_at").first()
