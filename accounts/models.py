from django.contrib.auth.models import AbstractUser
from django.db import models

from core.models import TimeStampedModel


class User(AbstractUser):
    """A parent (WeChat user, identified by openid) or a staff member (username + password)."""

    wechat_openid = models.CharField("微信 openid", max_length=64, unique=True, null=True, blank=True)
    wechat_unionid = models.CharField("微信 unionid", max_length=64, blank=True, default="")
    nickname = models.CharField("昵称", max_length=64, blank=True, default="")
    phone = models.CharField("手机号", max_length=20, blank=True, default="")
    # RULES §14: urgent messages also by SMS when WeChat cannot reach the parent.
    sms_enabled = models.BooleanField("短信提醒", default=False)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.nickname or self.username


class Profile(TimeStampedModel):
    """A child's learner profile; bookings, waitlists, make-ups and credits belong to it."""

    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="profiles", verbose_name="家长")
    name = models.CharField("姓名", max_length=64)
    level = models.PositiveSmallIntegerField("级别", default=1)
    birth_date = models.DateField("出生日期", null=True, blank=True)

    class Meta:
        verbose_name = "学员档案"
        verbose_name_plural = "学员档案"
        indexes = [models.Index(fields=["owner"], name="accounts_profile_owner")]

    def __str__(self) -> str:
        return f"{self.name}（{self.level}级）"
