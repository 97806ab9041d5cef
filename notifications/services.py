"""The outbox (docs/rules.md §8): rows written in the caller's transaction, sent by a Celery task after
commit, claimed atomically, retried with backoff, re-enqueued by a periodic job when stuck.

Delivery is at least once: a worker killed after WeChat accepted a message but before the row was
marked sent makes the resender send it again. A row is never sent by two workers at once.
"""

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.db import lock_rows
from core.errors import BusinessError
from core.formatting import without_year
from core.quiet_hours import quiet_hours_end
from notifications import messages
from notifications.channels import Message, SendError, channel
from notifications.metrics import notification_counted, notifications_created_counted
from notifications.models import Notification, SubscriptionGrant
from notifications.sms import SmsError, SmsMessage, sms_channel

logger = logging.getLogger(__name__)


# WeChat's value limits per field type (characters); types not listed take any length.
FIELD_LIMITS = {
    "thing": 20,
    "name": 10,
    "phrase": 5,
    "symbol": 5,
    "car_number": 8,
    "phone_number": 17,
    "character_string": 32,
    "number": 32,
    "letter": 32,
}
ELLIPSIS_TYPES = {"thing", "name"}  # others must stay digits/letters: cut without an ellipsis


@dataclass(frozen=True)
class NotificationSpec:
    """One notification to create: who, which template, and the values its texts need."""

    user_id: int
    template: str
    payload: dict = field(default_factory=dict)
    profile_id: int | None = None


def _template(key: str) -> dict:
    try:
        return settings.NOTIFICATION_TEMPLATES[key]
    except KeyError as exc:
        raise ValueError(f"Unknown notification template {key!r}") from exc


def field_value(field_name: str, text: str) -> str:
    """Cuts a value to its WeChat field type's limit, cleanly (thing1 → 20 characters, … at the end)."""
    kind = field_name.rstrip("0123456789")
    limit = FIELD_LIMITS.get(kind)
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…" if kind in ELLIPSIS_TYPES else text[:limit]


def template_fields(template_key: str, payload: dict) -> dict:
    fields = _template(template_key)["fields"]
    return {name: {"value": field_value(name, pattern.format_map(payload))} for name, pattern in fields.items()}


def _row(spec: NotificationSpec) -> Notification:
    template = _template(spec.template)
    payload = dict(spec.payload)
    return Notification(
        user_id=spec.user_id,
        profile_id=spec.profile_id,
        template=spec.template,
        title=template["title"].format_map(payload)[:100],
        body=template["body"].format_map(payload)[:500],
        page=template["page"].format_map(payload)[:255],
        payload=payload,
    )


def notification_create_many(*, specs: list[NotificationSpec]) -> list[Notification]:
    """Writes the outbox rows in one INSERT inside the caller's transaction; sends after commit."""
    rows = [_row(spec) for spec in specs]
    if not rows:
        return []
    Notification.objects.bulk_create(rows)  # MariaDB ≥ 10.5 and SQLite ≥ 3.35 return the ids
    ids, templates = [row.pk for row in rows], [row.template for row in rows]

    def committed() -> None:
        notification_enqueue(ids=ids)
        notifications_created_counted(templates)

    transaction.on_commit(committed, robust=True)
    return rows


def notification_create(*, user_id: int, template: str, payload: dict, profile_id: int | None = None) -> Notification:
    return notification_create_many(specs=[NotificationSpec(user_id, template, payload, profile_id)])[0]


def notification_enqueue(*, ids: list[int]) -> None:
    """Publishes the send tasks over a single broker connection: one task per row, or, for a wave of
    rows (a seat freed for fifty waiting parents, a sweep handing over hundreds of seats), one task
    per NOTIFICATION_SEND_CHUNK rows, since each publish costs about a millisecond. A broker outage is
    logged, not raised: the rows stay pending and the resender enqueues them later."""
    from notifications.tasks import notification_send_many_task, notification_send_task

    if not ids:
        return
    size = settings.NOTIFICATION_SEND_CHUNK if len(ids) > settings.NOTIFICATION_SEND_CHUNK else 1
    try:
        with notification_send_task.app.producer_or_acquire() as producer:
            for start in range(0, len(ids), size):
                chunk = ids[start : start + size]
                if len(chunk) == 1:
                    notification_send_task.apply_async((chunk[0],), producer=producer)
                else:
                    notification_send_many_task.apply_async((chunk,), producer=producer)
    except Exception:  # broker down: nothing is lost, the outbox row is the record
        logger.exception("Could not enqueue notifications %s; the resender will pick them up", ids[:20])


