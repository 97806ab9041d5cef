"""Retention: old booking flows and old outbox rows are deleted; the history never is.

A booking flow matters only while its grace runs, and a Notification is the message centre's copy
and the delivery log of one message. What happened to a family stays: waitlist entries, offers,
WaitlistNotification rows (their `notification` becomes NULL through the FK's SET_NULL), bookings,
make-ups and the compensation ledger are never touched.

Deletes go through the ORM (so SET_NULL applies), in batches of ids, one short transaction each:
a run stopped halfway (time limit, deploy) keeps what it did and the next run continues.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from notifications.models import Notification
from waitlist.models import WaitlistFlow, WaitlistNotification

logger = logging.getLogger(__name__)

DEFAULT_OLDER_THAN_DAYS = 180
MIN_OLDER_THAN_DAYS = 30  # below this an operator's typo could wipe the messages parents still read
BATCH_SIZE = 1000  # ids per DELETE; read at call time so tests can make batches small

# What one batch may delete. If Django's collector reports any other model (a CASCADE added to
# Notification or WaitlistFlow some day), the batch is rolled back instead of eating history.
DELETABLE = frozenset({WaitlistFlow._meta.label, Notification._meta.label})


class CleanupRefusedError(RuntimeError):
    """A delete would have removed rows of a model that is not ours to delete."""


def old_flows(*, cutoff: datetime) -> QuerySet[WaitlistFlow]:
    """Flows started before the cutoff that are over (a `started` one is kept, whatever its age)."""
    return WaitlistFlow.objects.filter(started_at__lt=cutoff).exclude(status=WaitlistFlow.Status.STARTED)


def old_notifications(*, cutoff: datetime) -> QuerySet[Notification]:
    return Notification.objects.filter(created_at__lt=cutoff)


def _delete_batch(queryset: QuerySet, ids: list[int]) -> int:
    _, per_model = queryset.filter(pk__in=ids).delete()
    foreign = {label: n for label, n in per_model.items() if n and label not in DELETABLE}
    if foreign:
        raise CleanupRefusedError(f"cleanup would also delete {foreign}; nothing of this batch was deleted")
    return sum(per_model.values())


def _delete_in_batches(queryset: QuerySet, *, on_batch=None, progress=None) -> int:
    """Deletes in batches; `progress(total)` after each batch (a long run shows it is moving)."""
    total = 0
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE])
            if not ids:
                return total
            if on_batch is not None:
                on_batch(ids)
            deleted = _delete_batch(queryset, ids)
        total += deleted
        if progress is not None:
            progress(total)
        if deleted == 0 or len(ids) < BATCH_SIZE:  # 0: another run took them; never loop forever
            return total


def cleanup_old_data(
    *, older_than_days: int = DEFAULT_OLDER_THAN_DAYS, dry_run: bool = False, now=None, progress=None
) -> dict:
    """Deletes (or with dry_run only counts) finished flows and notifications older than the cutoff.

    Returns {"cutoff", "older_than_days", "dry_run", "flows", "notifications",
    "waitlist_notifications_detached"}: the last is how many WaitlistNotification rows lost (or would
    lose) their link to a deleted notification; those rows themselves are kept. `progress(kind,
    deleted_so_far)` is called after each batch ("flows", "notifications").
    """
    if older_than_days < MIN_OLDER_THAN_DAYS:
        raise ValueError(f"older_than_days must be at least {MIN_OLDER_THAN_DAYS}, got {older_than_days}")
    now = now or timezone.now()
    cutoff = now - timedelta(days=older_than_days)
    flows = old_flows(cutoff=cutoff)
    notifications = old_notifications(cutoff=cutoff)
    if dry_run:
        counts = {
            "flows": flows.count(),
            "notifications": notifications.count(),
            "waitlist_notifications_detached": WaitlistNotification.objects.filter(
                notification__created_at__lt=cutoff
            ).count(),
        }
    else:
        detached = 0

        def count_detached(ids: list[int]) -> None:
            nonlocal detached
            detached += WaitlistNotification.objects.filter(notification_id__in=ids).count()

        counts = {
            "flows": _delete_in_batches(flows, progress=progress and (lambda n: progress("flows", n))),
            "notifications": _delete_in_batches(
                notifications,
                on_batch=count_detached,
                progress=progress and (lambda n: progress("notifications", n)),
            ),
            "waitlist_notifications_detached": detached,
        }
    logger.info(
        "cleanup%s: older than %d days (before %s): %s",
        " (dry run)" if dry_run else "",
        older_than_days,
        cutoff.isoformat(),
        counts,
    )
    return {"cutoff": cutoff, "older_than_days": older_than_days, "dry_run": dry_run, **counts}
