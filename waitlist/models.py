from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import TimeStampedModel


class WaitlistEntry(TimeStampedModel):
    """A profile in the waitlist of one schedule. Only `waiting` is active; every other status is final."""

    class Status(models.TextChoices):
        WAITING = "waiting", "候补中"
        BOOKED = "booked", "已预约"
        CANCELLED = "cancelled", "已取消"
        DECLINED = "declined", "已放弃"
        EXPIRED = "expired", "确认已过期"
        CLOSED = "closed", "候补已截止"
        REMOVED = "removed", "已移出"

    profile = models.ForeignKey(
        "accounts.Profile", on_delete=models.PROTECT, related_name="waitlist_entries", verbose_name="学员"
    )
    schedule = models.ForeignKey(
        "courses.CourseSchedule", on_delete=models.PROTECT, related_name="waitlist_entries", verbose_name="排期"
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.WAITING)
    joined_at = models.DateTimeField("加入时间", default=timezone.now)
    makeup = models.ForeignKey(
        "makeup.MakeupBooking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waitlist_entries",
        verbose_name="补课记录",
    )
    confirm_shorter = models.BooleanField("确认较短补课", default=False)
    use_compensation = models.BooleanField("使用课时补偿", default=False)
    # RULES §12: a freed seat is booked for this entry at once (while the class is far enough ahead).
    auto_accept = models.BooleanField("自动递补", default=False)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=200, blank=True, default="")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    # An operator who put the child on the waitlist for the family (RULES §11.5), and why.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="代办加入人",
    )
    join_reason = models.CharField("代办加入原因", max_length=200, blank=True, default="")
    priority = models.IntegerField("优先级", default=0)
    priority_reason = models.CharField("优先原因", max_length=200, blank=True, default="")
    # Active key: True while waiting, NULL otherwise; unique with (profile, schedule).
    active = models.BooleanField(null=True, default=True, editable=False)

    class Meta:
        db_table = "waitlist"
        verbose_name = "候补记录"
        verbose_name_plural = "候补记录"
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "schedule", "active"], name="waitlist_entry_one_waiting_per_profile"
            ),
            models.CheckConstraint(
                condition=(Q(status="waiting", active=True) | (~Q(status="waiting") & Q(active__isnull=True))),
                name="waitlist_entry_active_iff_waiting",
            ),
        ]
        indexes = [
            models.Index(fields=["schedule", "status", "priority", "joined_at"], name="waitlist_queue"),
            models.Index(fields=["profile", "status"], name="waitlist_profile_status"),
            # The waiting entries of every class (/metrics: their count, the cutoff closer's lag).
            models.Index(fields=["status", "schedule"], name="waitlist_status_schedule"),
            # The dashboard's date ranges (joined, ended in the chosen days).
            models.Index(fields=["joined_at"], name="waitlist_joined_at"),
            models.Index(fields=["ended_at"], name="waitlist_ended_at"),
        ]

    def __str__(self) -> str:
        return f"{self.profile.name} · {self.schedule} · {self.get_status_display()}"

    @property
    def end_reason_text(self) -> str:
        """The end reason as people read it: the system's codes in words, an operator's as written."""
        from waitlist.messages import END_REASONS

        return END_REASONS.get(self.end_reason, self.end_reason)


