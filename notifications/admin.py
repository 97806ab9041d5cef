from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone

from notifications import messages as notification_messages
from notifications import selectors, services
from notifications.models import Notification, SubscriptionGrant


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "template",
        "user",
        "profile",
        "title",
        "wechat_status",
        "errcode",
        "last_error",
        "attempts",
        "created_at",
        "sent_at",
        "read_at",
    ]
    list_filter = ["wechat_status", "template", ("created_at", admin.DateFieldListFilter), "errcode"]
    list_select_related = ["user", "profile"]
    search_fields = ["title", "body", "user__nickname", "user__phone", "user__wechat_openid"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False  # notifications come from business actions, through the outbox

    def changelist_view(self, request, extra_context=None):
        summary = selectors.notification_delivery_summary(since=timezone.now() - timedelta(hours=24))
        statuses = dict(Notification.WeChatStatus.choices)
        summary["by_status_labels"] = [(statuses.get(key, key), n) for key, n in sorted(summary["by_status"].items())]
        return super().changelist_view(request, {**(extra_context or {}), "delivery_summary": summary})

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=notification_messages.RESEND_ACTION)
    def resend(self, request, queryset):
        count = services.notification_resend(notification_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, notification_messages.RESENT.format(count=count), messages.SUCCESS)


@admin.register(SubscriptionGrant)
class SubscriptionGrantAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "template", "remaining", "updated_at"]
    list_filter = ["template"]
    list_select_related = ["user"]
    search_fields = ["user__nickname", "user__wechat_openid"]
    readonly_fields = ["user", "template", "remaining"]

    def has_add_permission(self, request):
        return False
