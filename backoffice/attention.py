"""The dashboard's 需要处理 panel (RULES §16): the conditions the Prometheus alerts watch, read from
the database now (backoffice.monitoring), each with when it needs a person and a link to its rows.
p95 API latency is the one alert the panel cannot show: only Prometheus sees the requests of every
process over time."""

import math
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from backoffice import messages
from backoffice.monitoring import LIMITS, MonitoringConditions


@dataclass(frozen=True)
class Attention:
    id: str
    label: str
    value: str
    rule: str  # when it needs a person
    level: str  # "alert" (needs a person), "info" (worth knowing), "ok"
    url: str  # the rows behind it; "" when the viewer may not open them
    link: str


def duration_text(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return messages.SECONDS_TEXT.format(s=seconds)
    if seconds < 3600:
        m, s = divmod(seconds, 60)
        return messages.MINUTES_TEXT.format(m=m, s=s) if s else messages.WHOLE_MINUTES_TEXT.format(m=m)
    h, m = divmod(seconds // 60, 60)
    return messages.HOURS_TEXT.format(h=h, m=m)


def _ago(seconds: float) -> str:
    return messages.NEVER_TEXT if math.isinf(seconds) else messages.AGO_TEXT.format(duration=duration_text(seconds))


def _lag(seconds: float) -> str:
    return duration_text(seconds) if seconds else messages.NONE_TEXT


def attention_items(*, state: MonitoringConditions, user) -> list[Attention]:
    """The panel's rows, those needing a person first (then the rest in a fixed order)."""

    def link(model: str, query: dict) -> str:
        app, name = model.split(".")
        if not user.has_perm(f"{app}.view_{name}"):
            return ""
        url = reverse(f"admin:{app}_{name}_changelist")
        return f"{url}?{urlencode(query)}" if query else url

    def level(needs: bool, when: str = "alert") -> str:
        return when if needs else "ok"

    def overdue(id, label, seconds, limit, rule, url, link_text, value=None) -> Attention:
        """A row that needs a person once an age passes its limit (exactly the limit does not)."""
        shown = _lag(seconds) if value is None else value
        return Attention(
            id, label, shown, rule.format(limit=duration_text(limit)), level(seconds > limit), url, link_text
        )

    items = [
        Attention(
            "failed",
            messages.FAILED_LABEL,
            messages.COUNT_TEXT.format(count=state.notifications_failed_last_hour),
            messages.FAILED_RULE,
            level(state.notifications_failed_last_hour > 0),
            link("notifications.notification", {"failed": "last_hour"}),
            messages.FAILED_LINK,
        ),
        overdue(
            "offer-lag",
            messages.OFFER_LAG_LABEL,
            state.offer_overdue_seconds,
            LIMITS.offer_overdue_seconds,
            messages.OFFER_LAG_RULE,
            link("waitlist.waitlistoffer", {"overdue": "yes"}),
            messages.OFFER_LAG_LINK,
        ),
        overdue(
            "cutoff-lag",
            messages.CUTOFF_LAG_LABEL,
            state.cutoff_overdue_seconds,
            LIMITS.cutoff_overdue_seconds,
            messages.CUTOFF_LAG_RULE,
            link("waitlist.waitlistentry", {"overdue": "yes"}),
            messages.CUTOFF_LAG_LINK,
        ),
        overdue(
            "heartbeat",
            messages.HEARTBEAT_LABEL,
            state.heartbeat_age_seconds,
            LIMITS.heartbeat_age_seconds,
            messages.HEARTBEAT_RULE,
            link("django_celery_beat.periodictask", {}),
            messages.HEARTBEAT_LINK,
            value=_ago(state.heartbeat_age_seconds),
        ),
        Attention(
            "ledger",
            messages.LEDGER_LABEL,
            messages.COUNT_TEXT.format(count=state.ledger_violations),
            messages.LEDGER_RULE,
            level(state.ledger_violations > 0),
            link(
                "compensation.classcreditcompensation",
                {"id__in": ",".join(map(str, state.ledger_credit_ids))} if state.ledger_credit_ids else {},
            )
            if state.ledger_violations
            else "",
            messages.LEDGER_LINK,
        ),
        Attention(
            "ledger-check",
            messages.LEDGER_CHECK_LABEL,
            _ago(state.ledger_check_age_seconds),
            messages.LEDGER_CHECK_RULE.format(limit=duration_text(LIMITS.ledger_check_age_seconds)),
            level(state.ledger_check_age_seconds > LIMITS.ledger_check_age_seconds),
            "",
            "",
        ),
        Attention(
            "queues-full",
            messages.QUEUES_FULL_LABEL,
            messages.CLASSES_TEXT.format(count=state.queues_full),
            messages.QUEUES_FULL_RULE,
            level(state.queues_full > 0, "info"),
            link("courses.courseschedule", {"queue": "full"}) if state.queues_full else "",
            messages.QUEUES_FULL_LINK,
        ),
    ]
    order = {"alert": 0, "info": 1, "ok": 2}
    return sorted(items, key=lambda item: order[item.level])  # stable: the fixed order within a level