class WaitlistOffer(TimeStampedModel):
    """One freed seat offered to the waitlist (名额释放): broadcast first, then reserved in queue order."""

    class Reason(models.TextChoices):
        CANCEL = "cancel", "取消预约"
        LEAVE = "leave", "请假"
        MAKEUP_CANCEL = "makeup_cancel", "取消补课"
        CAPACITY = "capacity", "增加座位"
        MANUAL = "manual", "手动发送"

    class Phase(models.TextChoices):
        BROADCAST = "broadcast", "广播"
        RESERVED = "reserved", "保留"

    class Status(models.TextChoices):
        OPEN = "open", "进行中"
        CLAIMED = "claimed", "已被预约"
        LAPSED = "lapsed", "已失效"

    schedule = models.ForeignKey(
        "courses.CourseSchedule", on_delete=models.PROTECT, related_name="waitlist_offers", verbose_name="排期"
    )
    reason = models.CharField("原因", max_length=16, choices=Reason.choices, default=Reason.CANCEL)
    released_at = models.DateTimeField("释放时间", default=timezone.now)
    phase = models.CharField("阶段", max_length=16, choices=Phase.choices, default=Phase.BROADCAST)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    deadline = models.DateTimeField("确认截止")
    reserved_for = models.ForeignKey(
        WaitlistEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name="保留给",
    )
    claimed_by = models.ForeignKey(
        WaitlistEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="claims", verbose_name="预约者"
    )
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    # Each phase (the broadcast, then every reservation) is a round; a flow protects only in its round.
    round = models.PositiveIntegerField("轮次", default=1)
    phase_started_at = models.DateTimeField("本阶段开始", default=timezone.now)
    booking = models.ForeignKey(
        "courses.Booking", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="预约"
    )

    class Meta:
        verbose_name = "名额释放"
        verbose_name_plural = "名额释放"
        indexes = [
            models.Index(fields=["status", "deadline"], name="waitlist_offer_status_deadline"),
            models.Index(fields=["schedule", "status"], name="waitlist_offer_sched_status"),
            models.Index(fields=["released_at"], name="waitlist_offer_released_at"),  # the dashboard's days
        ]

    def __str__(self) -> str:
        return f"{self.schedule}的名额（{self.get_phase_display()}，{self.get_status_display()}）"


class WaitlistNotification(models.Model):
    """What an entry was told about an offer, and the response side of it (delivery is on the Notification)."""

    class Kind(models.TextChoices):
        SEAT_AVAILABLE = "seat_available", "有名额"
        SEAT_RESERVED = "seat_reserved", "名额保留"
        EXPIRED = "expired", "确认过期"
        CLOSED = "closed", "候补截止"
        OFFER_TAKEN = "offer_taken", "名额被抢占"
        CONFLICT_ENDED = "conflict_ended", "时间冲突取消"

    class Status(models.TextChoices):
        OPEN = "open", "待响应"
        ACCEPTED = "accepted", "已接受"
        SUPERSEDED = "superseded", "名额已被抢占"
        EXPIRED = "expired", "已过期"
        CLOSED = "closed", "已结束"

    offer = models.ForeignKey(
        WaitlistOffer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name="名额",
    )
    entry = models.ForeignKey(
        WaitlistEntry, on_delete=models.PROTECT, related_name="notifications", verbose_name="候补"
    )
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.SEAT_AVAILABLE)
    response_deadline = models.DateTimeField("响应截止", null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    notification = models.ForeignKey(
        "notifications.Notification",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="通知",
    )
    created_at = models.DateTimeField("时间", default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "waitlist_notification"
        verbose_name = "候补通知"
        verbose_name_plural = "候补通知"
        indexes = [
            models.Index(fields=["entry", "status"], name="waitlist_notif_entry_status"),
            models.Index(fields=["offer"], name="waitlist_notif_offer"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.get_status_display()}）"


class WaitlistFlow(models.Model):
    """A booking flow a parent started on an offer (预约流程): it protects them past the deadline."""

    class Status(models.TextChoices):
        STARTED = "started", "进行中"
        COMPLETED = "completed", "已完成"
        ABANDONED = "abandoned", "已放弃"
        REJECTED = "rejected", "被拒绝"

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.PROTECT, related_name="flows", verbose_name="候补")
    offer = models.ForeignKey(WaitlistOffer, on_delete=models.PROTECT, related_name="flows", verbose_name="名额")
    round = models.PositiveIntegerField("轮次", default=1)
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    completed_at = models.DateTimeField("结束时间", null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.STARTED)

    class Meta:
        db_table = "waitlist_flow"
        verbose_name = "预约流程"
        verbose_name_plural = "预约流程"
        indexes = [models.Index(fields=["offer", "status"], name="waitlist_flow_offer_status")]

    def __str__(self) -> str:
        return f"预约流程（{self.get_status_display()}）"
