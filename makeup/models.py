from django.db import models

from core.models import TimeStampedModel
from courses.models import Booking


class MakeupBooking(TimeStampedModel):
    """待补课记录: owed to a profile after a leave (or a compensation redemption), later booked."""

    class Status(models.TextChoices):
        PENDING = "pending", "待补课"
        BOOKED = "booked", "已预约补课"
        COMPLETED = "completed", "已补课"
        EXPIRED = "expired", "已过期"
        CANCELLED = "cancelled", "已取消"

    profile = models.ForeignKey(
        "accounts.Profile", on_delete=models.PROTECT, related_name="makeups", verbose_name="学员"
    )
    original_booking = models.OneToOneField(
        "courses.Booking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="makeup_owed",
        verbose_name="原预约",
    )
    original_course = models.ForeignKey(
        "courses.Course", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="原课程"
    )
    original_minutes = models.PositiveIntegerField("原课程时长（分钟）", default=0)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    leave_at = models.DateTimeField("请假时间", null=True, blank=True)
    booking = models.ForeignKey(
        "courses.Booking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="makeup_for",
        verbose_name="补课预约",
    )
    makeup_minutes = models.PositiveIntegerField("补课时长（分钟）", null=True, blank=True)
    duration_difference = models.IntegerField("时长差（分钟）", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        db_table = "makeup_booking"
        verbose_name = "补课记录"
        verbose_name_plural = "补课记录"
        indexes = [
            models.Index(fields=["profile", "status"], name="makeup_profile_status"),
            models.Index(fields=["status"], name="makeup_status"),  # /metrics: open make-ups by status
        ]

    @property
    def leave_time(self):
        """When the child took leave — only for a make-up a leave owes: a class the studio cancelled
        (its make-up is owed the same way) and a redemption of minutes have none to show."""
        if self.original_booking_id and self.original_booking.status == Booking.Status.ON_LEAVE:
            return self.leave_at
        return None

    def __str__(self) -> str:
        return f"{self.profile.name}的补课（{self.get_status_display()}）"
