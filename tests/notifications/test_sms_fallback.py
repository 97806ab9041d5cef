"""RULES §14, the fallback: an urgent message WeChat could not deliver goes by SMS to a parent with a
number and SMS on, once, ever; transient errors retry, permanent ones keep Tencent's code; seat
offers created in the quiet hours wait until 08:00, class cancellations do not."""

from datetime import timedelta

import pytest

from notifications import services
from notifications.channels import LocmemChannel, SendError
from notifications.models import Notification
from notifications.sms import LocmemSmsChannel, SmsError
from tests.conftest import at
from tests.factories import UserFactory
from tests.notifications.test_outbox import PAYLOAD as OUTBOX_PAYLOAD

pytestmark = pytest.mark.django_db

PAYLOAD = {
    **OUTBOX_PAYLOAD,
    "hours": "2",
    "old": "2026年12月2日 19:00（王教练，朝阳馆）",
    "new": "2026年12月2日 18:00（王教练，朝阳馆）",
    "schedule_id": 11,
}


@pytest.fixture(autouse=True)
def morning(time_machine):
    time_machine.move_to(at("2026-12-02 12:30"), tick=False)


def send(user, template="waitlist_seat_available"):
    row = services.notification_create(user_id=user.pk, template=template, payload=PAYLOAD)
    services.notification_send(notification_id=row.pk)
    row.refresh_from_db()
    return row


def test_no_wechat_subscription_sends_the_sms_at_once(reachable):
    row = send(reachable)
    assert row.wechat_status == "skipped_no_subscription"
    assert (row.sms_status, row.sms_attempts, row.sms_error) == ("sent", 1, "")
    assert row.sms_sent_at is not None and row.sms_serial.startswith("locmem-")
    (message,) = LocmemSmsChannel.outbox
    assert message.phone == "13812345678" and message.notification_id == row.pk
    # Times without their year, so that they fit Tencent's 12 characters per variable whole.
    assert message.params == ["少儿体能·基础", "12月2日 19:00", "12月2日 12:45"]


def test_wechat_refusing_for_good_sends_the_sms(reachable):
    from notifications.models import SubscriptionGrant

    SubscriptionGrant.objects.create(user=reachable, template="waitlist_seat_available", remaining=1)
    LocmemChannel.failures.append(SendError(transient=False, errcode=43101, message="user refuse to accept the msg"))
    row = send(reachable)
    assert (row.wechat_status, row.errcode) == ("failed", 43101)
    assert row.sms_status == "sent" and len(LocmemSmsChannel.outbox) == 1


def test_nothing_by_sms_when_wechat_delivered(reachable):
    from notifications.models import SubscriptionGrant

    SubscriptionGrant.objects.create(user=reachable, template="waitlist_seat_available", remaining=1)
    row = send(reachable)
    assert (row.wechat_status, row.sms_status) == ("sent", "not_needed")
    assert LocmemSmsChannel.outbox == []


@pytest.mark.parametrize(
    ("phone", "enabled", "template"),
    [
        ("13812345678", False, "waitlist_seat_available"),  # SMS switched off
        ("", True, "waitlist_seat_available"),  # no number
        ("13812345678", True, "waitlist_closed"),  # not urgent
    ],
)
def test_nothing_by_sms_when_off_without_a_number_or_not_urgent(phone, enabled, template):
    row = send(UserFactory(phone=phone, sms_enabled=enabled), template=template)
    assert row.wechat_status == "skipped_no_subscription" and row.sms_status == "not_needed"
    assert LocmemSmsChannel.outbox == []


@pytest.mark.parametrize(
    "template",
    [
        "waitlist_seat_available",
        "waitlist_seat_reserved",
        "waitlist_auto_booked",
        "session_cancelled",
        "session_changed",
    ],
)
def test_every_urgent_template_falls_back(reachable, template):
    assert send(reachable, template=template).sms_status == "sent"


def test_a_transient_error_retries_then_sends(reachable, time_machine):
    LocmemSmsChannel.failures.append(SmsError(transient=True, code="InternalError.Timeout", message="timeout"))
    row = send(reachable)
    assert (row.sms_status, row.sms_error, row.sms_attempts) == ("pending", "InternalError.Timeout", 1)
    assert services.notification_send_sms(notification_id=row.pk).status == "not_claimed"  # not due yet
    time_machine.move_to(row.sms_due_at, tick=False)
    assert services.notification_send_sms(notification_id=row.pk).status == "sent"
    row.refresh_from_db()
    assert (row.sms_status, row.sms_error, row.sms_attempts) == ("sent", "", 2)
    assert len(LocmemSmsChannel.outbox) == 1


def test_a_permanent_error_fails_with_tencents_code(reachable):
    LocmemSmsChannel.failures.append(
        SmsError(transient=False, code="FailedOperation.PhoneNumberInBlacklist", message="blacklist")
    )
    row = send(reachable)
    assert (row.sms_status, row.sms_error) == ("failed", "FailedOperation.PhoneNumberInBlacklist")
    assert LocmemSmsChannel.outbox == []


