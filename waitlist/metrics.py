"""Offer counters of /metrics (RULES §16): offers by phase and outcome. `opened` counts each phase a
seat enters (a broadcast when it is freed, a reservation at each hand-over), `claimed` and `lapsed`
how it ended, by the phase it was in. Counted when the transaction commits."""

from prometheus_client import Counter

from core.metrics import count_on_commit

OFFERS = Counter(
    "studio_waitlist_offers",
    "Offers by phase (broadcast, reserved) and outcome: opened (the phase began), claimed, lapsed.",
    ["phase", "outcome"],
)


def offers_counted(*, phase: str, outcome: str, times: int = 1) -> None:
    count_on_commit(OFFERS.labels(phase, outcome), times)
