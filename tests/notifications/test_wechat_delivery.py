"""RULES §8 error table, error by error, through wechatpy to the loopback WeChat stub."""

import threading

import pytest
from django.db import connection

from notifications import services
from notifications.models import Notification, SubscriptionGrant
from notifications.tasks import notification_send_task

PAYLOAD = {
    "course_name": "少儿体能·基础",
    "starts_at": "2026年12月2日 19:00",
    "deadline": "2026年12月2日 12:45",
    "entry_id": 7,
}
TRANSIENT = [-1, 43108, 45011, 40001, 40014, 42001]
PERMANENT = [43101, 40003, 40037, 47003, 43107, 45168, 45009]
SEND = "cgi-bin/message/subscribe/send"


@pytest.fixture
def wechat(wechat_stub, settings):
    settings.NOTIFICATION_BACKEND = "wechat"
    return wechat_stub


@pytest.fixture
def outbox_row(db, parent):
    SubscriptionGrant.objects.create(user=parent, template="waitlist_seat_available", remaining=1)
    return services.notification_create(user_id=parent.pk, template="waitlist_seat_available", payload=PAYLOAD)


def sent_bodies(stub):
    return [call.body for call in stub.calls_to(SEND)]


def test_a_subscribe_message_reaches_wechat_with_state_lang_page_and_fields(wechat, outbox_row, parent, settings):
    assert services.notification_send(notification_id=outbox_row.pk).status == "sent"
    (body,) = sent_bodies(wechat)
    assert body == {
        "touser": parent.wechat_openid,
        "template_id": "tmpl-waitlist_seat_available",
        "page": f"pages/waitlist/status/index?id=7&nid={outbox_row.pk}",
        "data": {
            "thing1": {"value": "少儿体能·基础"},
            "time2": {"value": "2026年12月2日 19:00"},
            "time3": {"value": "2026年12月2日 12:45"},
            "thing4": {"value": "名额有限，先确认先得"},
        },
        "miniprogram_state": "formal",
        "lang": "zh_CN",
    }
    outbox_row.refresh_from_db()
    assert outbox_row.wechat_msgid and outbox_row.sent_at
    assert SubscriptionGrant.objects.get(user=parent).remaining == 0


def test_the_access_token_is_fetched_once_and_reused(wechat, parent):
    SubscriptionGrant.objects.create(user=parent, template="waitlist_closed", remaining=3)
    for _ in range(3):
        row = services.notification_create(user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD)
        assert services.notification_send(notification_id=row.pk).status == "sent"
    assert len(wechat.calls_to("cgi-bin/token")) == 1


def test_an_expired_access_token_is_refreshed_once_and_the_send_succeeds(wechat, parent):
    SubscriptionGrant.objects.create(user=parent, template="waitlist_closed", remaining=2)
    first = services.notification_create(user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD)
    services.notification_send(notification_id=first.pk)
    wechat.expire_tokens()
    second = services.notification_create(user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD)
    assert services.notification_send(notification_id=second.pk).status == "sent"
    assert len(wechat.calls_to("cgi-bin/token")) == 2
    assert len(wechat.calls_to(SEND)) == 3  # the refused call, then the retry with the new token


def test_a_token_error_persisting_after_the_refresh_is_transient_not_a_loop(wechat, outbox_row):
    wechat.fail(SEND, errcode=40001, times=None)
    assert services.notification_send(notification_id=outbox_row.pk).status == "pending"
    assert len(wechat.calls_to(SEND)) == 2
    assert len(wechat.calls_to("cgi-bin/token")) == 2


@pytest.mark.parametrize("errcode", TRANSIENT)
def test_transient_errcode_is_retried_with_backoff_and_keeps_the_grant(wechat, outbox_row, parent, errcode):
    # Token errors twice in a row: the one refresh-and-retry does not help, so the task retries later.
    wechat.fail(SEND, errcode=errcode, times=2 if errcode in (40001, 40014, 42001) else 1)
    outcome = services.notification_send(notification_id=outbox_row.pk)
    assert outcome.status == "pending"
    assert 0.5 <= outcome.retry_in <= 2.0  # first backoff step: 2 s with jitter
    outbox_row.refresh_from_db()
    assert (outbox_row.wechat_status, outbox_row.errcode, outbox_row.attempts) == ("pending", errcode, 1)
    assert str(errcode) in outbox_row.last_error and outbox_row.next_attempt_at is not None
    assert SubscriptionGrant.objects.get(user=parent).remaining == 1
    assert services.notification_send(notification_id=outbox_row.pk).status == "sent"