def test_transient_errors_stop_after_the_retries(reachable, time_machine, settings):
    LocmemSmsChannel.failures.extend(
        SmsError(transient=True, code="RequestLimitExceeded", message="busy")
        for _ in range(settings.NOTIFICATION_MAX_RETRIES + 1)
    )
    row = send(reachable)
    for _ in range(settings.NOTIFICATION_MAX_RETRIES):
        time_machine.move_to(Notification.objects.get(pk=row.pk).sms_due_at, tick=False)
        services.notification_send_sms(notification_id=row.pk)
    row.refresh_from_db()
    assert (row.sms_status, row.sms_attempts, row.sms_error) == (
        "failed",
        settings.NOTIFICATION_MAX_RETRIES + 1,
        "RequestLimitExceeded",
    )


def test_one_sms_per_notification_ever(reachable):
    row = send(reachable)
    for _ in range(3):
        assert services.notification_send_sms(notification_id=row.pk).status == "not_claimed"
    Notification.objects.filter(pk=row.pk).update(wechat_status="pending")
    services.notification_send(notification_id=row.pk)  # a WeChat resend that is skipped again
    assert len(LocmemSmsChannel.outbox) == 1


@pytest.mark.parametrize(
    ("created", "deferred_until"),
    [
        ("2026-12-02 21:59", None),
        ("2026-12-02 22:00", "2026-12-03 08:00"),
        ("2026-12-03 07:59", "2026-12-03 08:00"),
        ("2026-12-03 08:00", None),
    ],
)
def test_a_seat_offer_created_at_night_sends_its_sms_at_eight(reachable, time_machine, created, deferred_until):
    time_machine.move_to(at(created), tick=False)
    row = send(reachable)
    if deferred_until is None:
        assert row.sms_status == "sent"
        return
    assert (row.sms_status, row.sms_due_at) == ("deferred", at(deferred_until))
    assert LocmemSmsChannel.outbox == []
    time_machine.move_to(at(deferred_until) - timedelta(seconds=1), tick=False)
    assert services.notification_send_sms(notification_id=row.pk).status == "not_claimed"
    time_machine.move_to(at(deferred_until), tick=False)
    assert services.notification_send_sms(notification_id=row.pk).status == "sent"


def test_a_class_cancelled_at_night_is_told_by_sms_at_once(reachable, time_machine):
    time_machine.move_to(at("2026-12-02 23:30"), tick=False)
    row = send(reachable, template="session_cancelled")
    assert row.sms_status == "sent"


def test_the_resender_sends_a_night_offers_sms_whose_task_was_lost(reachable, time_machine, monkeypatch):
    """The 08:00 task never ran (a broker outage): the resender sends it once it is 30 s overdue."""
    time_machine.move_to(at("2026-12-02 23:00"), tick=False)
    monkeypatch.setattr(services, "notification_enqueue_sms", lambda **kwargs: None)  # the broker is down
    row = send(reachable)
    assert row.sms_status == "deferred"
    monkeypatch.undo()
    time_machine.move_to(at("2026-12-03 08:00") + timedelta(seconds=30), tick=False)
    assert services.notification_resend_stuck() == 0  # exactly 30 s overdue: not yet
    time_machine.move_to(at("2026-12-03 08:00") + timedelta(seconds=31), tick=False)
    assert services.notification_resend_stuck() == 1
    row.refresh_from_db()
    assert row.sms_status == "sent" and len(LocmemSmsChannel.outbox) == 1
    assert services.notification_resend_stuck() == 0  # nothing left: never a second SMS


def test_an_sms_whose_worker_died_mid_send_is_never_sent_twice(reachable, time_machine):
    """Tencent may have taken it before the worker died: at most one SMS per message, ever, so the
    resender marks it failed (WorkerLost) for an operator instead of sending it again."""
    row = send(reachable, template="session_cancelled")
    Notification.objects.filter(pk=row.pk).update(sms_status="sending", sms_claimed_at=at("2026-12-02 12:30"))
    LocmemSmsChannel.outbox.clear()
    time_machine.move_to(at("2026-12-02 12:35"), tick=False)
    services.notification_resend_stuck()
    assert Notification.objects.get(pk=row.pk).sms_status == "sending"  # 5 minutes exactly: still its worker's
    time_machine.move_to(at("2026-12-02 12:35") + timedelta(seconds=1), tick=False)
    services.notification_resend_stuck()
    row.refresh_from_db()
    assert (row.sms_status, row.sms_error) == ("failed", "WorkerLost")
    assert LocmemSmsChannel.outbox == []


def test_operators_see_the_sms_beside_wechat(reachable, admin_client):
    LocmemSmsChannel.failures.append(
        SmsError(transient=False, code="FailedOperation.PhoneNumberInBlacklist", message="blacklist")
    )
    row = send(reachable)
    listing = admin_client.get("/admin/notifications/notification/?sms_status__exact=failed").content.decode()
    assert "短信状态" in listing and "发送失败" in listing and "FailedOperation.PhoneNumberInBlacklist" in listing
    page = admin_client.get(f"/admin/notifications/notification/{row.pk}/change/").content.decode()
    assert "短信错误码" in page and "短信发送次数" in page


def test_through_tencent_a_moved_class_keeps_its_new_time_within_twelve_characters(reachable, sms_stub):
    row = send(reachable, template="session_changed")
    assert row.sms_status == "sent"
    (message,) = sms_stub.sent
    assert message["template_id"] == "sms-session_changed"
    assert message["params"] == ["少儿体能·基础", "12月2日 18:00…"]
