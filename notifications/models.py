from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel


def template_title(key: str) -> str:
    """A template key as operators read it: its in-app title (`waitlist_seat_available` → 候补有名额了)."""
    return settings.NOTIFICATION_TEMPLATES.get(key, {}).get("title", key)


class Notification(TimeStampedModel):
    """The outbox row: the in-app message (always) and the state of its WeChat subscribe message."""

    class WeChatStatus(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        SKIPPED_NO_SUBSCRIPTION = "skipped_no_subscription", "未订阅，仅站内信"
        IN_APP_ONLY = "in_app_only", "仅站内信（模板未配置微信模板）"

    class SmsStatus(models.TextChoices):
        NOT_NEEDED = "not_needed", "无需短信"
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        DEFERRED = "deferred", "早上8点发送"

    # No database constraint on these two (Django still applies on_delete): an outbox row written
    # for another family inside a transaction would otherwise take a shared lock on that family's
    # user and profile rows, and a transaction holding one child's profile while telling others
    # could deadlock with one doing the same the other way round (RULES §12-13 under load).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="家长",
        db_constraint=False,
    )
    profile = models.ForeignKey(
        "accounts.Profile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="学员",
        db_constraint=False,
    )
    template = models.CharField("模板", max_length=64)
    title = models.CharField("标题", max_length=100)
    body = models.CharField("内容", max_length=500)
    page = models.CharField("小程序页面", max_length=255, blank=True, default="")
    payload = models.JSONField("数据", default=dict, blank=True)
    wechat_status = models.CharField(
        "微信发送状态", max_length=32, choices=WeChatStatus.choices, default=WeChatStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    last_error = models.CharField("最后错误", max_length=255, blank=True, default="")
    errcode = models.IntegerField("微信错误码", null=True, blank=True)
    wechat_msgid = models.CharField("微信消息ID", max_length=64, blank=True, default="")
    claimed_at = models.DateTimeField("开始发送时间", null=True, blank=True)
    # True while a sending attempt holds one subscription grant (given back unless WeChat accepts).
    grant_held = models.BooleanField("占用订阅次数", default=False)
    next_attempt_at = models.DateTimeField("下次重试时间", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    # RULES §14: the SMS fallback of an urgent message WeChat could not deliver.
    sms_status = models.CharField("短信状态", max_length=16, choices=SmsStatus.choices, default=SmsStatus.NOT_NEEDED)
    sms_error = models.CharField("短信错误码", max_length=64, blank=True, default="")
    sms_attempts = models.PositiveSmallIntegerField("短信发送次数", default=0)
    sms_due_at = models.DateTimeField("短信计划发送时间", null=True, blank=True)
    sms_claimed_at = models.DateTimeField("短信开始发送时间", null=True, blank=True)
    sms_sent_at = models.DateTimeField("短信发送时间", null=True, blank=True)
    sms_serial = models.CharField("短信流水号", max_length=64, blank=True, default="")
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        indexes = [
            models.Index(fields=["wechat_status", "created_at"], name="notif_status_created"),
            models.Index(fields=["user", "read_at"], name="notif_user_read"),
            models.Index(fields=["sms_status", "sms_due_at"], name="notif_sms_status_due"),
            models.Index(fields=["created_at"], name="notif_created"),  # the dashboard's days, the 24-hour summary
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.user}"


class SubscriptionGrant(TimeStampedModel):
    """One-time subscriptions (一次性订阅): each acceptance in wx.requestSubscribeMessage allows one
    WeChat message of that template."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscription_grants", verbose_name="家长"
    )
    template = models.CharField("模板", max_length=64)
    remaining = models.PositiveIntegerField("剩余次数", default=0)

    class Meta:
        verbose_name = "订阅授权"
        verbose_name_plural = "订阅授权"
        constraints = [
            models.UniqueConstraint(fields=["user", "template"], name="notifications_grant_one_per_template"),
            models.CheckConstraint(condition=Q(remaining__gte=0), name="notifications_grant_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {template_title(self.template)} · 剩余{self.remaining}次"
