"""Ledger counters of /metrics (RULES §16): compensation minutes granted, used, restored, expired
and revoked, counted when the transaction that wrote them commits."""

from prometheus_client import Counter

from compensation.models import CompensationUsage
from core.metrics import count_on_commit

MINUTES = Counter(
    "studio_compensation_minutes",
    "Compensation minutes by kind: granted (a new credit), used, restored, expired, revoked, adjusted.",
    ["kind"],
)
_KIND = {
    CompensationUsage.Kind.USE: "used",
    CompensationUsage.Kind.RESTORE: "restored",
    CompensationUsage.Kind.EXPIRE: "expired",
    CompensationUsage.Kind.REVOKE: "revoked",
    CompensationUsage.Kind.ADJUST: "adjusted",
}


def minutes_granted_counted(minutes: int) -> None:
    count_on_commit(MINUTES.labels("granted"), minutes)


def usages_counted(usages: list[CompensationUsage]) -> None:
    for kind, name in _KIND.items():
        count_on_commit(MINUTES.labels(name), sum(usage.minutes for usage in usages if usage.kind == kind))
