"""Operators and failed SMS (RULES §14): the admin's 重新发送短信, `resend_notifications --sms`, and
the 24-hour summary above the notification list. A failed SMS goes out once more; a sent one never
does; one whose worker died (WorkerLost) only on an operator's explicit word."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from notifications import messages, services
from notifications.models import Notification
from notifications.sms import LocmemSmsChannel, SmsError
from tests.conftest import at
from tests.factories import StaffFactory
from tests.notifications.test_sms_fallback import PAYLOAD

pytestmark = pytest.mark.django_db

BLACKLIST = "FailedOperation.PhoneNumberInBlacklist"


@pytest.fixture(autouse=True)
def morning(time_machine):
    time_machine.move_to(at("2026-12-02 12:30"), tick=False)


def failed_sms(user, template="waitlist_seat_available", error=BLACKLIST) -> Notification:
    """A row whose WeChat message was skipped and whose SMS Tencent refused for good."""
    LocmemSmsChannel.failures.append(SmsError(transient=False, code=error, message="refused"))
    row = services.notification_create(user_id=user.pk, template=template, payload=PAYLOAD)
    services.notification_send(notification_id=row.pk)
    row.refresh_from_db()
    assert (row.sms_status, row.sms_error) == ("failed", error)
    return row


@pytest.fixture
def manager_client(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def resend_sms(client, *rows):
    return client.post(
        "/admin/notifications/notification/",
        {"action": "resend_sms", "_selected_action": [row.pk for row in rows]},
        follow=True,
    )


def admin_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_admin_sends_a_failed_sms_once_more(reachable, manager_client, django_capture_on_commit_callbacks):
    row = failed_sms(reachable)
    with django_capture_on_commit_callbacks(execute=True):
        response = resend_sms(manager_client, row)
    assert admin_messages(response) == [messages.RESENT_SMS.format(count=1)]
    row.refresh_from_db()
    assert (row.sms_status, row.sms_error, row.sms_attempts) == ("sent", "", 1)
    assert [m.notification_id for m in LocmemSmsChannel.outbox] == [row.pk]


def test_a_sent_sms_is_never_sent_again(reachable, manager_client, django_capture_on_commit_callbacks):
    row = services.notification_create(user_id=reachable.pk, template="waitlist_seat_available", payload=PAYLOAD)
    services.notification_send(notification_id=row.pk)
    assert Notification.objects.get(pk=row.pk).sms_status == "sent"
    with django_capture_on_commit_callbacks(execute=True):
        response = resend_sms(manager_client, row)
    assert admin_messages(response) == [messages.RESENT_SMS_NONE]
    assert len(LocmemSmsChannel.outbox) == 1


def test_a_parent_who_switched_sms_off_is_not_sent_it(reachable, manager_client, django_capture_on_commit_callbacks):
    row = failed_sms(reachable)
    reachable.sms_enabled = False
    reachable.save(update_fields=["sms_enabled"])
    with django_capture_on_commit_callbacks(execute=True):
        response = resend_sms(manager_client, row)
    assert admin_messages(response) == [messages.RESENT_SMS_NONE]
    assert Notification.objects.get(pk=row.pk).sms_status == "failed" and LocmemSmsChannel.outbox == []


def test_worker_lost_needs_the_operators_explicit_word(reachable, manager_client, django_capture_on_commit_callbacks):
    row = failed_sms(reachable, error=services.SMS_WORKER_LOST)
    with django_capture_on_commit_callbacks(execute=True):
        response = resend_sms(manager_client, row)
    assert admin_messages(response) == [messages.RESENT_SMS_NONE_WORKER_LOST]
    assert Notification.objects.get(pk=row.pk).sms_status == "failed"
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resend_notifications", "--sms", "--since", "2026-12-02", stdout=out)
    assert "Selected 0 failed SMS" in out.getvalue() and LocmemSmsChannel.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resend_notifications", "--sms-worker-lost", "--since", "2026-12-02", stdout=out)
    assert "Selected 1 failed SMS created since 2026-12-02 00:00 Asia/Shanghai, 1 of them WorkerLost." in out.getvalue()
    assert Notification.objects.get(pk=row.pk).sms_status == "sent" and len(LocmemSmsChannel.outbox) == 1


def test_the_command_resends_failed_sms_since_the_day(reachable, django_capture_on_commit_callbacks):
    old = failed_sms(reachable)
    Notification.objects.filter(pk=old.pk).update(created_at=at("2026-12-01 23:59"))
    fresh = failed_sms(reachable, template="session_cancelled")
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resend_notifications", "--sms", "--since", "2026-12-02", "--dry-run", stdout=out)
    assert "Selected 1 failed SMS" in out.getvalue() and "Dry run" in out.getvalue()
    assert LocmemSmsChannel.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resend_notifications", "--sms", "--since", "2026-12-02", stdout=out)
    assert "SMS put back (sent by the workers; at 08:00 for a seat offer at night): 1." in out.getvalue()
    assert [m.notification_id for m in LocmemSmsChannel.outbox] == [fresh.pk]
    assert Notification.objects.get(pk=old.pk).sms_status == "failed"


def test_a_seat_offers_sms_resent_at_night_waits_for_eight(reachable, time_machine):
    offer = failed_sms(reachable)
    cancelled = failed_sms(reachable, template="session_cancelled")
    time_machine.move_to(at("2026-12-02 23:00"), tick=False)
    assert services.notification_resend_sms(notification_ids=[offer.pk, cancelled.pk]) == 2
    offer.refresh_from_db()
    cancelled.refresh_from_db()
    assert (offer.sms_status, offer.sms_due_at) == ("deferred", at("2026-12-03 08:00"))
    assert (cancelled.sms_status, cancelled.sms_due_at) == ("pending", at("2026-12-02 23:00"))
    time_machine.move_to(at("2026-12-03 08:00") - timedelta(seconds=1), tick=False)
    assert services.notification_send_sms(notification_id=offer.pk).status == "not_claimed"
    time_machine.move_to(at("2026-12-03 08:00"), tick=False)
    assert services.notification_send_sms(notification_id=offer.pk).status == "sent"


def test_the_list_sums_up_the_days_sms(reachable, manager_client):
    failed_sms(reachable)
    failed_sms(reachable, template="session_cancelled")
    services.notification_send(
        notification_id=services.notification_create(
            user_id=reachable.pk, template="waitlist_seat_reserved", payload=PAYLOAD
        ).pk
    )
    page = manager_client.get("/admin/notifications/notification/").content.decode()
    assert "最近24小时短信补发" in page
    assert "发送失败：<strong>2</strong> · 已发送：<strong>1</strong>" in page
    assert '短信送达率：<strong id="sms-delivery-rate">33%</strong>' in page
    assert f'<a href="?sms_status__exact=failed&sms_error={BLACKLIST}">{BLACKLIST}</a>：2' in page
    failed_only = manager_client.get(
        f"/admin/notifications/notification/?sms_status__exact=failed&sms_error={BLACKLIST}"
    )
    assert failed_only.status_code == 200 and failed_only.context["cl"].result_count == 2


def test_the_export_has_the_sms_columns(reachable, manager_client):
    failed_sms(reachable)
    response = manager_client.post("/admin/notifications/notification/export/", {"resource": "0", "format": "1"})
    assert response.status_code == 200
    header, row = response.content.decode("utf-8-sig").splitlines()
    assert header.split(",")[6:8] == ["短信发送状态", "短信错误码"]
    assert row.split(",")[6:8] == ["发送失败", BLACKLIST]
