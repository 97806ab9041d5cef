"""RULES §16: studio_notifications_total counts every message by template, channel and status, with
WeChat's errcode or the SMS code; a message of a rolled-back write is not counted."""

from datetime import timedelta

import pytest
from django.db import transaction

from notifications import services
from notifications.channels import LocmemChannel, SendError
from notifications.models import Notification, SubscriptionGrant
from notifications.sms import LocmemSmsChannel, SmsError
from tests.conftest import at
from tests.metrics import CounterDelta
from tests.notifications.test_sms_fallback import PAYLOAD

pytestmark = pytest.mark.django_db

SEAT = "waitlist_seat_available"


@pytest.fixture(autouse=True)
def morning(time_machine):
    time_machine.move_to(at("2026-12-02 12:30"), tick=False)


@pytest.fixture
def counted():
    return CounterDelta("studio_notifications")


def create(user, template=SEAT):
    return services.notification_create(user_id=user.pk, template=template, payload=PAYLOAD)


def test_in_app_messages_are_counted_when_their_write_commits(parent, counted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_create_many(
            specs=[services.NotificationSpec(parent.pk, SEAT, PAYLOAD)] * 2
            + [services.NotificationSpec(parent.pk, "waitlist_closed", PAYLOAD)]
        )
        assert counted() == {}  # not before the commit
    # The commit also published the sends (eager here): the parent has no grant, so they are skipped.
    assert counted() == {
        (SEAT, "in_app", "created", ""): 2,
        ("waitlist_closed", "in_app", "created", ""): 1,
        (SEAT, "wechat", "skipped_no_subscription", ""): 2,
        ("waitlist_closed", "wechat", "skipped_no_subscription", ""): 1,
    }


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_counts_nothing(counted):
    from tests.factories import UserFactory

    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        create(user)
        raise RuntimeError("the business change failed")
    assert counted() == {} and not Notification.objects.exists()


def test_wechat_sent_retrying_and_failed_with_its_errcode(parent, counted):
    SubscriptionGrant.objects.create(user=parent, template=SEAT, remaining=2)
    LocmemChannel.failures.append(SendError(transient=True, errcode=-1, message="system busy"))
    row = create(parent)
    assert services.notification_send(notification_id=row.pk).status == "pending"
    assert services.notification_send(notification_id=row.pk).status == "sent"
    LocmemChannel.failures.append(SendError(transient=False, errcode=43101, message="user refuse"))
    other = create(parent)
    assert services.notification_send(notification_id=other.pk).status == "failed"
    # (The test's own transaction never commits, so its in-app messages are not counted.)
    assert counted() == {
        (SEAT, "wechat", "retrying", "-1"): 1,
        (SEAT, "wechat", "sent", ""): 1,
        (SEAT, "wechat", "failed", "43101"): 1,
    }


def test_a_second_attempt_on_a_finished_row_counts_nothing(parent, counted):
    SubscriptionGrant.objects.create(user=parent, template=SEAT, remaining=1)
    row = create(parent)
    services.notification_send(notification_id=row.pk)
    services.notification_send(notification_id=row.pk)  # not claimed: sent already
    assert counted()[(SEAT, "wechat", "sent", "")] == 1


def test_in_app_only_templates(parent, counted):
    row = create(parent, template="waitlist_offer_taken")
    services.notification_send(notification_id=row.pk)
    assert counted() == {("waitlist_offer_taken", "wechat", "in_app_only", ""): 1}


def test_sms_sent_and_failed_with_tencents_code(reachable, counted):
    services.notification_send(notification_id=create(reachable).pk)
    LocmemSmsChannel.failures.append(
        SmsError(transient=False, code="FailedOperation.PhoneNumberInBlacklist", message="x")
    )
    services.notification_send(notification_id=create(reachable).pk)
    changed = counted()
    assert changed[(SEAT, "wechat", "skipped_no_subscription", "")] == 2
    assert changed[(SEAT, "sms", "sent", "")] == 1
    assert changed[(SEAT, "sms", "failed", "FailedOperation.PhoneNumberInBlacklist")] == 1


def test_a_night_offer_counts_its_sms_deferred_then_sent(reachable, counted, time_machine):
    time_machine.move_to(at("2026-12-02 23:00"), tick=False)
    row = create(reachable)
    services.notification_send(notification_id=row.pk)
    assert counted()[(SEAT, "sms", "deferred", "")] == 1
    time_machine.move_to(at("2026-12-03 08:00"), tick=False)
    services.notification_send_sms(notification_id=row.pk)
    assert counted()[(SEAT, "sms", "sent", "")] == 1


def test_an_sms_whose_worker_died_counts_as_failed_worker_lost(reachable, counted, time_machine):
    row = create(reachable, template="session_cancelled")
    Notification.objects.filter(pk=row.pk).update(sms_status="sending", sms_claimed_at=at("2026-12-02 12:30"))
    time_machine.move_to(at("2026-12-02 12:35") + timedelta(seconds=1), tick=False)
    services.notification_resend_stuck()
    sms = {labels: n for labels, n in counted().items() if labels[1] == "sms"}
    assert sms == {("session_cancelled", "sms", "failed", "WorkerLost"): 1}