@dataclass(frozen=True)
class SendOutcome:
    status: str  # the row's wechat_status after this attempt, or "not_claimed"
    retry_in: float | None = None  # seconds until the next attempt, for a transient failure


def _backoff(attempt: int) -> float:
    """Exponential backoff with jitter: about 2, 4, 8, 16, 32 s (half to full of each step)."""
    step = settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    return min(step, 300.0) * random.uniform(0.5, 1.0)


def _page_with_id(page: str, notification_id: int) -> str:
    # nid lets the mini-program mark the in-app message read when the parent opens the WeChat message.
    return f"{page}{'&' if '?' in page else '?'}nid={notification_id}"


def _outcome(status: str) -> str:
    """A channel's status after an attempt, as /metrics counts it: back to pending is a retry."""
    return "retrying" if status == Notification.WeChatStatus.PENDING else status


def _finish(row: Notification, claimed_at: datetime, **values) -> bool:
    """Records the result only if this worker still holds the claim (and counts it then)."""
    values["updated_at"] = timezone.now()
    values["grant_held"] = False
    finished = bool(
        Notification.objects.filter(
            pk=row.pk, wechat_status=Notification.WeChatStatus.SENDING, claimed_at=claimed_at
        ).update(**values)
    )
    if finished:
        notification_counted(
            template=row.template,
            channel="wechat",
            status=_outcome(values["wechat_status"]),
            errcode=values.get("errcode"),
        )
    return finished


def _reserve_grant(row: Notification) -> bool:
    with transaction.atomic():
        reserved = bool(
            SubscriptionGrant.objects.filter(user_id=row.user_id, template=row.template, remaining__gt=0).update(
                remaining=F("remaining") - 1, updated_at=timezone.now()
            )
        )
        if reserved:
            Notification.objects.filter(pk=row.pk).update(grant_held=True)
    return reserved


def _return_grant(row: Notification) -> None:
    SubscriptionGrant.objects.filter(user_id=row.user_id, template=row.template).update(
        remaining=F("remaining") + 1, updated_at=timezone.now()
    )


def notification_send(*, notification_id: int, now: datetime | None = None) -> SendOutcome:
    """One attempt at the WeChat message of an outbox row. Safe to call any number of times.

    The claim (pending → sending) is one conditional UPDATE: of two workers, exactly one wins.
    The subscription grant is reserved before the call and given back unless WeChat accepted, so
    a grant is used only by a success, even with several messages of one template in flight.
    """
    now = now or timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, wechat_status=Notification.WeChatStatus.PENDING).update(
        wechat_status=Notification.WeChatStatus.SENDING,
        claimed_at=now,
        attempts=F("attempts") + 1,
        next_attempt_at=None,
        updated_at=now,
    )
    if not claimed:
        return SendOutcome("not_claimed")
    row = Notification.objects.select_related("user").get(pk=notification_id)
    template_id = _template(row.template)["wechat_template_id"]
    if not template_id:
        _finish(row, now, wechat_status=Notification.WeChatStatus.IN_APP_ONLY)
        return SendOutcome(Notification.WeChatStatus.IN_APP_ONLY)
    if not row.user.wechat_openid or not _reserve_grant(row):
        if _finish(row, now, wechat_status=Notification.WeChatStatus.SKIPPED_NO_SUBSCRIPTION):
            _sms_after_wechat(row, now)
        return SendOutcome(Notification.WeChatStatus.SKIPPED_NO_SUBSCRIPTION)
    message = Message(
        openid=row.user.wechat_openid,
        template_id=template_id,
        page=_page_with_id(row.page, row.pk),
        data=template_fields(row.template, row.payload),
        notification_id=row.pk,
    )
    try:
        msgid = channel().send(message)
    except SendError as exc:
        return _record_failure(row, now, exc)
    except Exception as exc:  # a bug or an unexpected library error: retried like a transient one, then failed
        logger.exception("Unexpected error sending notification %s", row.pk)
        return _record_failure(
            row, now, SendError(transient=True, errcode=None, message=f"{type(exc).__name__}: {exc}"[:200])
        )
    _finish(
        row,
        now,
        wechat_status=Notification.WeChatStatus.SENT,
        sent_at=timezone.now(),
        wechat_msgid=msgid[:64],
        last_error="",
        errcode=None,
    )
    return SendOutcome(Notification.WeChatStatus.SENT)


