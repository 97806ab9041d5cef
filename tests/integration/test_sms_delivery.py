"""RULES §14 with real processes: a real Celery worker on real Redis sends the SMS fallback through
the official Tencent Cloud SDK to the loopback SendSms stub; two worker processes racing over the
same rows send each SMS once.

The class-cancellation template is used: it goes by SMS at once at any hour, while a seat offer's
SMS waits for 08:00 in the quiet hours (tested with time travel in tests/notifications), and
these tests run at whatever hour CI does.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from notifications import services
from notifications.models import Notification, SubscriptionGrant
from tests.factories import UserFactory
from tests.integration.conftest import wait_for, worker_process

pytestmark = [pytest.mark.integration, pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

PAYLOAD = {"course_name": "少儿体能·基础", "starts_at": "2026年12月2日 19:00", "profile_name": "乐乐"}
SEND = "cgi-bin/message/subscribe/send"
TEMPLATE = "session_cancelled"


@pytest.fixture
def channels(wechat_stub, sms_stub, settings):
    settings.NOTIFICATION_BACKEND = "wechat"
    return wechat_stub, sms_stub


def reachable(phone="13812345678"):
    return UserFactory(phone=phone, sms_enabled=True)


def create(user) -> Notification:
    with transaction.atomic():
        return services.notification_create(user_id=user.pk, template=TEMPLATE, payload=PAYLOAD)


def sms_of(row) -> tuple[str, str]:
    return tuple(Notification.objects.values_list("sms_status", "sms_error").get(pk=row.pk))


def test_no_grant_a_real_worker_sends_the_sms_through_the_sdk(live_worker, channels):
    wechat, sms = channels
    row = create(reachable())
    assert wait_for(lambda: sms_of(row)[0] == "sent"), sms_of(row)
    assert Notification.objects.get(pk=row.pk).wechat_status == "skipped_no_subscription"
    assert wechat.calls_to(SEND) == []  # no grant: WeChat is not even asked
    (message,) = sms.sent
    assert message["phone"] == "+8613812345678" and message["template_id"] == f"sms-{TEMPLATE}"
    assert message["params"] == ["少儿体能·基础", "12月2日 19:00", "乐乐"]
    assert message["sign"] == "少儿运动馆" and message["context"] == str(row.pk)


def test_wechat_43101_falls_back_to_sms(live_worker, channels):
    wechat, sms = channels
    user = reachable()
    SubscriptionGrant.objects.create(user=user, template=TEMPLATE, remaining=1)
    wechat.fail(SEND, errcode=43101, times=1)
    row = create(user)
    assert wait_for(lambda: sms_of(row)[0] == "sent"), sms_of(row)
    assert Notification.objects.values_list("wechat_status", "errcode").get(pk=row.pk) == ("failed", 43101)
    assert len(wechat.calls_to(SEND)) == 1 and len(sms.sent) == 1


def test_no_sms_when_wechat_delivered_or_sms_is_off(live_worker, channels):
    wechat, sms = channels
    granted = reachable()
    SubscriptionGrant.objects.create(user=granted, template=TEMPLATE, remaining=1)
    delivered = create(granted)
    off = create(UserFactory(phone="13900000000", sms_enabled=False))
    told = Notification.objects.filter(wechat_status__in=["sent", "skipped_no_subscription"])
    assert wait_for(lambda: told.count() == 2)
    assert Notification.objects.get(pk=delivered.pk).wechat_status == "sent"
    assert sms_of(delivered)[0] == sms_of(off)[0] == "not_needed"
    assert sms.requests == []


def test_a_real_worker_retries_tencents_transient_errors(live_worker, channels, settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0.2
    _, sms = channels
    sms.fail(code="InternalError.Timeout", times=2)
    row = create(reachable())
    assert wait_for(lambda: sms_of(row)[0] == "sent"), sms_of(row)
    assert Notification.objects.get(pk=row.pk).sms_attempts == 3
    assert len(sms.requests) == 3 and len(sms.sent) == 1


def test_a_permanent_refusal_keeps_tencents_code(live_worker, channels):
    _, sms = channels
    sms.fail_number("+8613812345678", code="FailedOperation.PhoneNumberInBlacklist")
    row = create(reachable())
    assert wait_for(lambda: sms_of(row)[0] == "failed"), sms_of(row)
    assert sms_of(row) == ("failed", "FailedOperation.PhoneNumberInBlacklist")
    assert Notification.objects.get(pk=row.pk).sms_attempts == 1 and sms.sent == []


def test_two_workers_racing_over_the_same_rows_send_each_sms_once(redis_broker, channels, wechat_stub):
    """Twenty rows due by SMS, each task published three times, two worker processes taking them at
    once: the conditional UPDATE claim lets exactly one attempt through per row."""
    _, sms = channels
    sms.set_latency(0.2)  # a claim is held while Tencent answers: the duplicates meet it
    users = [reachable(phone=f"1381234{n:04d}") for n in range(20)]
    rows = [
        Notification.objects.create(
            user=user,
            template=TEMPLATE,
            title="课程取消通知",
            body="…",
            payload=PAYLOAD,
            wechat_status=Notification.WeChatStatus.SKIPPED_NO_SUBSCRIPTION,
            sms_status=Notification.SmsStatus.PENDING,
            sms_due_at=timezone.now(),
        )
        for user in users
    ]
    ids = [row.pk for row in rows]
    env = {
        "SMS_BACKEND": "tencent",
        "TENCENT_SMS_SECRET_ID": "stub-secret-id",
        "TENCENT_SMS_SECRET_KEY": "stub-secret-key",
        "TENCENT_SMS_SDK_APP_ID": sms.sdk_app_id,
        "TENCENT_SMS_SIGN_NAME": "少儿运动馆",
        "TENCENT_SMS_ENDPOINT": sms.endpoint,
        "TENCENT_SMS_PROTOCOL": "http",
        "TENCENT_SMS_TEMPLATE_SESSION_CANCELLED": "1234567",
    }
    workers = [worker_process(wechat_stub.base_url, **env) for _ in range(2)]
    try:
        for _ in range(3):
            services.notification_enqueue_sms(ids=ids)
        assert wait_for(lambda: Notification.objects.filter(pk__in=ids, sms_status="sent").count() == 20, 60), (
            Notification.objects.filter(pk__in=ids).values_list("sms_status", flat=True)
        )
    finally:
        for worker in workers:
            worker.terminate()
        logs = [worker.communicate(timeout=30)[0] for worker in workers]
    assert sorted(message["phone"] for message in sms.sent) == sorted(f"+86{user.phone}" for user in users)
    assert len(sms.requests) == 20  # the 40 duplicates never reached Tencent
    assert set(Notification.objects.filter(pk__in=ids).values_list("sms_attempts", flat=True)) == {1}
    assert all("notification_send_sms_task" in log for log in logs), "both workers took tasks"


def test_a_freed_seat_reaches_the_waiting_parents_phones(live_worker, channels, settings):
    """The issue's promise, whole: a family cancels, the seat is offered to everyone waiting, and
    parents who gave WeChat no grant get the offer by SMS. (Quiet hours are switched off here: at
    night this SMS waits for 08:00, tested with time travel in tests/notifications.)"""
    from flows import offers
    from flows.booking import booking_cancel
    from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory

    settings.WAITLIST_QUIET_HOURS = None
    _, sms = channels
    schedule = ScheduleFactory(starts_at=timezone.now() + timedelta(days=2), capacity=1)
    seat = BookingFactory(schedule=schedule)
    waiting = [reachable(phone=f"1390000000{n}") for n in range(2)]
    for parent in waiting:
        offers.waitlist_join(profile=ProfileFactory(owner=parent), schedule_id=schedule.pk)
    booking_cancel(booking_id=seat.pk)
    told = Notification.objects.filter(template="waitlist_seat_available")
    assert wait_for(lambda: told.filter(sms_status="sent").count() == 2), list(told.values_list("sms_status"))
    assert sorted(message["phone"] for message in sms.sent) == ["+8613900000000", "+8613900000001"]
    assert {message["template_id"] for message in sms.sent} == {"sms-waitlist_seat_available"}
    assert set(told.values_list("wechat_status", flat=True)) == {"skipped_no_subscription"}
