"""The waitlist engine (RULES §2-5), one module per job, re-exported here so callers write
`from waitlist import services` and `services.waitlist_offer_start(...)`.

    offers   the lock and catch-up, released seats, hand-over, lapse, the cutoff, an entry leaving
    entries  joining, a parent's cancel, a direct booking, operators' move-to-front and removal
    respond  a parent answering an offer: start, the accept's waitlist side, refusal, decline
    sweeps   the periodic jobs and the read-time catch-up
    notices  the outbox rows the others write

Inside the package, `respond`, `entries` and `sweeps` import `offers`, which imports `notices`; never
the reverse (the `waitlist-services` contract in pyproject.toml).
"""

from waitlist.services.entries import (
    JoinResult,
    waitlist_conflicts_settle,
    waitlist_entries_end_conflicting,
    waitlist_entries_end_for_makeup,
    waitlist_entry_booked_directly,
    waitlist_entry_cancel,
    waitlist_entry_create,
    waitlist_entry_prioritize,
    waitlist_entry_remove,
    waitlist_entry_set_auto_accept,
    waitlist_join_check,
)
from waitlist.services.offers import (
    NotifyResult,
    WaitlistLock,
    waitlist_apply_overdue,
    waitlist_apply_overdue_many,
    waitlist_close_for_cancelled_class,
    waitlist_entry_end,
    waitlist_locked,
    waitlist_notify,
    waitlist_offer_lapse,
    waitlist_offers_recap,
    waitlist_offers_trim,
    waitlist_seat_released,
)
from waitlist.services.respond import (
    StartResult,
    waitlist_offer_claimed,
    waitlist_offer_decline,
    waitlist_offer_refused,
    waitlist_offer_start,
    waitlist_offer_takeable,
)
from waitlist.services.sweeps import waitlist_catch_up, waitlist_cutoff_close, waitlist_offers_sweep

__all__ = [
    "JoinResult",
    "NotifyResult",
    "StartResult",
    "WaitlistLock",
    "waitlist_apply_overdue",
    "waitlist_apply_overdue_many",
    "waitlist_catch_up",
    "waitlist_close_for_cancelled_class",
    "waitlist_cutoff_close",
    "waitlist_entries_end_for_makeup",
    "waitlist_entry_booked_directly",
    "waitlist_entry_cancel",
    "waitlist_entry_create",
    "waitlist_entry_end",
    "waitlist_entry_prioritize",
    "waitlist_entry_remove",
    "waitlist_entry_set_auto_accept",
    "waitlist_entries_end_conflicting",
    "waitlist_conflicts_settle",
    "waitlist_join_check",
    "waitlist_locked",
    "waitlist_notify",
    "waitlist_offer_claimed",
    "waitlist_offer_decline",
    "waitlist_offer_lapse",
    "waitlist_offer_refused",
    "waitlist_offer_start",
    "waitlist_offer_takeable",
    "waitlist_offers_recap",
    "waitlist_offers_sweep",
    "waitlist_offers_trim",
    "waitlist_seat_released",
]
