"""manage.py resend_notifications: failed/skipped rows since a day go back through the outbox."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from notifications import services
from notifications.models import Notification
from tests.conftest import at

pytestmark = pytest.mark.django_db

PAYLOAD = {"course_name": "少儿体能·基础", "starts_at": "2026年12月2日 19:00"}


def row(parent, status: str, created: str, template: str = "waitlist_closed") -> int:
    """An outbox row in `status`, created at a Shanghai wall-clock time (attempts spent if it failed)."""
    pk = services.notification_create(user_id=parent.pk, template=template, payload=PAYLOAD).pk
    Notification.objects.filter(pk=pk).update(
        wechat_status=status,
        created_at=at(created),
        attempts=6 if status == "failed" else 1,
        errcode=45009 if status == "failed" else None,
    )
    return pk


@pytest.fixture
def rows(parent) -> dict[str, int]:
    return {
        "failed_before": row(parent, "failed", "2026-11-30 23:59"),
        "failed_at_midnight": row(parent, "failed", "2026-12-01 00:00"),
        "failed": row(parent, "failed", "2026-12-02 09:00"),
        "failed_expired_template": row(parent, "failed", "2026-12-02 09:10", template="waitlist_expired"),
        "skipped": row(parent, "skipped_no_subscription", "2026-12-02 09:20"),
        "skipped_before": row(parent, "skipped_no_subscription", "2026-11-15 12:00"),
        "sent": row(parent, "sent", "2026-12-02 09:30"),
        "in_app_only": row(parent, "in_app_only", "2026-12-02 09:40"),
    }


def statuses(rows: dict[str, int]) -> dict[str, str]:
    by_pk = dict(Notification.objects.filter(pk__in=rows.values()).values_list("pk", "wechat_status"))
    return {name: by_pk[pk] for name, pk in rows.items()}


def resend(*args) -> str:
    out = StringIO()
    call_command("resend_notifications", *args, stdout=out)
    return out.getvalue()


def grant(parent, template: str, n: int) -> None:
    for _ in range(n):
        services.subscription_grant(user_id=parent.pk, template_ids=[f"tmpl-{template}"])


def test_failed_rows_since_the_day_are_sent_again_through_the_outbox(
    parent, rows, django_capture_on_commit_callbacks, locmem_outbox
):
    grant(parent, "waitlist_closed", 5)
    grant(parent, "waitlist_expired", 5)
    before = statuses(rows)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        output = resend("--failed", "--since", "2026-12-01")
    picked = {"failed_at_midnight", "failed", "failed_expired_template"}
    assert "Selected 3 notification(s)" in output and "failed 3" in output
    assert "Put back through the outbox (pending, sent by the workers): 3." in output
    assert len(callbacks) == 1  # one enqueue after the commit, not a send inside the command
    assert statuses(rows) == {name: ("sent" if name in picked else status) for name, status in before.items()}
    assert sorted(message.notification_id for message in locmem_outbox) == sorted(rows[name] for name in picked)
    assert Notification.objects.get(pk=rows["failed"]).attempts == 1  # a fresh budget, one attempt spent


def test_the_command_only_marks_rows_pending_the_workers_send_them(
    parent, rows, django_capture_on_commit_callbacks, locmem_outbox
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resend("--failed", "--since", "2026-12-01")
    assert locmem_outbox == []
    assert len(callbacks) == 1
    picked = Notification.objects.filter(
        pk__in=[rows["failed_at_midnight"], rows["failed"], rows["failed_expired_template"]]
    )
    assert set(picked.values_list("wechat_status", "attempts", "next_attempt_at")) == {("pending", 0, None)}
    assert statuses(rows)["failed_before"] == "failed"


def test_skipped_selects_rows_without_a_subscription(rows, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        output = resend("--skipped", "--since", "2026-12-01")
    assert "Selected 1 notification(s)" in output and "skipped_no_subscription 1" in output
    changed = {name for name, status in statuses(rows).items() if status == "pending"}
    assert changed == {"skipped"}


def test_failed_and_skipped_together(rows, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        output = resend("--failed", "--skipped", "--since", "2026-11-01")
    assert "failed 4, skipped_no_subscription 2" in output
    assert {name for name, status in statuses(rows).items() if status == "pending"} == {
        "failed_before",
        "failed_at_midnight",
        "failed",
        "failed_expired_template",
        "skipped",
        "skipped_before",
    }


def test_template_narrows_the_selection(rows, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        output = resend("--failed", "--since", "2026-12-01", "--template", "waitlist_expired")
    assert "Selected 1 notification(s) of template waitlist_expired" in output
    assert {name for name, status in statuses(rows).items() if status == "pending"} == {"failed_expired_template"}


def test_dry_run_counts_and_changes_nothing(rows, django_capture_on_commit_callbacks, locmem_outbox):
    before = statuses(rows)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        output = resend("--failed", "--skipped", "--since", "2026-12-01", "--dry-run")
    assert "Selected 4 notification(s)" in output and "failed 3, skipped_no_subscription 1" in output
    assert "Dry run: nothing was changed." in output
    assert statuses(rows) == before
    assert callbacks == [] and locmem_outbox == []
    assert Notification.objects.get(pk=rows["failed"]).attempts == 6


def test_without_failed_or_skipped_nothing_is_chosen(rows):
    before = statuses(rows)
    with pytest.raises(CommandError, match="--failed and/or --skipped"):
        resend("--since", "2026-12-01")
    assert statuses(rows) == before


@pytest.mark.parametrize("day", ["2026-13-01", "2026-02-30", "yesterday", "12/01/2026", "1999-12-31", "2101-01-01"])
def test_a_bad_date_is_a_command_error(rows, day):
    before = statuses(rows)
    with pytest.raises(CommandError, match="--since must be a date"):
        resend("--failed", "--since", day)
    assert statuses(rows) == before


def test_since_is_required(db):
    with pytest.raises(CommandError, match="--since"):
        resend("--failed")


def test_an_unknown_template_is_a_command_error(rows):
    with pytest.raises(CommandError, match="Unknown template 'waitlist_closd'"):
        resend("--failed", "--since", "2026-12-01", "--template", "waitlist_closd")
    assert statuses(rows)["failed"] == "failed"
