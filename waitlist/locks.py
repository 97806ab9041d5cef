"""Row locks on waitlist entries. The system's lock order (accounts/locks.py): the schedule first,
then its offers, then its entries by id; a caller always holds the schedule before an entry."""

from core.errors import BusinessError
from waitlist import messages
from waitlist.models import WaitlistEntry


def waitlist_entry_lock(*, entry_id: int) -> WaitlistEntry:
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry_id)  # no JOIN: lock the entry row only
    entry.profile  # noqa: B018 - the profile is read (not locked) for texts and the booking
    return entry


def waitlist_entry_lock_waiting(*, entry_id: int) -> WaitlistEntry:
    """Only a waiting entry can be acted on; every other status is final (RULES §2)."""
    entry = waitlist_entry_lock(entry_id=entry_id)
    if entry.status != WaitlistEntry.Status.WAITING:
        raise BusinessError.conflict("not_waiting", messages.NOT_WAITING)
    return entry
