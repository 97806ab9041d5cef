"""Row locks of accounts (saleor's lock_objects idea: each FOR UPDATE a named function).

The lock order of the whole system, stated once:
- A schedule row is always locked first (`courses.locks`). A schedule's own rows (bookings, open
  offers, waitlist entries) are locked only under its lock, so their order among themselves cannot
  deadlock.
- A child's rows come next: the profile first (`profile_lock`), then its make-up, then its credits.
  The profile lock serialises one child's bookings across classes (the time-conflict check) and
  every write to the child's compensation ledger.
- No second schedule is locked while a profile is held: a make-up booked in one class leaves its
  other waitlists after the commit (tests/drills/test_lock_order.py).
- The hourly ledger jobs lock one credit at a time, in short transactions of their own.
"""

from accounts.models import Profile


def profile_lock(*, profile_id: int) -> None:
    """Locks one child's profile row for the caller's transaction (no JOIN: that row only)."""
    Profile.objects.select_for_update().filter(pk=profile_id).first()
