"""What the waitlist tells families: outbox rows and their WaitlistNotification rows, written in the
caller's transaction (the outbox delivers them after the commit)."""

from dataclasses import dataclass
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


@dataclass(frozen=True)
class WaitlistNotice:
    """One entry told about one offer (or none) of its class, with the deadline to answer by."""

    entry: WaitlistEntry
    offer: WaitlistOffer | None
    schedule: CourseSchedule
    response_deadline: datetime | None = None


def waitlist_notices_write(
    *,
    notices: list[WaitlistNotice],
    template: str,
    kind: str,
    now: datetime,
    status: str = WaitlistNotification.Status.CLOSED,
    extra: dict | None = None,
) -> int:
    """Outbox rows (one INSERT) and their WaitlistNotification rows (one INSERT), in this transaction,
    for any number of classes. `extra` adds to (or replaces in) every payload."""
    if not notices:
        return 0
    rows = notification_create_many(
        specs=[
            NotificationSpec(
                notice.entry.profile.owner_id,
                template,
                {
                    **waitlist_notice_payload(
                        entry=notice.entry, schedule=notice.schedule, deadline=notice.response_deadline
                    ),
                    **(extra or {}),
                },
                notice.entry.profile_id,
            )
            for notice in notices
        ]
    )
    WaitlistNotification.objects.bulk_create(
        [
            WaitlistNotification(
                offer=notice.offer,
                entry=notice.entry,
                kind=kind,
                response_deadline=notice.response_deadline,
                status=status,
                notification=row,
                created_at=now,
            )
            for notice, row in zip(notices, rows, strict=True)
        ]
    )
    return len(notices)


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
    """Each entry about its own offer of one class (`waitlist_notices_write`)."""
    return waitlist_notices_write(
        notices=[WaitlistNotice(entry, offer, schedule, response_deadline) for entry, offer in pairs],
        template=template,
        kind=kind,
        now=now,
        status=status,
        extra=extra,
    )


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
