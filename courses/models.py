from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import TimeStampedModel


class CourseType(TimeStampedModel):
    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64)
    waitlist_capacity = models.PositiveSmallIntegerField(
        "候补容量", null=True, blank=True, help_text="留空则使用系统默认值"
    )

    class Meta:
        verbose_name = "课程类型"
        verbose_name_plural = "课程类型"

    def __str__(self) -> str:
        return self.name


class Course(TimeStampedModel):
    name = models.CharField("名称", max_length=100)
    course_type = models.ForeignKey(
        CourseType, on_delete=models.PROTECT, related_name="courses", verbose_name="课程类型"
    )
    level = models.PositiveSmallIntegerField("级别", help_text="数字越大越高级")
    duration_minutes = models.PositiveSmallIntegerField("时长（分钟）")
    price = models.DecimalField("价格（元）", max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = "课程"
        verbose_name_plural = "课程"
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gt=0), name="courses_course_duration_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="courses_course_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.level}级，{self.duration_minutes}分钟）"


class CourseSchedule(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", "开放"
        CANCELLED = "cancelled", "已取消"

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="schedules", verbose_name="课程")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    capacity = models.PositiveSmallIntegerField("座位数", default=settings.DEFAULT_SCHEDULE_CAPACITY)
    coach = models.CharField("教练", max_length=64, blank=True, default="")
    venue = models.CharField("场馆", max_length=64, blank=True, default="")
    waitlist_capacity = models.PositiveSmallIntegerField(
        "候补容量（本节覆盖）", null=True, blank=True, help_text="留空则使用课程类型的候补容量"
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    # Exact counts of the class's booked seats, its open offers (seats held for the waitlist) and its
    # waiting entries, kept by database triggers in the transaction of every write that changes them
    # (migrations courses 0006 and waitlist 0008; docs/decisions.md). Lists read these plain columns;
    # `manage.py check_counters` compares them with COUNT(*).
    booked_count = models.IntegerField("已预约", default=0, editable=False)
    held_count = models.IntegerField("候补保留", default=0, editable=False)
    waiting_count = models.IntegerField("候补人数", default=0, editable=False)

    class Meta:
        verbose_name = "课程排期"
        verbose_name_plural = "课程排期"
        permissions = [("view_dashboard", "查看运营看板")]  # RULES §11.7: the studio manager's figures
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="courses_schedule_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="courses_schedule_status_start"),
            # The upcoming list's count and its earliest end (ends_at > now): a range, not a table scan.
            models.Index(fields=["status", "ends_at"], name="courses_schedule_status_end"),
            models.Index(fields=["course", "starts_at"], name="courses_schedule_course_start"),
            # /metrics' waiting entries: the sum over the few classes with a queue, not a count of every entry.
            models.Index(fields=["waiting_count"], name="courses_schedule_waiting"),
        ]

    COUNTERS = ("booked_count", "held_count", "waiting_count")

    def save(self, **kwargs) -> None:
        """An existing class's save never writes the counters: only the triggers move them, so an
        admin form or a stale instance cannot put back numbers read before a booking."""
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name not in self.COUNTERS
            ]
        super().save(**kwargs)

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.course.name} {local:%Y-%m-%d %H:%M}"


class Booking(TimeStampedModel):
    class Kind(models.TextChoices):
        REGULAR = "regular", "正常预约"
        WAITLIST = "waitlist", "候补递补"
        MAKEUP = "makeup", "补课"

    class Status(models.TextChoices):
        BOOKED = "booked", "已预约"
        CANCELLED = "cancelled", "已取消"
        ON_LEAVE = "on_leave", "已请假"
        ATTENDED = "attended", "已出勤"
        ABSENT = "absent", "缺勤"

    profile = models.ForeignKey(
        "accounts.Profile", on_delete=models.PROTECT, related_name="bookings", verbose_name="学员"
    )
    schedule = models.ForeignKey(CourseSchedule, on_delete=models.PROTECT, related_name="bookings", verbose_name="排期")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.REGULAR)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.BOOKED)
    booked_at = models.DateTimeField("预约时间", default=timezone.now)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    leave_at = models.DateTimeField("请假时间", null=True, blank=True)
    leave_reason = models.CharField("请假原因", max_length=200, blank=True, default="")
    # Who acted for the family at the front desk (RULES §11), and why; empty when the parent did it.
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="代办预约人",
    )
    book_reason = models.CharField("代办预约原因", max_length=200, blank=True, default="")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="代办取消/请假人",
    )
    end_reason = models.CharField("代办取消/请假原因", max_length=200, blank=True, default="")
    # The "active key": True while booked, NULL otherwise. MySQL has no partial unique index, so
    # uniqueness of the booked seat per (profile, schedule) is a plain unique key over this column.
    active = models.BooleanField(null=True, default=True, editable=False)

    class Meta:
        verbose_name = "预约"
        verbose_name_plural = "预约"
        # The front desk acting for a family (RULES §11.1-11.5): leave, cancel, book, make-up, waitlist.
        permissions = [("act_for_family", "代家长办理（请假、取消、预约、补课、候补）")]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "schedule", "active"], name="courses_booking_one_booked_per_profile"
            ),
            models.CheckConstraint(
                condition=(Q(status="booked", active=True) | (~Q(status="booked") & Q(active__isnull=True))),
                name="courses_booking_active_iff_booked",
            ),
        ]
        indexes = [
            models.Index(fields=["schedule", "status"], name="courses_booking_sched_status"),
            models.Index(fields=["profile", "status"], name="courses_booking_prof_status"),
        ]

    def __str__(self) -> str:
        return f"{self.profile.name} · {self.schedule} · {self.get_status_display()}"