def _record_failure(row: Notification, claimed_at: datetime, exc: SendError) -> SendOutcome:
    if exc.errcode == 43101:  # the parent's subscription is gone: WeChat will refuse until they accept again
        SubscriptionGrant.objects.filter(user_id=row.user_id, template=row.template).update(
            remaining=0, updated_at=timezone.now()
        )
    else:
        _return_grant(row)
    error = f"{exc.errcode}: {exc.message}" if exc.errcode is not None else exc.message
    if exc.transient and row.attempts <= settings.NOTIFICATION_MAX_RETRIES:
        delay = _backoff(row.attempts)
        _finish(
            row,
            claimed_at,
            wechat_status=Notification.WeChatStatus.PENDING,
            last_error=error[:255],
            errcode=exc.errcode,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
        )
        logger.info("Notification %s: transient failure (%s), retry %d in %.1fs", row.pk, error, row.attempts, delay)
        return SendOutcome(Notification.WeChatStatus.PENDING, retry_in=delay)
    if _finish(
        row, claimed_at, wechat_status=Notification.WeChatStatus.FAILED, last_error=error[:255], errcode=exc.errcode
    ):
        _sms_after_wechat(row, timezone.now())
    logger.warning("Notification %s failed for good after %d attempts: %s", row.pk, row.attempts, error)
    return SendOutcome(Notification.WeChatStatus.FAILED)


