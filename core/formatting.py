"""Number formats of the user-facing texts."""

from core import messages


def hours_text(minutes: int | float) -> str:
    """Hours with at most one decimal and no trailing .0: 90 -> "1.5", 60 -> "1", 120 -> "2"."""
    text = f"{minutes / 60:.1f}"
    return text[:-2] if text.endswith(".0") else text


def local_time_text(moment) -> str:
    """A Shanghai wall-clock time as parents read it and WeChat's `time` fields accept: 2026年12月2日 19:00."""
    from django.utils import timezone

    local = timezone.localtime(moment)
    return messages.LOCAL_TIME.format(year=local.year, month=local.month, day=local.day, time=f"{local:%H:%M}")


def without_year(text: str) -> str:
    """A text starting with a local_time_text without its year: 12月2日 19:00 (for an SMS variable)."""
    import re

    year = re.escape(messages.LOCAL_TIME.split("{month}", 1)[0]).replace(r"\{year\}", r"\d{4}")
    return re.sub(f"^{year}", "", text)
