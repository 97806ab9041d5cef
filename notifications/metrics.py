"""Notification counters of /metrics (RULES §16): every message by template, channel and what became
of it, with WeChat's errcode or Tencent's SMS code when sending failed. The delivery rate and the
failure rate the alerts watch are ratios of these."""

from prometheus_client import Counter

NOTIFICATIONS = Counter(
    "studio_notifications",
    "Notifications by template, channel (in_app, wechat, sms) and status: created (in-app), sent, "
    "failed (for good), retrying (a transient failure), skipped_no_subscription, in_app_only, deferred "
    "(an SMS waiting for the morning); errcode is WeChat's errcode or the SMS error code.",
    ["template", "channel", "status", "errcode"],
)


def notification_counted(
    *, template: str, channel: str, status: str, errcode: int | str | None = None, times: int = 1
) -> None:
    """An attempt's result, counted at once: the sending paths record it with one UPDATE of their
    own, outside any transaction (a WeChat or Tencent call never runs inside one)."""
    if times:
        NOTIFICATIONS.labels(template, channel, status, "" if errcode is None else str(errcode)).inc(times)


def notifications_created_counted(templates: list[str]) -> None:
    """The in-app messages of one write (the caller runs this once the write has committed)."""
    for template in set(templates):
        NOTIFICATIONS.labels(template, "in_app", "created", "").inc(templates.count(template))
