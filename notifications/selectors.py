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


def unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
