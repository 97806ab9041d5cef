"""What the waitlist tells families: outbox rows and their WaitlistNotification rows, written in the
caller's transaction (the outbox delivers them after the commit)."""

from datetime import datetime

from core.formatting import local_time_text
from courses.models import CourseSchedule
from notifications.services import NotificationSpec, notification_create_many
from waitlist.models import WaitlistEntry, WaitlistNotification, WaitlistOffer


def waitlist_notice_payload(*, entry: WaitlistEntry, schedule: CourseSchedule, deadline: datetime | None) -> dict:
    return {
        "course_name": schedule.course.name,
        "starts_at": local_time_text(schedule.starts_at),
        "deadline": local_time_text(deadline) if deadline else "",
        "entry_id": entry.pk,
        "schedule_id": schedule.pk,
        "profile_id": entry.profile_id,
        "profile_name": entry.profile.name,
    }


def waitlist_notices_create_for_offers(
    *,
    schedule,
    pairs: list[tuple[WaitlistEntry, WaitlistOffer | None]],
    template: str,
    kind: str,
    now: datetime,
    response_deadline: datetime | None = None,
    status: str = WaitlistNotification.Status.CLOSED,
    extra: dict | None = None,
) -> int:
    """Outbox rows (one INSERT) and their WaitlistNotification rows (one INSERT), in this transaction,
    each entry about its own offer (the sweeper's reservations). `extra` adds to (or replaces in)
    every payload."""
    if not pairs:
        return 0
    rows = notification_create_many(
        specs=[
            NotificationSpec(
                entry.profile.owner_id,
                template,
                {
                    **waitlist_notice_payload(entry=entry, schedule=schedule, deadline=response_deadline),
                    **(extra or {}),
                },
                entry.profile_id,
            )
            for entry, _ in pairs
        ]
    )
    WaitlistNotification.objects.bulk_create(
        [
            WaitlistNotification(
                offer=offer,
                entry=entry,
                kind=kind,
                response_deadline=response_deadline,
                status=status,
                notification=row,
                created_at=now,
            )
            for (entry, offer), row in zip(pairs, rows, strict=True)
        ]
    )
    return len(pairs)


def waitlist_notices_create(
    *,
    schedule,
    entries,
    template: str,
    kind: str,
    now: datetime,
    offer: WaitlistOffer | None = None,
    response_deadline: datetime | None = None,
    status: str = WaitlistNotification.Status.CLOSED,
    extra: dict | None = None,
) -> int:
    """The same message to many entries, all about one offer (or none)."""
    return waitlist_notices_create_for_offers(
        schedule=schedule,
        pairs=[(entry, offer) for entry in entries],
        template=template,
        kind=kind,
        now=now,
        response_deadline=response_deadline,
        status=status,
        extra=extra,
    )
