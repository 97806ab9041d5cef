"""The operator's per-child ledger page (课时补偿明细) and the balance adjustment form."""

from datetime import datetime, time

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts.models import Profile
from compensation import messages as compensation_messages
from compensation import selectors, services
from compensation.models import ClassCreditCompensation
from core import messages as core_messages
from core.errors import BusinessError


class AdjustForm(forms.Form):
    minutes = forms.IntegerField(label=compensation_messages.ADJUST_MINUTES_LABEL, min_value=-10_000, max_value=10_000)
    reason = forms.CharField(
        label=core_messages.REASON_LABEL,
        max_length=200,
        error_messages={"required": compensation_messages.REASON_REQUIRED},
    )
    expires_on = forms.DateField(
        label=compensation_messages.ADJUST_EXPIRES_ON_LABEL,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_minutes(self):
        minutes = self.cleaned_data["minutes"]
        if minutes == 0:
            raise forms.ValidationError(compensation_messages.MINUTES_INVALID)
        return minutes

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day and day <= timezone.localdate():
            raise forms.ValidationError(compensation_messages.EXPIRES_ON_NOT_FUTURE)
        return day


def profile_ledger_view(request, profile_id: int, admin_site):
    """Anyone who may view the ledger reads it (前台 too); only who may change it adjusts (运营主管)."""
    if not request.user.has_perm("compensation.view_classcreditcompensation"):
        raise PermissionDenied
    may_adjust = request.user.has_perm("compensation.change_classcreditcompensation")
    if request.method == "POST" and not may_adjust:
        raise PermissionDenied
    profile = get_object_or_404(Profile.objects.select_related("owner"), pk=profile_id)
    form = AdjustForm(request.POST or None) if may_adjust else None
    if form is not None and request.method == "POST" and form.is_valid():
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
            messages.success(
                request,
                compensation_messages.ADJUSTED.format(
                    name=profile.name, minutes=result.minutes, balance=result.balance
                ),
            )
            return redirect(request.path)
    now = timezone.now()
    services.compensation_expire_due(profile_id=profile.pk, now=now)  # RULES §7: a read expires what is due
    return TemplateResponse(
        request,
        "admin/compensation/ledger.html",
        {
            **admin_site.each_context(request),
            "title": compensation_messages.LEDGER_TITLE.format(name=profile.name),
            "profile": profile,
            "balance": selectors.compensation_balance(profile_id=profile.pk, now=now),
            "credits": ClassCreditCompensation.objects.filter(profile=profile)
            .select_related("created_by")
            .order_by("-created_at"),
            "history": [
                {**row, "label": compensation_messages.KIND_LABELS.get(row["kind"], row["kind"])}
                for row in selectors.compensation_history(profile_id=profile.pk)[:200]
            ],
            "form": form,
        },
    )
