"""RULES §7's invariants, checked over the whole ledger."""

from collections import defaultdict

from django.db.models import F

from compensation.models import ClassCreditCompensation, CompensationUsage
from compensation.selectors import compensation_history


def assert_ledger_invariants(profile_ids=None) -> None:
    # Scoped to the profiles asked for: a property run accumulates thousands of histories in one
    # transaction, and scanning them all at every step would make it quadratic.
    credits = ClassCreditCompensation.objects.all()
    usages = CompensationUsage.objects.all()
    if profile_ids:
        credits = credits.filter(profile_id__in=profile_ids)
        usages = usages.filter(credit__profile_id__in=profile_ids)
    sums = defaultdict(lambda: defaultdict(int))
    for credit_id, kind, minutes in usages.values_list("credit_id", "kind", "minutes"):
        sums[credit_id][kind] += minutes
    by_profile = defaultdict(int)
    for credit in credits:
        s = sums[credit.pk]
        expected = credit.minutes - s["use"] + s["restore"] - s["expire"] - s["revoke"]
        assert credit.remaining == expected, (credit.pk, credit.remaining, expected, dict(s))
        assert 0 <= credit.remaining <= credit.minutes, credit.pk
        if credit.status in ("expired", "revoked", "used_up"):  # expired ⇒ remaining = 0, and the like
            assert credit.remaining == 0, (credit.pk, credit.status, credit.remaining)
        by_profile[credit.profile_id] += credit.remaining
    for profile_id in profile_ids or by_profile:
        history = compensation_history(profile_id=profile_id)
        ledger_sum = history[0]["balance_after"] if history else 0
        assert ledger_sum == by_profile[profile_id] >= 0, (profile_id, ledger_sum, by_profile[profile_id])
        assert_history_replays(profile_id, history)


SIGNS = {"use": -1, "restore": 1, "expire": -1, "revoke": -1}


def assert_history_replays(profile_id: int, history: list[dict]) -> None:
    """Every history row's `balance_after` is the balance replayed from the rows themselves up to that
    row (independently of the selector): credits add their minutes, ledger rows add or take theirs."""
    events = [
        ((credit.created_at, 0, credit.pk), credit.minutes)
        for credit in ClassCreditCompensation.objects.filter(profile_id=profile_id)
    ]
    events += [
        ((usage.created_at, 1, usage.pk), SIGNS[usage.kind] * usage.minutes)
        for usage in CompensationUsage.objects.filter(credit__profile_id=profile_id).exclude(kind="adjust")
    ]
    events.sort()
    replayed, balance = [], 0
    for _, minutes in events:
        balance += minutes
        replayed.append(balance)
    assert [row["balance_after"] for row in reversed(history)] == replayed, profile_id
    # Checks that do not share the selector's ordering: the balance never dips below zero at any
    # point of the history, and nothing is spent from, given back to or expired from a credit before
    # the credit exists (credits and their rows are stamped by the same `now=`).
    assert all(row["balance_after"] >= 0 for row in history), (profile_id, [r["balance_after"] for r in history])
    early = CompensationUsage.objects.filter(
        credit__profile_id=profile_id, created_at__lt=F("credit__created_at")
    ).values_list("pk", "kind", "created_at", "credit__created_at")
    assert not early, (profile_id, list(early))