def notification_resend_stuck(*, now: datetime | None = None, limit: int = 500) -> int:
    """The safety net (periodic): rows whose task was lost (broker down, worker killed) go out again.

    pending for over 30 s past their due time, or sending for over 5 minutes (the worker died
    mid-send), are re-enqueued. Returns how many were enqueued.
    """
    now = now or timezone.now()
    with transaction.atomic():
        since = now - settings.NOTIFICATION_RESEND_SENDING_AFTER
        sending = Notification.WeChatStatus.SENDING
        stale = [  # checked again as read under the lock: a worker may have finished meanwhile
            row
            for row in lock_rows(
                Notification.objects.filter(wechat_status=sending, claimed_at__lt=since).order_by("pk")[:limit]
            )
            if row.wechat_status == sending and row.claimed_at < since
        ]
        for row in stale:
            if row.grant_held:  # the dead attempt's outcome is unknown: WeChat refuses (43101) if it was used
                _return_grant(row)
        revived = [row.pk for row in stale]
        Notification.objects.filter(pk__in=revived).update(
            wechat_status=Notification.WeChatStatus.PENDING, claimed_at=None, grant_held=False, updated_at=now
        )
    due = (
        Notification.objects.filter(wechat_status=Notification.WeChatStatus.PENDING)
        .annotate(due_at=Coalesce("next_attempt_at", "created_at"))
        .filter(due_at__lt=now - settings.NOTIFICATION_RESEND_PENDING_AFTER)
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    ids = revived + [pk for pk in due if pk not in set(revived)]
    notification_enqueue(ids=ids)
    return len(ids) + _sms_resend_stuck(now=now, limit=limit)


def _sms_resend_stuck(*, now: datetime, limit: int) -> int:
    """The SMS side of the safety net (RULES §14): pending or deferred SMS due over 30 s ago (a lost
    task, a broker outage, the 08:00 of a night offer) are enqueued again; the claim keeps it to one
    SMS. An SMS claimed over 5 minutes ago by a worker that died is not sent again: Tencent may have
    taken it, and a parent gets at most one SMS per message, ever. It ends `failed` with
    `WorkerLost`, for an operator to look at."""
    lost = Notification.objects.filter(
        sms_status=Notification.SmsStatus.SENDING,
        sms_claimed_at__lt=now - settings.NOTIFICATION_RESEND_SENDING_AFTER,
    )
    for template, ids in _ids_by_template(lost):
        failed = lost.filter(pk__in=ids).update(
            sms_status=Notification.SmsStatus.FAILED, sms_error=SMS_WORKER_LOST, updated_at=now
        )
        notification_counted(
            template=template,
            channel="sms",
            status=Notification.SmsStatus.FAILED,
            errcode=SMS_WORKER_LOST,
            times=failed,
        )
    due = list(
        Notification.objects.filter(
            sms_status__in=[Notification.SmsStatus.PENDING, Notification.SmsStatus.DEFERRED],
            sms_due_at__lt=now - settings.NOTIFICATION_RESEND_PENDING_AFTER,
        )
        .order_by("sms_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    notification_enqueue_sms(ids=due)
    return len(due)


def notification_resend(*, notification_ids: list[int]) -> int:
    """Operators: send failed or skipped rows again, through the outbox (never directly)."""
    with transaction.atomic():
        ids = list(
            Notification.objects.filter(pk__in=notification_ids)
            .filter(
                Q(wechat_status=Notification.WeChatStatus.FAILED)
                | Q(wechat_status=Notification.WeChatStatus.SKIPPED_NO_SUBSCRIPTION)
            )
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            wechat_status=Notification.WeChatStatus.PENDING,
            attempts=0,
            next_attempt_at=None,
            claimed_at=None,
            updated_at=timezone.now(),
        )
        transaction.on_commit(lambda: notification_enqueue(ids=ids), robust=True)
    return len(ids)


def notification_resend_sms(
    *, notification_ids: list[int], include_worker_lost: bool = False, now: datetime | None = None
) -> int:
    """Operators: send a failed SMS again (RULES §14), through the SMS task (never directly).

    Only `failed` rows whose parent still has a number with SMS on are put back. A failed SMS was
    refused by Tencent, so sending it again cannot make a second one; `WorkerLost` rows are left out
    unless `include_worker_lost`: Tencent may have taken those, and only an operator who checked
    Tencent's send records should send them again. A seat offer's SMS asked for at night waits for
    08:00, as the first one would have."""
    now = now or timezone.now()
    rows = Notification.objects.filter(
        pk__in=notification_ids,
        sms_status=Notification.SmsStatus.FAILED,
        user__sms_enabled=True,
    ).exclude(user__phone="")
    if not include_worker_lost:
        rows = rows.exclude(sms_error=SMS_WORKER_LOST)
    night_ends = quiet_hours_end(now)
    resent = 0
    with transaction.atomic():
        for template, ids in _ids_by_template(rows):
            due = night_ends if night_ends is not None and template in SMS_NIGHT_DEFERRED else now
            status = Notification.SmsStatus.DEFERRED if due > now else Notification.SmsStatus.PENDING
            marked = [  # checked again as read under the lock: another resend may have marked them
                row.pk
                for row in lock_rows(Notification.objects.filter(pk__in=ids, sms_status=Notification.SmsStatus.FAILED))
                if row.sms_status == Notification.SmsStatus.FAILED
            ]
            Notification.objects.filter(pk__in=marked).update(
                sms_status=status, sms_attempts=0, sms_due_at=due, sms_claimed_at=None, sms_error="", updated_at=now
            )
            eta = due if due > now else None
            transaction.on_commit(lambda ids=marked, eta=eta: notification_enqueue_sms(ids=ids, eta=eta), robust=True)
            resent += len(marked)
    return resent


def _ids_by_template(rows) -> list[tuple[str, list[int]]]:
    grouped: dict[str, list[int]] = {}
    for pk, template in rows.order_by("pk").values_list("pk", "template"):
        grouped.setdefault(template, []).append(pk)
    return sorted(grouped.items())


def subscription_grant(*, user_id: int, template_ids: list[str]) -> dict[str, int]:
    """The parent accepted these WeChat template ids in wx.requestSubscribeMessage: one grant each."""
    by_id = {
        t["wechat_template_id"]: key for key, t in settings.NOTIFICATION_TEMPLATES.items() if t["wechat_template_id"]
    }
    unknown = sorted({tid for tid in template_ids if tid not in by_id})
    if unknown:
        raise BusinessError.bad_request("validation_error", messages.UNKNOWN_TEMPLATE_IDS, {"accepted": unknown})
    keys = sorted({by_id[tid] for tid in template_ids})
    with transaction.atomic():
        for key in keys:
            SubscriptionGrant.objects.get_or_create(user_id=user_id, template=key)
            SubscriptionGrant.objects.filter(user_id=user_id, template=key).update(
                remaining=F("remaining") + 1, updated_at=timezone.now()
            )
        grants = SubscriptionGrant.objects.filter(user_id=user_id, template__in=keys)
        return {grant.template: grant.remaining for grant in grants}


def notification_mark_read(*, user_id: int, notification_id: int, now: datetime | None = None) -> Notification:
    now = now or timezone.now()
    row = Notification.objects.filter(pk=notification_id, user_id=user_id).first()
    if row is None:
        raise BusinessError.not_found(messages.NOTIFICATION_NOT_FOUND)
    if row.read_at is None:
        Notification.objects.filter(pk=row.pk, read_at__isnull=True).update(read_at=now)
        row.refresh_from_db(fields=["read_at"])
    return row


# --- SMS fallback (RULES §14) ------------------------------------------------------------------

# Seat offers (and what an offer became) wait out the night; a class cancelled or changed does not.
SMS_WORKER_LOST = "WorkerLost"  # an SMS whose worker died mid-send: its outcome is unknown
SMS_NIGHT_DEFERRED = {"waitlist_seat_available", "waitlist_seat_reserved", "waitlist_auto_booked"}


def _sms_after_wechat(row: Notification, now: datetime) -> bool:
    """WeChat ended without delivering (no subscription, or failed for good): an urgent template
    goes by SMS to a parent with a number and SMS on. A seat offer created in the quiet hours waits
    for their end (08:00). The state change is one conditional UPDATE, so it happens once."""
    spec = _template(row.template)
    if "sms_template_id" not in spec or not (row.user.sms_enabled and row.user.phone):
        return False
    if settings.SMS_BACKEND == "tencent" and not spec["sms_template_id"]:
        logger.warning("Notification %s: no SMS template configured for %s", row.pk, row.template)
        return False
    due = now
    if row.template in SMS_NIGHT_DEFERRED:
        night_ends = quiet_hours_end(row.created_at)
        if night_ends is not None and night_ends > now:
            due = night_ends
    status = Notification.SmsStatus.DEFERRED if due > now else Notification.SmsStatus.PENDING
    marked = Notification.objects.filter(pk=row.pk, sms_status=Notification.SmsStatus.NOT_NEEDED).update(
        sms_status=status, sms_due_at=due, updated_at=now
    )
    if marked:
        if status == Notification.SmsStatus.DEFERRED:
            notification_counted(template=row.template, channel="sms", status=status)
        notification_enqueue_sms(ids=[row.pk], eta=due if due > now else None)
    return bool(marked)


def notification_enqueue_sms(*, ids: list[int], eta: datetime | None = None) -> None:
    """Publishes the SMS tasks; a broker outage is logged (the resender picks the rows up)."""
    from notifications.tasks import notification_send_sms_task

    try:
        for notification_id in ids:
            notification_send_sms_task.apply_async((notification_id,), eta=eta)
    except Exception:  # broker down: nothing is lost, the row is the record
        logger.exception("Could not enqueue SMS %s; the resender will pick them up", ids[:20])


def _sms_params(row: Notification) -> list[str]:
    """The SMS template's variables from the row's payload. Times drop their year ("12月2日 19:00",
    11 characters), so that they stay whole within Tencent's 12 characters per variable."""
    values = {key: without_year(str(value)) for key, value in row.payload.items()}
    return [template.format_map(_Missing(values)) for template in _template(row.template).get("sms_params", [])]


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return ""


def notification_send_sms(*, notification_id: int, now: datetime | None = None) -> SendOutcome:
    """One attempt at a row's SMS. Safe to call any number of times: the claim (pending or a
    deferred row whose time has come → sending) is one conditional UPDATE, so of two workers
    exactly one sends, and a row is sent by SMS at most once, ever."""
    now = now or timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id,
        sms_status__in=[Notification.SmsStatus.PENDING, Notification.SmsStatus.DEFERRED],
        sms_due_at__lte=now,
    ).update(
        sms_status=Notification.SmsStatus.SENDING,
        sms_claimed_at=now,
        sms_attempts=F("sms_attempts") + 1,
        updated_at=now,
    )
    if not claimed:
        return SendOutcome("not_claimed")
    row = Notification.objects.select_related("user").get(pk=notification_id)

    def finish(**values) -> bool:
        finished = bool(
            Notification.objects.filter(
                pk=row.pk, sms_status=Notification.SmsStatus.SENDING, sms_claimed_at=now
            ).update(updated_at=timezone.now(), **values)
        )
        if finished:
            notification_counted(
                template=row.template, channel="sms", status=_outcome(values["sms_status"]), errcode=values["sms_error"]
            )
        return finished

    message = SmsMessage(
        phone=row.user.phone,
        template_id=_template(row.template).get("sms_template_id", ""),
        params=_sms_params(row),
        notification_id=row.pk,
    )
    try:
        serial = sms_channel().send(message)
    except SmsError as exc:
        if exc.transient and row.sms_attempts <= settings.NOTIFICATION_MAX_RETRIES:
            delay = _backoff(row.sms_attempts)
            finish(
                sms_status=Notification.SmsStatus.PENDING,
                sms_error=exc.code[:64],
                sms_due_at=timezone.now() + timedelta(seconds=delay),
            )
            return SendOutcome(Notification.SmsStatus.PENDING, retry_in=delay)
        finish(sms_status=Notification.SmsStatus.FAILED, sms_error=exc.code[:64])
        logger.warning("Notification %s: SMS failed for good (%s)", row.pk, exc.code)
        return SendOutcome(Notification.SmsStatus.FAILED)
    finish(sms_status=Notification.SmsStatus.SENT, sms_serial=serial[:64], sms_sent_at=timezone.now(), sms_error="")
    return SendOutcome(Notification.SmsStatus.SENT)
