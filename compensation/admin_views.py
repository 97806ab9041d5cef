"""The operator's per-child ledger page (课时补偿明细) and the balance adjustment form."""

from datetime import datetime, time

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts.models import Profile
from compensation import selectors, services
from compensation.models import ClassCreditCompensation
from core.errors import BusinessError

KIND_LABELS = {
    "credit": "补课时长差补偿",
    "adjustment": "人工调整",
    "use": "使用",
    "restore": "退回",
    "expire": "过期",
    "revoke": "撤销",
}


class AdjustForm(forms.Form):
    minutes = forms.IntegerField(label="调整分钟（正数增加，负数扣减）", min_value=-10_000, max_value=10_000)
    reason = forms.CharField(label="原因", max_length=200, error_messages={"required": "请填写原因"})
    expires_on = forms.DateField(
        label="过期日期（增加时可选，默认14天）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_minutes(self):
        minutes = self.cleaned_data["minutes"]
        if minutes == 0:
            raise forms.ValidationError("调整分钟数不能为0")
        return minutes

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day and day <= timezone.localdate():
            raise forms.ValidationError("过期日期须晚于今天")
        return day


def profile_ledger_view(request, profile_id: int, admin_site):
    if not request.user.has_perm("compensation.change_classcreditcompensation"):
        raise PermissionDenied
    profile = get_object_or_404(Profile.objects.select_related("owner"), pk=profile_id)
    form = AdjustForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["expires_on"]
        expires_at = timezone.make_aware(datetime.combine(day, time(23, 59, 59))) if day else None
        try:
            result = services.compensation_adjust(
                profile_id=profile.pk,
                minutes=form.cleaned_data["minutes"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                expires_at=expires_at,
            )
        except BusinessError as error:
            form.add_error("minutes", error.message)
        else:
            messages.success(request, f"已调整 {result.minutes:+d} 分钟，当前余额 {result.balance} 分钟")
            return redirect(request.path)
    now = timezone.now()
    services.compensation_expire_due(profile_id=profile.pk, now=now)  # RULES §7: a read expires what is due
    return TemplateResponse(
        request,
        "admin/compensation/ledger.html",
        {
            **admin_site.each_context(request),
            "title": f"课时补偿明细：{profile.name}",
            "profile": profile,
            "balance": selectors.compensation_balance(profile_id=profile.pk, now=now),
            "credits": ClassCreditCompensation.objects.filter(profile=profile)
            .select_related("created_by")
            .order_by("-created_at"),
            "history": [
                {**row, "label": KIND_LABELS.get(row["kind"], row["kind"])}
                for row in selectors.compensation_history(profile_id=profile.pk)[:200]
            ],
            "form": form,
        },
    )
