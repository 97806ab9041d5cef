"""Row locks of accounts (saleor's lock_objects idea: each FOR UPDATE a named function).

The lock order of the whole system, stated once:
- A schedule row is always locked first (`courses.locks`). A schedule's own rows (bookings, open
  offers, waitlist entries) are locked only under its lock, so their order among themselves cannot
  deadlock.
- A child's rows come next: the profile first (`profile_lock`), then its make-up, then its credits.
  The profile lock serialises one child's bookings across classes (the time-conflict check) and
  every write to the child's compensation ledger.
- No second schedule is locked while a profile is held: a make-up booked in one class leaves its
  other waitlists after the commit (tests/drills/test_lock_order.py). RULES §13 ends a child's
  entries in other classes only under those classes' locks taken with SKIP LOCKED (never waiting),
  the rest after the commit.
- 自动递补 (RULES §12) books a second child inside a transaction that may already hold a profile (a
  leave): it takes that child's profile with SKIP LOCKED, and a busy child is offered the seat as
  usual instead, so no transaction waits for a second profile.
- The hourly ledger jobs lock one credit at a time, in short transactions of their own.
- A locking read that selects rows by anything but the primary key goes through
  `core.db.lock_rows`: found by a plain read, locked by id. InnoDB locks every row its chosen index
  scans, matching or not, so one class's open offers read through `(status, deadline)` waited for
  another class's offer being claimed, which waited back (a deadlock CI met). On MariaDB the test
  suite refuses any other locking read of this project's tables (tests/conftest.py).
- The class row's counters (booked, held, waiting) are moved by triggers under the class row's lock,
  which the writer holds already; attendance marks lock their classes first, in id order.
"""

from accounts.models import Profile
from core import hot_reads


def profile_lock(*, profile_id: int, skip_locked: bool = False) -> bool:
    """Locks one child's profile row for the caller's transaction (no JOIN: that row only). With
    skip_locked, False when another transaction holds it (nothing waits)."""
    profile = Profile.objects.select_for_update(skip_locked=skip_locked).filter(pk=profile_id).first()
    if profile is None:
        return False
    hot_reads.touch(family_id=profile.owner_id)  # the family's cached lists end (core/hot_reads.py)
    return True
