from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.utils import timezone
from import_export.admin import ExportMixin
from import_export.forms import ExportForm

from core.admin_actions import ForbidForgedActionsMixin, number
from notifications import messages as notification_messages
from notifications import selectors, services
from notifications.exports import DeliveryResource
from notifications.models import Notification, SubscriptionGrant, template_title


class TemplateFilter(admin.SimpleListFilter):
    """Notification types by the title operators read, not the template key."""

    title = notification_messages.TEMPLATE_COLUMN
    parameter_name = "template"

    def lookups(self, request, model_admin):
        return [(key, template["title"]) for key, template in settings.NOTIFICATION_TEMPLATES.items()]

    def queryset(self, request, queryset):
        return queryset.filter(template=self.value()) if self.value() else queryset


class FailedRecentlyFilter(admin.SimpleListFilter):
    """Messages of the last hour that WeChat or the SMS fallback failed to deliver: where the
    dashboard's 需要处理 panel leads."""

    title = notification_messages.FAILED_FILTER
    parameter_name = "failed"

    def lookups(self, request, model_admin):
        return [("last_hour", notification_messages.FAILED_LAST_HOUR)]

    def queryset(self, request, queryset):
        if self.value() != "last_hour":
            return queryset
        failed = selectors.notifications_failed_since(since=timezone.now() - selectors.FAILED_WINDOW)
        return queryset.filter(pk__in=failed.values("pk"))


@admin.display(description=notification_messages.TEMPLATE_COLUMN, ordering="template")
def template_name(row) -> str:
    return template_title(row.template)


@admin.register(Notification)
class NotificationAdmin(ForbidForgedActionsMixin, ExportMixin, admin.ModelAdmin):
    resource_classes = [DeliveryResource]
    # The delivery summary above the list; import-export's 导出 button is drawn on top of it.
    change_list_template = "admin/notifications/notification/change_list.html"
    export_form_class = ExportForm  # the operator picks the format; the list's filters apply
    template_name = staticmethod(template_name)
    list_display = [
        number,
        "template_name",
        "user",
        "profile",
        "title",
        "wechat_status",
        "errcode",
        "last_error",
        "attempts",
        "sms_status",
        "sms_error",
        "created_at",
        "sent_at",
        "read_at",
    ]
    list_filter = [
        FailedRecentlyFilter,
        "wechat_status",
        "sms_status",
        TemplateFilter,
        ("created_at", admin.DateFieldListFilter),
        "errcode",
        "sms_error",
    ]
    list_select_related = ["user", "profile"]
    search_fields = ["title", "body", "user__nickname", "user__phone", "user__wechat_openid"]
    date_hierarchy = "created_at"
    actions = ["resend", "resend_sms"]
    # What an operator reads: the type by its title and the texts the parent got; the template key,
    # the mini-program page path and the raw payload stay in the database (and the API).
    fields = readonly_fields = [
        "template_name",
        "user",
        "profile",
        "title",
        "body",
        "wechat_status",
        "errcode",
        "last_error",
        "attempts",
        "created_at",
        "next_attempt_at",
        "sent_at",
        # RULES §14: the SMS beside WeChat's delivery.
        "sms_status",
        "sms_error",
        "sms_attempts",
        "sms_due_at",
        "sms_sent_at",
        "read_at",
    ]

    def has_add_permission(self, request):
        return False  # notifications come from business actions, through the outbox

    def changelist_view(self, request, extra_context=None):
        summary = selectors.notification_delivery_summary(since=timezone.now() - timedelta(hours=24))
        statuses = dict(Notification.WeChatStatus.choices)
        summary["by_status_labels"] = [(statuses.get(key, key), n) for key, n in sorted(summary["by_status"].items())]
        sms_statuses = dict(Notification.SmsStatus.choices)
        summary["sms_by_status_labels"] = [
            (sms_statuses.get(key, key), n) for key, n in sorted(summary["sms_by_status"].items())
        ]
        return super().changelist_view(request, {**(extra_context or {}), "delivery_summary": summary})

    def has_change_permission(self, request, obj=None):
        return False

    def has_resend_permission(self, request):
        return request.user.has_perm("notifications.change_notification")  # 运营主管 (RULES §11.7)

    @admin.action(description=notification_messages.RESEND_ACTION, permissions=["resend"])
    def resend(self, request, queryset):
        count = services.notification_resend(notification_ids=list(queryset.values_list("pk", flat=True)))
        if count:
            self.message_user(request, notification_messages.RESENT.format(count=count), messages.SUCCESS)
            return
        # Nothing went out: say why, from what was selected.
        statuses = set(queryset.values_list("wechat_status", flat=True))
        if statuses == {Notification.WeChatStatus.IN_APP_ONLY}:
            text = notification_messages.RESENT_NONE_IN_APP_ONLY
        elif statuses <= {Notification.WeChatStatus.SENT, Notification.WeChatStatus.SENDING}:
            text = notification_messages.RESENT_NONE_SENT
        else:
            text = notification_messages.RESENT_NONE
        self.message_user(request, text, messages.WARNING)

    @admin.action(description=notification_messages.RESEND_SMS_ACTION, permissions=["resend"])
    def resend_sms(self, request, queryset):
        count = services.notification_resend_sms(notification_ids=list(queryset.values_list("pk", flat=True)))
        if count:
            self.message_user(request, notification_messages.RESENT_SMS.format(count=count), messages.SUCCESS)
            return
        lost = queryset.filter(sms_status=Notification.SmsStatus.FAILED, sms_error=services.SMS_WORKER_LOST)
        text = (
            notification_messages.RESENT_SMS_NONE_WORKER_LOST
            if lost.exists()
            else notification_messages.RESENT_SMS_NONE
        )
        self.message_user(request, text, messages.WARNING)


@admin.register(SubscriptionGrant)
class SubscriptionGrantAdmin(admin.ModelAdmin):
    template_name = staticmethod(template_name)
    list_display = [number, "user", "template_name", "remaining", "updated_at"]
    list_filter = [TemplateFilter]
    list_select_related = ["user"]
    search_fields = ["user__nickname", "user__wechat_openid"]
    fields = readonly_fields = ["user", "template_name", "remaining"]

    def has_add_permission(self, request):
        return False