@pytest.mark.parametrize("errcode", PERMANENT)
def test_permanent_errcode_fails_at_once_keeping_the_errcode(wechat, outbox_row, parent, errcode):
    wechat.fail_openid(parent.wechat_openid, errcode)
    assert services.notification_send(notification_id=outbox_row.pk).status == "failed"
    outbox_row.refresh_from_db()
    assert (outbox_row.wechat_status, outbox_row.errcode, outbox_row.attempts) == ("failed", errcode, 1)
    assert outbox_row.last_error.startswith(f"{errcode}: ")
    assert len(wechat.calls_to(SEND)) == 1
    expected_grant = 0 if errcode == 43101 else 1  # 43101: WeChat says the subscription is gone
    assert SubscriptionGrant.objects.get(user=parent).remaining == expected_grant


def test_43101_zeroes_every_remaining_grant_of_that_template(wechat, parent):
    SubscriptionGrant.objects.create(user=parent, template="waitlist_closed", remaining=4)
    wechat.fail_openid(parent.wechat_openid, 43101, times=1)
    row = services.notification_create(user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD)
    services.notification_send(notification_id=row.pk)
    assert SubscriptionGrant.objects.get(user=parent).remaining == 0


def test_http_5xx_is_transient(wechat, outbox_row):
    wechat.fail(SEND, http_status=502)
    assert services.notification_send(notification_id=outbox_row.pk).status == "pending"
    outbox_row.refresh_from_db()
    assert outbox_row.last_error == "HTTP 502" and outbox_row.errcode is None


def test_a_timeout_is_transient(wechat, outbox_row, settings):
    settings.WECHAT_TIMEOUT_SECONDS = 0.2
    wechat.set_latency(SEND, 1.0)
    assert services.notification_send(notification_id=outbox_row.pk).status == "pending"
    outbox_row.refresh_from_db()
    assert "Timeout" in outbox_row.last_error


def test_unreachable_wechat_is_transient(outbox_row, settings):
    settings.NOTIFICATION_BACKEND = "wechat"
    settings.WECHAT_API_BASE = "http://127.0.0.1:9/"
    assert services.notification_send(notification_id=outbox_row.pk).status == "pending"
    outbox_row.refresh_from_db()
    assert "ConnectionError" in outbox_row.last_error


def test_the_task_retries_five_times_then_fails(wechat, outbox_row, parent, settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0.001
    wechat.fail(SEND, errcode=-1, times=None)
    notification_send_task.apply(args=(outbox_row.pk,))
    outbox_row.refresh_from_db()
    assert (outbox_row.wechat_status, outbox_row.attempts, outbox_row.errcode) == ("failed", 6, -1)
    assert len(wechat.calls_to(SEND)) == 6
    assert SubscriptionGrant.objects.get(user=parent).remaining == 1


def test_the_task_recovers_within_its_retries(wechat, outbox_row, settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0.001
    wechat.fail(SEND, errcode=45011, times=3)
    notification_send_task.apply(args=(outbox_row.pk,))
    outbox_row.refresh_from_db()
    assert (outbox_row.wechat_status, outbox_row.attempts) == ("sent", 4)


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_one_row_send_it_once(wechat_stub, settings, monkeypatch):
    from tests.factories import UserFactory

    # Autocommit runs on-commit callbacks at once (and Celery is eager here): keep the rows pending.
    monkeypatch.setattr(services, "notification_enqueue", lambda ids: None)
    settings.NOTIFICATION_BACKEND = "wechat"
    wechat_stub.set_latency(SEND, 0.3)
    parent = UserFactory()
    SubscriptionGrant.objects.create(user=parent, template="waitlist_closed", remaining=5)
    rows = [
        services.notification_create(user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD) for _ in range(5)
    ]
    barrier = threading.Barrier(10)
    outcomes = []

    def worker(notification_id):
        try:
            barrier.wait()
            outcomes.append(services.notification_send(notification_id=notification_id).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(row.pk,)) for row in rows for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["not_claimed"] * 5 + ["sent"] * 5
    assert len(wechat_stub.calls_to(SEND)) == 5
    assert Notification.objects.filter(wechat_status="sent").count() == 5
    assert SubscriptionGrant.objects.get(user=parent).remaining == 0
