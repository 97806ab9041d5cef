"""Reads of notifications: the parent's in-app message centre."""

from django.db.models import QuerySet

from notifications.models import Notification


def notifications_of(*, user_id: int, unread: bool | None = None) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(user_id=user_id)
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
