"""Nothing is lost (RULES §8), with a real worker, real Redis, wechatpy and the loopback WeChat stub."""

import signal
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from config import celery_app
from notifications import services
from notifications.models import Notification, SubscriptionGrant
from tests.factories import UserFactory
from tests.integration.conftest import _reset_connections, wait_for, worker_process, worker_ran_a_marker

pytestmark = [pytest.mark.integration, pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

PAYLOAD = {"course_name": "少儿体能·基础", "starts_at": "2026年12月2日 19:00"}
SEND = "cgi-bin/message/subscribe/send"


@pytest.fixture
def wechat(wechat_stub, settings):
    settings.NOTIFICATION_BACKEND = "wechat"
    return wechat_stub


def status_of(row) -> str:
    return Notification.objects.values_list("wechat_status", flat=True).get(pk=row.pk)


def create(parent, grants=1):
    SubscriptionGrant.objects.filter(user=parent, template="waitlist_closed").delete()
    SubscriptionGrant.objects.create(user=parent, template="waitlist_closed", remaining=grants)
    with transaction.atomic():
        return services.notification_create(user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD)


def test_a_real_worker_sends_through_wechatpy_to_the_stub(live_worker, wechat):
    parent = UserFactory()
    row = create(parent)
    assert wait_for(lambda: status_of(row) == "sent"), status_of(row)
    (call,) = wechat.calls_to(SEND)
    assert call.notification_id == row.pk and call.body["touser"] == parent.wechat_openid
    assert SubscriptionGrant.objects.get(user=parent).remaining == 0


def test_a_real_worker_retries_a_busy_wechat_until_it_answers(live_worker, wechat, settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0.2
    wechat.fail(SEND, errcode=-1, times=2)
    row = create(UserFactory())
    assert wait_for(lambda: status_of(row) == "sent"), status_of(row)
    assert Notification.objects.get(pk=row.pk).attempts == 3
    assert len(wechat.calls_to(SEND)) == 3


def test_broker_down_at_commit_the_row_waits_and_the_resender_delivers_it(live_worker, wechat):
    parent = UserFactory()
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there: publishing fails
    _reset_connections(celery_app)
    started = time.monotonic()
    row = create(parent)
    assert time.monotonic() - started < 5  # the parent's request is not held by the outage
    celery_app.conf.broker_url = live_worker.app.conf.broker_url = "redis://127.0.0.1:6379/13"
    _reset_connections(celery_app)
    worker_ran_a_marker()  # the live worker has taken everything published so far: the row's task was not
    assert status_of(row) == "pending" and wechat.calls_to(SEND) == []
    assert services.notification_resend_stuck(now=timezone.now() + timedelta(seconds=31)) == 1
    assert wait_for(lambda: status_of(row) == "sent"), status_of(row)
    assert [call.notification_id for call in wechat.calls_to(SEND)] == [row.pk]


def test_a_worker_killed_mid_send_loses_nothing_and_never_sends_twice_at_once(redis_broker, wechat):
    parent = UserFactory()
    wechat.set_latency(SEND, 2.0)
    first_worker = worker_process(wechat.base_url)
    try:
        row = create(parent)
        assert wait_for(lambda: len(wechat.calls_to(SEND)) == 1, 30), "the first worker never called WeChat"
        first_worker.send_signal(signal.SIGKILL)  # mid-send: WeChat has the call, the row says nothing yet
        first_worker.wait(timeout=10)
    finally:
        if first_worker.poll() is None:
            first_worker.kill()
    stuck = Notification.objects.get(pk=row.pk)
    assert stuck.wechat_status == "sending" and stuck.grant_held
    # Real time between the kill and the revival is over 5 minutes; the dead attempt's call ends long before.
    assert wait_for(lambda: wechat.calls_to(SEND)[0].finished_at is not None, 10)
    wechat.set_latency(SEND, 0)
    # Five minutes later the resender revives the row, giving back the grant the dead attempt held.
    assert services.notification_resend_stuck(now=timezone.now() + timedelta(minutes=6)) == 1
    second_worker = worker_process(wechat.base_url)
    try:
        assert wait_for(lambda: status_of(row) == "sent", 30), status_of(row)
    finally:
        second_worker.terminate()
        second_worker.wait(timeout=20)
    calls = [call for call in wechat.calls_to(SEND) if call.notification_id == row.pk]
    assert len(calls) == 2  # at least once: the killed attempt may have reached the parent
    assert calls[0].finished_at <= calls[1].at  # never two sends of one row at the same time
    assert Notification.objects.get(pk=row.pk).attempts == 2
