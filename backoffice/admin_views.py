"""The operators' dashboard (运营看板) in the admin: a date range form, figure cards and a per-day chart."""

from datetime import date, timedelta

from django import forms
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe

from backoffice import messages
from backoffice.attention import attention_items
from backoffice.charts import grouped_bar_chart
from backoffice.dashboard import STUDIO_TZ, dashboard_figures
from backoffice.monitoring import monitoring_conditions
from core import messages as core_messages
from notifications.models import Notification

DEFAULT_DAYS = 30
MAX_DAYS = 366
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the API's date filters accept the same years


class DashboardRangeForm(forms.Form):
    """Shanghai days, both inclusive. Missing dates default to the 30 days ending today."""

    date_from = forms.DateField(
        label=messages.DATE_FROM_LABEL,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=messages.DATE_TO_LABEL, required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    @staticmethod
    def _in_years(value: date | None) -> date | None:
        # Also keeps date_to + 1 day (the end of the range) from overflowing.
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise forms.ValidationError(core_messages.DATE_OUT_OF_RANGE)
        return value

    def clean_date_from(self):
        return self._in_years(self.cleaned_data.get("date_from"))

    def clean_date_to(self):
        return self._in_years(self.cleaned_data.get("date_to"))

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        date_to = cleaned.get("date_to") or self.today
        date_from = cleaned.get("date_from") or date_to - timedelta(days=DEFAULT_DAYS - 1)
        if date_to < date_from:
            raise forms.ValidationError(core_messages.DATE_TO_BEFORE_FROM)
        if (date_to - date_from).days + 1 > MAX_DAYS:
            raise forms.ValidationError(messages.RANGE_TOO_LONG.format(days=MAX_DAYS))
        cleaned["date_from"], cleaned["date_to"] = date_from, date_to
        return cleaned


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.2f}%"


def _value(value: object) -> str:
    return "—" if value is None else str(value)


def _delivery_card(card_id: str, label: str, rate: float | None, counts: dict, choices, detail: tuple) -> dict:
    """A channel's delivery rate, and its rows by status as the detail (detail: without, with)."""
    total = sum(counts.values())
    by_status = " · ".join(f"{name} {counts[status]}" for status, name in choices if counts.get(status))
    return {
        "id": card_id,
        "label": label,
        "value": _percent(rate),
        "detail": detail[1].format(total=total, by_status=by_status) if by_status else detail[0].format(total=total),
    }


def _cards(figures: dict) -> list[dict]:
    """The figures as the operator reads them: a label, a value and what it is made of."""
    return [
        {
            "id": "conversion",
            "label": messages.CONVERSION_LABEL,
            "value": _percent(figures["waitlist_conversion_rate"]),
            "detail": messages.CONVERSION_DETAIL.format(
                joined=figures["waitlist_joined"], booked=figures["waitlist_booked"]
            ),
        },
        {
            "id": "claim-median",
            "label": messages.CLAIM_MEDIAN_LABEL,
            "value": _value(figures["claim_median_minutes"]),
            "detail": messages.CLAIM_MEDIAN_DETAIL.format(claimed=figures["offers_claimed"]),
        },
        {
            "id": "offers",
            "label": messages.OFFERS_LABEL,
            "value": str(figures["offers_opened"]),
            "detail": messages.OFFERS_DETAIL.format(claimed=figures["offers_claimed"], lapsed=figures["offers_lapsed"]),
        },
        {
            "id": "offers-lapsed",
            "label": messages.OFFERS_LAPSED_LABEL,
            "value": str(figures["offers_lapsed"]),
            "detail": messages.OFFERS_LAPSED_DETAIL,
        },
        {
            "id": "makeup-usage",
            "label": messages.MAKEUP_USAGE_LABEL,
            "value": _percent(figures["makeup_usage_rate"]),
            "detail": messages.MAKEUP_USAGE_DETAIL.format(owed=figures["makeups_owed"], used=figures["makeups_used"]),
        },
        {
            "id": "compensation",
            "label": messages.COMPENSATION_LABEL,
            "value": (
                f"{figures['compensation_minutes_granted']} / {figures['compensation_minutes_spent']} / "
                f"{figures['compensation_minutes_expired']} / {figures['compensation_minutes_revoked']}"
            ),
            "detail": messages.COMPENSATION_DETAIL,
        },
        _delivery_card(
            "delivery",
            messages.DELIVERY_LABEL,
            figures["notification_delivery_rate"],
            figures["notifications_by_status"],
            Notification.WeChatStatus.choices,
            (messages.DELIVERY_DETAIL, messages.DELIVERY_DETAIL_BY_STATUS),
        ),
        _delivery_card(
            "sms-delivery",
            messages.SMS_DELIVERY_LABEL,
            figures["sms_delivery_rate"],
            figures["sms_by_status"],
            Notification.SmsStatus.choices,
            (messages.SMS_DELIVERY_DETAIL, messages.SMS_DELIVERY_DETAIL_BY_STATUS),
        ),
        {
            "id": "auto-booked",
            "label": messages.AUTO_BOOKED_LABEL,
            "value": str(figures["entries_auto_booked"]),
            "detail": messages.AUTO_BOOKED_DETAIL,
        },
        {
            "id": "conflict-ended",
            "label": messages.CONFLICT_ENDED_LABEL,
            "value": str(figures["entries_conflict_ended"]),
            "detail": messages.CONFLICT_ENDED_DETAIL,
        },
        {
            "id": "closed-late",
            "label": messages.CLOSED_LATE_LABEL,
            "value": f"{figures['entries_closed_late']} / {figures['entries_closed']}",
            "detail": messages.CLOSED_LATE_DETAIL,
        },
        {
            "id": "queues-full",
            "label": messages.QUEUES_FULL_LABEL,
            "value": str(figures["queues_full_now"]),
            "detail": messages.QUEUES_FULL_DETAIL,
        },
    ]


