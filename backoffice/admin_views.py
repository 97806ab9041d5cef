"""The operators' dashboard (运营看板) in the admin: a date range form, figure cards and a per-day chart."""

from datetime import date, timedelta

from django import forms
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe

from backoffice.charts import grouped_bar_chart
from backoffice.dashboard import STUDIO_TZ, dashboard_figures
from notifications.models import Notification

DEFAULT_DAYS = 30
MAX_DAYS = 366
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the API's date filters accept the same years

TITLE = "运营看板"
DATE_OUT_OF_RANGE = "日期超出范围"
DATE_TO_BEFORE_FROM = "结束日期不能早于开始日期"
RANGE_TOO_LONG = f"日期范围不能超过{MAX_DAYS}天"
CHART_TITLE = "每日候补与名额释放"
SERIES_NAMES = {"joined": "加入候补", "booked": "候补成功预约", "offers": "名额释放"}


class DashboardRangeForm(forms.Form):
    """Shanghai days, both inclusive. Missing dates default to the 30 days ending today."""

    date_from = forms.DateField(
        label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    @staticmethod
    def _in_years(value: date | None) -> date | None:
        # Also keeps date_to + 1 day (the end of the range) from overflowing.
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise forms.ValidationError(DATE_OUT_OF_RANGE)
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
            raise forms.ValidationError(DATE_TO_BEFORE_FROM)
        if (date_to - date_from).days + 1 > MAX_DAYS:
            raise forms.ValidationError(RANGE_TOO_LONG)
        cleaned["date_from"], cleaned["date_to"] = date_from, date_to
        return cleaned


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.2f}%"


def _value(value: object) -> str:
    return "—" if value is None else str(value)


def _cards(figures: dict) -> list[dict]:
    """The figures as the operator reads them: a label, a value and what it is made of."""
    counts = figures["notifications_by_status"]
    by_status = " · ".join(
        f"{label} {counts[status]}" for status, label in Notification.WeChatStatus.choices if counts.get(status)
    )
    return [
        {
            "id": "conversion",
            "label": "候补转化率",
            "value": _percent(figures["waitlist_conversion_rate"]),
            "detail": f"加入候补 {figures['waitlist_joined']} · 其中成功预约 {figures['waitlist_booked']}",
        },
        {
            "id": "claim-median",
            "label": "名额释放到预约中位时长（分钟）",
            "value": _value(figures["claim_median_minutes"]),
            "detail": f"被预约名额 {figures['offers_claimed']}",
        },
        {
            "id": "offers",
            "label": "名额释放",
            "value": str(figures["offers_opened"]),
            "detail": f"被预约 {figures['offers_claimed']} · 失效 {figures['offers_lapsed']}",
        },
        {
            "id": "offers-lapsed",
            "label": "失效名额",
            "value": str(figures["offers_lapsed"]),
            "detail": "无人确认、转为公开预约的名额",
        },
        {
            "id": "makeup-usage",
            "label": "补课使用率",
            "value": _percent(figures["makeup_usage_rate"]),
            "detail": f"应补课 {figures['makeups_owed']} · 已预约或已补课 {figures['makeups_used']}",
        },
        {
            "id": "compensation",
            "label": "补偿分钟 发放/使用/过期",
            "value": (
                f"{figures['compensation_minutes_granted']} / {figures['compensation_minutes_spent']} / "
                f"{figures['compensation_minutes_expired']}"
            ),
            "detail": "使用 = 使用 − 退回",
        },
        {
            "id": "delivery",
            "label": "通知送达率",
            "value": _percent(figures["notification_delivery_rate"]),
            "detail": f"通知 {figures['notifications_total']}" + (f"：{by_status}" if by_status else ""),
        },
        {
            "id": "closed-late",
            "label": "截止延迟关闭",
            "value": f"{figures['entries_closed_late']} / {figures['entries_closed']}",
            "detail": "截止后超过2分钟才关闭的候补 / 截止关闭的候补",
        },
        {
            "id": "queues-full",
            "label": "当前满员候补队列",
            "value": str(figures["queues_full_now"]),
            "detail": "未开课、候补人数已达候补容量的课程",
        },
    ]


def _chart(series: list[dict]) -> str:
    labels = [f"{row['day']:%m-%d}" for row in series]
    totals = "，".join(f"{name}共{sum(row[key] for row in series)}" for key, name in SERIES_NAMES.items())
    return grouped_bar_chart(
        title=CHART_TITLE,
        labels=labels,
        chart_id="daily-chart",
        series=[(name, [row[key] for row in series]) for key, name in SERIES_NAMES.items()],
        description=f"{series[0]['day']:%Y-%m-%d}至{series[-1]['day']:%Y-%m-%d}每日数据：{totals}。",
    )


@staff_member_required
def dashboard_view(request):
    now = timezone.now()
    today = timezone.localtime(now, STUDIO_TZ).date()
    form = DashboardRangeForm(request.GET, today=today)
    context = {**admin.site.each_context(request), "title": TITLE, "form": form, "now": now}
    if form.is_valid():
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        figures = dashboard_figures(date_from=date_from, date_to=date_to, now=now)
        context.update(
            # The inputs show the range actually used, defaults included.
            form=DashboardRangeForm(initial={"date_from": date_from, "date_to": date_to}, today=today),
            figures=figures,
            cards=_cards(figures),
            series_names=SERIES_NAMES,
            # Safe: grouped_bar_chart escapes every text it writes.
            chart=mark_safe(_chart(figures["series"])),  # noqa: S308
        )
    return TemplateResponse(request, "admin/dashboard.html", context)
