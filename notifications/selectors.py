"""Reads of notifications: the parent's in-app message centre."""

from datetime import timedelta

from django.db.models import Q, QuerySet

from notifications.models import Notification


def notifications_of(*, user_id: int, unread: bool | None = None) -> QuerySet[Notification]:
    """The message centre's rows, newest first: only the columns it shows (the payload's JSON and the
    delivery columns cost more to load than the query itself)."""
    queryset = Notification.objects.filter(user_id=user_id).only(
        "id", "template", "title", "body", "page", "created_at", "read_at"
    )
    if unread is True:
        queryset = queryset.filter(read_at__isnull=True)
    elif unread is False:
        queryset = queryset.filter(read_at__isnull=False)
    return queryset.order_by("-created_at", "-id")


def notification_unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def notification_delivery_summary(*, since) -> dict:
    """For operators: WeChat delivery since a moment, by status, and failures by errcode (45009 is
    the daily quota running out); the SMS fallback likewise, by status and by Tencent's error code."""
    from django.db.models import Count

    recent = Notification.objects.filter(created_at__gte=since)
    by_status = dict(recent.order_by().values_list("wechat_status").annotate(n=Count("id")))
    failed_by_errcode = list(
        recent.filter(wechat_status=Notification.WeChatStatus.FAILED)
        .order_by()
        .values("errcode")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    attempted = by_status.get("sent", 0) + by_status.get("failed", 0)
    # RULES §14: the SMS fallback beside it (rows that never needed an SMS are not counted).
    sms_by_status = dict(
        recent.exclude(sms_status=Notification.SmsStatus.NOT_NEEDED)
        .order_by()
        .values_list("sms_status")
        .annotate(n=Count("id"))
    )
    sms_failed_by_error = list(
        recent.filter(sms_status=Notification.SmsStatus.FAILED)
        .order_by()
        .values("sms_error")
        .annotate(n=Count("id"))
        .order_by("-n", "sms_error")
    )
    sms_attempted = sms_by_status.get("sent", 0) + sms_by_status.get("failed", 0)
    return {
        "sms_by_status": sms_by_status,
        "sms_failed_by_error": sms_failed_by_error,
        "sms_delivery_rate": round(sms_by_status.get("sent", 0) / sms_attempted, 4) if sms_attempted else None,
        "by_status": by_status,
        "failed_by_errcode": failed_by_errcode,
        "delivery_rate": round(by_status.get("sent", 0) / attempted, 4) if attempted else None,
        "quota_exhausted": next((row["n"] for row in failed_by_errcode if row["errcode"] == 45009), 0),
    }


def notifications_stuck(*, now, limit: int = 10) -> dict:
    """For operators (`waitlist_status`): rows the resender should have moved by now. WeChat or SMS
    pending over 30 s past due (the broker or the workers are down), or sending for over 5 minutes
    (a worker died mid-send). Counts per kind, and the oldest rows."""
    from django.conf import settings
    from django.db.models import Q
    from django.db.models.functions import Coalesce

    pending_before = now - settings.NOTIFICATION_RESEND_PENDING_AFTER
    sending_before = now - settings.NOTIFICATION_RESEND_SENDING_AFTER
    kinds = {
        "wechat pending": Q(wechat_status=Notification.WeChatStatus.PENDING, due__lt=pending_before),
        "wechat sending": Q(wechat_status=Notification.WeChatStatus.SENDING, claimed_at__lt=sending_before),
        "sms pending": Q(
            sms_status__in=[Notification.SmsStatus.PENDING, Notification.SmsStatus.DEFERRED],
            sms_due_at__lt=pending_before,
        ),
        "sms sending": Q(sms_status=Notification.SmsStatus.SENDING, sms_claimed_at__lt=sending_before),
    }
    rows = Notification.objects.annotate(due=Coalesce("next_attempt_at", "created_at"))
    counts = {kind: rows.filter(condition).count() for kind, condition in kinds.items()}
    any_stuck = Q()
    for condition in kinds.values():
        any_stuck |= condition
    oldest = list(rows.filter(any_stuck).order_by("created_at", "id")[:limit]) if any(counts.values()) else []
    return {"counts": counts, "oldest": oldest}


FAILED_WINDOW = timedelta(hours=1)  # "failed in the last hour": the 需要处理 panel, its gauge and filter


def notifications_failed_since(*, since) -> QuerySet[Notification]:
    """Messages written since `since` that WeChat or the SMS fallback failed to deliver for good (the
    需要处理 panel and its gauge; read over the recent rows only, by their creation index)."""
    failed = Q(wechat_status=Notification.WeChatStatus.FAILED) | Q(sms_status=Notification.SmsStatus.FAILED)
    return Notification.objects.filter(failed, created_at__gte=since)