def _chart(series: list[dict]) -> str:
    labels = [f"{row['day']:%m-%d}" for row in series]
    totals = messages.CHART_TOTALS_SEPARATOR.join(
        messages.CHART_SERIES_TOTAL.format(name=name, total=sum(row[key] for row in series))
        for key, name in messages.SERIES_NAMES.items()
    )
    return grouped_bar_chart(
        title=messages.CHART_TITLE,
        labels=labels,
        chart_id="daily-chart",
        series=[(name, [row[key] for row in series]) for key, name in messages.SERIES_NAMES.items()],
        description=messages.CHART_DESCRIPTION.format(
            date_from=series[0]["day"], date_to=series[-1]["day"], totals=totals
        ),
    )


DASHBOARD_PERMISSION = "courses.view_dashboard"


@staff_member_required
def dashboard_view(request):
    if not request.user.has_perm(DASHBOARD_PERMISSION):  # 运营主管 (RULES §11.7)
        raise PermissionDenied
    now = timezone.now()
    today = timezone.localtime(now, STUDIO_TZ).date()
    form = DashboardRangeForm(request.GET, today=today)
    attention = attention_items(state=monitoring_conditions(now=now), user=request.user)
    needing = sum(item.level == "alert" for item in attention)
    checked = timezone.localtime(now, STUDIO_TZ).strftime("%H:%M:%S")
    context = {
        **admin.site.each_context(request),
        "title": messages.TITLE,
        "form": form,
        "now": now,
        "attention": attention,
        "attention_needing": needing,
        "attention_summary": (
            messages.ATTENTION_COUNT.format(count=needing, time=checked)
            if needing
            else messages.ATTENTION_ALL_CLEAR.format(time=checked)
        ),
        "attention_title": messages.ATTENTION_TITLE,
        "attention_columns": messages.ATTENTION_COLUMNS,
        "attention_states": messages.ATTENTION_STATE,
    }
    if form.is_valid():
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        figures = dashboard_figures(date_from=date_from, date_to=date_to, now=now)
        context.update(
            # The inputs show the range actually used, defaults included.
            form=DashboardRangeForm(initial={"date_from": date_from, "date_to": date_to}, today=today),
            figures=figures,
            cards=_cards(figures),
            series_names=messages.SERIES_NAMES,
            # Safe: grouped_bar_chart escapes every text it writes.
            chart=mark_safe(_chart(figures["series"])),  # noqa: S308
        )
    return TemplateResponse(request, "admin/dashboard.html", context)
