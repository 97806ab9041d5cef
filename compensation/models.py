from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.models import TimeStampedModel


class ClassCreditCompensation(TimeStampedModel):
    """A credit of minutes (课时补偿), spent soonest-expiring first. Never deleted."""

    class Source(models.TextChoices):
        MAKEUP_SHORTER = "makeup_shorter", "补课时长较短"
        ADJUSTMENT = "adjustment", "人工调整"

    class Status(models.TextChoices):
        ACTIVE = "active", "可用"
        USED_UP = "used_up", "已用完"
        EXPIRED = "expired", "已过期"
        REVOKED = "revoked", "已撤销"

    profile = models.ForeignKey(
        "accounts.Profile", on_delete=models.PROTECT, related_name="credits", verbose_name="学员"
    )
    minutes = models.PositiveIntegerField("分钟")
    remaining = models.PositiveIntegerField("剩余分钟")
    # The moment the service says the credit was earned (its `now=`), not the wall clock: the ledger
    # orders credits and their uses by this time, and they must share one clock.
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    expires_at = models.DateTimeField("过期时间")
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.MAKEUP_SHORTER)
    makeup = models.ForeignKey(
        "makeup.MakeupBooking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credits_created",
        verbose_name="产生自补课",
    )
    # The make-up seat that earned it: a make-up booked again earns a new credit, and only the
    # current seat's credit can block cancelling the make-up (RULES §6.5).
    booking = models.ForeignKey(
        "courses.Booking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="产生自补课预约",
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.ACTIVE)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    reason = models.CharField("原因", max_length=200, blank=True, default="")

    class Meta:
        db_table = "class_credit_compensation"
        verbose_name = "课时补偿"
        verbose_name_plural = "课时补偿"
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__lte=F("minutes")), name="compensation_credit_remaining_le_minutes"
            ),
            models.CheckConstraint(condition=Q(minutes__gt=0), name="compensation_credit_minutes_positive"),
        ]
        indexes = [
            models.Index(fields=["profile", "status", "expires_at"], name="compensation_profile_usable"),
            models.Index(fields=["created_at"], name="compensation_credit_created"),  # the dashboard's days
        ]

    def __str__(self) -> str:
        return (
            f"{self.profile.name}的课时补偿{self.minutes}分钟（剩余{self.remaining}分钟，{self.get_status_display()}）"
        )


class CompensationUsage(models.Model):
    """One ledger row on a credit: use, restore, expire, revoke (adjust is reserved for audit lines)."""

    class Kind(models.TextChoices):
        USE = "use", "使用"
        RESTORE = "restore", "退回"
        EXPIRE = "expire", "过期"
        REVOKE = "revoke", "撤销"
        ADJUST = "adjust", "调整"

    credit = models.ForeignKey(
        ClassCreditCompensation, on_delete=models.PROTECT, related_name="usages", verbose_name="补偿"
    )
    makeup = models.ForeignKey(
        "makeup.MakeupBooking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="compensation_usages",
        verbose_name="补课",
    )
    minutes = models.PositiveIntegerField("分钟")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.USE)
    created_at = models.DateTimeField("时间", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    reason = models.CharField("原因", max_length=200, blank=True, default="")

    class Meta:
        db_table = "compensation_usage"
        verbose_name = "补偿明细"
        verbose_name_plural = "补偿明细"
        constraints = [models.CheckConstraint(condition=Q(minutes__gt=0), name="compensation_usage_minutes_positive")]
        indexes = [
            models.Index(fields=["credit", "kind"], name="compensation_usage_credit_kind"),
            models.Index(fields=["created_at"], name="compensation_usage_created"),  # the dashboard's days
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}{self.minutes}分钟"


class LedgerCheck(models.Model):
    """One run of the periodic check of RULES §7's invariants over the whole ledger (RULES §16): how
    many credits broke one, and the first of them, for /metrics and the dashboard's 需要处理 panel.
    Kept for a week, so an operator can see when a problem began."""

    checked_at = models.DateTimeField("检查时间", db_index=True)
    credits_checked = models.PositiveIntegerField("检查的补偿数")
    violations = models.PositiveIntegerField("异常数")
    credit_ids = models.JSONField("异常补偿ID", default=list, blank=True)  # the first LEDGER_CHECK_SHOWN

    class Meta:
        verbose_name = verbose_name_plural = "补偿账目检查"
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} 异常{self.violations}条"
