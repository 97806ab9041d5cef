"""The operator's view of WeChat failures and the resend action."""

import pytest

from notifications import services
from notifications.models import Notification
from notifications.selectors import notification_delivery_summary
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

PAYLOAD = {"course_name": "少儿体能·基础", "starts_at": "2026年12月2日 19:00"}


def rows(parent, **statuses):
    for status, errcodes in statuses.items():
        for errcode in errcodes:
            row = services.notification_create(user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD)
            Notification.objects.filter(pk=row.pk).update(wechat_status=status, errcode=errcode)


def test_summary_counts_statuses_errcodes_and_quota(parent):
    from django.utils import timezone

    rows(parent, sent=[None, None, None], failed=[45009, 45009, 40003], skipped_no_subscription=[None])
    summary = notification_delivery_summary(since=timezone.now() - timezone.timedelta(hours=1))
    assert summary["by_status"] == {"sent": 3, "failed": 3, "skipped_no_subscription": 1}
    assert summary["failed_by_errcode"] == [{"errcode": 45009, "n": 2}, {"errcode": 40003, "n": 1}]
    assert summary["quota_exhausted"] == 2
    assert summary["delivery_rate"] == 0.5


def test_admin_list_shows_failures_and_quota(client, parent):
    rows(parent, sent=[None], failed=[45009])
    client.force_login(StaffFactory(is_superuser=True))
    page = client.get("/admin/notifications/notification/").content.decode()
    assert "最近24小时微信发送" in page
    assert '<strong id="quota-exhausted">1</strong>' in page
    assert "送达率：<strong>50%</strong>" in page
    failed_only = client.get("/admin/notifications/notification/?wechat_status__exact=failed").content.decode()
    assert "45009" in failed_only


def test_admin_resend_action(client, parent, django_capture_on_commit_callbacks, locmem_outbox):
    rows(parent, failed=[-1])
    row = Notification.objects.get()
    client.force_login(StaffFactory(is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/notifications/notification/", {"action": "resend", "_selected_action": [row.pk]})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.wechat_status == "skipped_no_subscription"  # went through the outbox again (no grant left)
    assert row.attempts == 1
