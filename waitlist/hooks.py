"""What the layers above lend the waitlist: the auto-accept (RULES §12).

The offer engine decides, deep inside a seat release or a hand-over, that a seat goes to an entry
with 自动递补; booking that seat needs the accept path of `flows` (a make-up entry settles its
minutes there), which sits above the waitlist. So `flows` registers its function here when Django
starts (`flows/apps.py`), and the engine calls it: imports still point down only.
"""

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured

# (offer, entry, schedule, now) -> True when the seat was booked for the entry; False when the
# accept was refused (the offer then runs on as if auto-accept were off). Caller holds the lock.
AutoAcceptor = Callable[..., bool]

_auto_acceptor: AutoAcceptor | None = None


def waitlist_register_auto_acceptor(acceptor: AutoAcceptor) -> None:
    global _auto_acceptor
    _auto_acceptor = acceptor


def waitlist_auto_accept(*, offer, entry, schedule, now: datetime) -> bool:
    if _auto_acceptor is None:
        raise ImproperlyConfigured("No auto-acceptor registered: is 'flows' in INSTALLED_APPS?")
    return _auto_acceptor(offer=offer, entry=entry, schedule=schedule, now=now)
