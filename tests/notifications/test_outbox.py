"""RULES §8: the outbox row is written with the business change and sent after commit; one-time
subscription grants; in-app only templates; the resender; operator resend."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from notifications import services
from notifications.models import Notification, SubscriptionGrant
from notifications.services import NotificationSpec, field_value, template_fields
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "course_name": "少儿体能·基础",
    "starts_at": "2026年12月2日 19:00",
    "deadline": "2026年12月2日 12:45",
    "entry_id": 7,
    "profile_name": "乐乐",
}


def grant(user, template="waitlist_seat_available", remaining=1):
    return SubscriptionGrant.objects.create(user=user, template=template, remaining=remaining)


# --- templates --------------------------------------------------------------------------------


def test_thing_is_cut_cleanly_to_twenty_characters():
    assert field_value("thing1", "一" * 20) == "一" * 20
    assert field_value("thing1", "一" * 21) == "一" * 19 + "…"
    assert len(field_value("thing4", "x" * 50)) == 20


def test_other_field_types_follow_their_limits():
    assert field_value("name3", "欧阳娜娜娜娜娜娜娜娜娜") == "欧阳娜娜娜娜娜娜娜…"
    assert field_value("phrase2", "已经截止了吗") == "已经截止了"
    assert field_value("character_string1", "A" * 40) == "A" * 32  # no ellipsis where only letters/digits are allowed
    assert field_value("time2", "2026年12月2日 19:00") == "2026年12月2日 19:00"


def test_template_fields_map_the_payload():
    payload = {**PAYLOAD, "course_name": "少儿体能·超长的课程名称用来测试截断是否干净利落"}
    assert template_fields("waitlist_seat_available", payload) == {
        "thing1": {"value": "少儿体能·超长的课程名称用来测试截断是…"},
        "time2": {"value": "2026年12月2日 19:00"},
        "time3": {"value": "2026年12月2日 12:45"},
        "thing4": {"value": "名额有限，先确认先得"},
    }


def test_in_app_texts_and_page_come_from_the_template(parent):
    row = services.notification_create(user_id=parent.pk, template="waitlist_seat_available", payload=PAYLOAD)
    assert row.title == "候补有名额了"
    assert row.body == "少儿体能·基础（2026年12月2日 19:00）有名额释放，请在2026年12月2日 12:45前确认预约。"
    assert row.page == "pages/waitlist/status/index?id=7"


def test_closed_and_offer_taken_texts_are_the_rules_own(parent):
    closed = services.notification_create(user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD)
    taken = services.notification_create(user_id=parent.pk, template="waitlist_offer_taken", payload=PAYLOAD)
    assert closed.body.startswith("候补已截止，本次未能候补成功")
    assert taken.title == "名额已被抢占"


def test_every_template_of_the_rules_exists_and_renders(parent, settings):
    keys = {
        "waitlist_seat_available",
        "waitlist_seat_reserved",
        "waitlist_offer_taken",
        "waitlist_booked",
        "waitlist_expired",
        "waitlist_closed",
        "waitlist_session_cancelled",
        "makeup_booked",
        "makeup_cancelled",
        "session_cancelled",
        "session_changed",  # RULES §11.6
        "compensation_expiring",
        "waitlist_auto_booked",  # RULES §12
        "waitlist_conflict_ended",  # RULES §13
    }
    assert set(settings.NOTIFICATION_TEMPLATES) == keys
    payload = {
        **PAYLOAD,
        "profile_id": 3,
        "minutes": 30,
        "expires_at": "2026年12月16日 10:00",
        "old": "2026年12月2日 19:00（王教练，朝阳馆）",
        "new": "2026年12月2日 18:00（王教练，朝阳馆）",
        "schedule_id": 11,
        "hours": "2",
        "waitlist_course_name": "少儿体能·进阶",
        "waitlist_starts_at": "2026年12月2日 19:30",
    }
    for key in keys:
        row = services.notification_create(user_id=parent.pk, template=key, payload=payload)
        assert row.title and row.body and "{" not in row.body + row.page
        for value in template_fields(key, payload).values():
            assert "{" not in value["value"]


def test_unknown_template_is_a_programming_error(parent):
    with pytest.raises(ValueError):
        services.notification_create(user_id=parent.pk, template="nope", payload={})


# --- outbox and commit ------------------------------------------------------------------------


def test_the_send_is_enqueued_only_after_commit(parent, locmem_outbox, django_capture_on_commit_callbacks):
    grant(parent)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = services.notification_create(user_id=parent.pk, template="waitlist_seat_available", payload=PAYLOAD)
    assert locmem_outbox == [] and len(callbacks) == 1
    callbacks[0]()
    row.refresh_from_db()
    assert row.wechat_status == "sent" and row.sent_at is not None and row.attempts == 1
    (message,) = locmem_outbox
    assert message.openid == parent.wechat_openid
    assert message.template_id == "tmpl-waitlist_seat_available"
    assert message.page == f"pages/waitlist/status/index?id=7&nid={row.pk}"


def test_a_rolled_back_change_leaves_no_notification_and_sends_nothing(
    parent, locmem_outbox, django_capture_on_commit_callbacks
):
    grant(parent)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.notification_create(user_id=parent.pk, template="waitlist_seat_available", payload=PAYLOAD)
        raise RuntimeError("the business change failed")
    assert not Notification.objects.exists()
    assert locmem_outbox == []


def test_many_rows_are_one_insert_and_one_enqueue(
    parent, django_assert_num_queries, django_capture_on_commit_callbacks
):
    users = [UserFactory() for _ in range(8)]
    specs = [NotificationSpec(user.pk, "waitlist_seat_available", PAYLOAD) for user in users]
    with django_capture_on_commit_callbacks(execute=False) as callbacks, django_assert_num_queries(1):
        rows = services.notification_create_many(specs=specs)
    assert len(callbacks) == 1
    assert all(row.pk for row in rows)
    assert Notification.objects.filter(wechat_status="pending").count() == 8


def test_a_broker_outage_at_enqueue_loses_nothing(parent, monkeypatch, django_capture_on_commit_callbacks):
    from notifications.tasks import notification_send_task

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(notification_send_task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        row = services.notification_create(user_id=parent.pk, template="waitlist_seat_available", payload=PAYLOAD)
    row.refresh_from_db()
    assert row.wechat_status == "pending"  # the request succeeded; the row waits for the resender


def test_a_wave_is_published_in_chunks_and_a_single_row_alone(parent, monkeypatch, settings):
    """Each publish costs about a millisecond: more rows than NOTIFICATION_SEND_CHUNK go out as
    tasks of that many rows; up to that many, one task per row (sent in parallel)."""
    from notifications.tasks import notification_send_many_task, notification_send_task

    settings.NOTIFICATION_SEND_CHUNK = 10
    published = []
    monkeypatch.setattr(notification_send_task, "apply_async", lambda args, **kw: published.append(("one", args[0])))
    monkeypatch.setattr(
        notification_send_many_task, "apply_async", lambda args, **kw: published.append(("many", args[0]))
    )
    services.notification_enqueue(ids=list(range(1, 26)))
    assert published == [("many", list(range(1, 11))), ("many", list(range(11, 21))), ("many", list(range(21, 26)))]
    published.clear()
    services.notification_enqueue(ids=list(range(1, 11)))
    assert published == [("one", n) for n in range(1, 11)]


def test_a_chunk_sends_every_row_and_retries_a_transient_failure_on_its_own(parent, monkeypatch, locmem_outbox):
    from notifications.channels import LocmemChannel, SendError
    from notifications.tasks import notification_send_many_task, notification_send_task

    users = [UserFactory() for _ in range(3)]
    for user in users:
        grant(user)
    monkeypatch.setattr(services, "notification_enqueue", lambda ids: None)
    rows = services.notification_create_many(
        specs=[NotificationSpec(user.pk, "waitlist_seat_available", PAYLOAD) for user in users]
    )
    retried = []
    monkeypatch.setattr(notification_send_task, "apply_async", lambda args, **kw: retried.append((args, kw)))
    LocmemChannel.failures.append(SendError(transient=True, errcode=-1, message="busy"))
    assert notification_send_many_task.apply(args=([row.pk for row in rows],)).get() == 3
    states = [Notification.objects.get(pk=row.pk).wechat_status for row in rows]
    assert states == ["pending", "sent", "sent"] and len(locmem_outbox) == 2
    ((args, kwargs),) = retried
    assert args == (rows[0].pk,) and 1 <= kwargs["countdown"] <= 2


# --- grants -----------------------------------------------------------------------------------


def test_without_a_grant_the_wechat_send_is_skipped_and_the_in_app_message_stands(parent, locmem_outbox):
    row = services.notification_create(user_id=parent.pk, template="waitlist_seat_available", payload=PAYLOAD)
    assert services.notification_send(notification_id=row.pk).status == "skipped_no_subscription"
    row.refresh_from_db()
    assert row.wechat_status == "skipped_no_subscription" and row.read_at is None
    assert locmem_outbox == []


def test_a_grant_is_used_by_a_success_only(parent, locmem_outbox):
    from notifications.channels import LocmemChannel, SendError

    g = grant(parent, remaining=1)
    LocmemChannel.failures.append(SendError(transient=True, errcode=-1, message="busy"))
    row = services.notification_create(user_id=parent.pk, template="waitlist_seat_available", payload=PAYLOAD)
    assert services.notification_send(notification_id=row.pk).status == "pending"
    g.refresh_from_db()
    assert g.remaining == 1  # given back: WeChat did not accept
    assert services.notification_send(notification_id=row.pk).status == "sent"
    g.refresh_from_db()
    assert g.remaining == 0
    second = services.notification_create(user_id=parent.pk, template="waitlist_seat_available", payload=PAYLOAD)
    assert services.notification_send(notification_id=second.pk).status == "skipped_no_subscription"


def test_grants_are_per_template(parent):
    grant(parent, template="waitlist_closed")
    row = services.notification_create(user_id=parent.pk, template="waitlist_seat_available", payload=PAYLOAD)
    assert services.notification_send(notification_id=row.pk).status == "skipped_no_subscription"


def test_offer_taken_is_in_app_only(parent, locmem_outbox):
    grant(parent, template="waitlist_offer_taken")
    row = services.notification_create(user_id=parent.pk, template="waitlist_offer_taken", payload=PAYLOAD)
    assert services.notification_send(notification_id=row.pk).status == "in_app_only"
    assert locmem_outbox == []
    assert SubscriptionGrant.objects.get(user=parent).remaining == 1


def test_a_template_without_wechat_id_is_in_app_only(parent, settings, locmem_outbox):
    settings.NOTIFICATION_TEMPLATES = {
        **settings.NOTIFICATION_TEMPLATES,
        "waitlist_closed": {**settings.NOTIFICATION_TEMPLATES["waitlist_closed"], "wechat_template_id": ""},
    }
    grant(parent, template="waitlist_closed")
    row = services.notification_create(user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD)
    assert services.notification_send(notification_id=row.pk).status == "in_app_only"


def test_a_user_without_openid_is_skipped(db):
    staff = UserFactory(wechat_openid=None)
    grant(staff)
    row = services.notification_create(user_id=staff.pk, template="waitlist_seat_available", payload=PAYLOAD)
    assert services.notification_send(notification_id=row.pk).status == "skipped_no_subscription"


def test_sending_twice_sends_once(parent, locmem_outbox):
    grant(parent, remaining=5)
    row = services.notification_create(user_id=parent.pk, template="waitlist_seat_available", payload=PAYLOAD)
    assert services.notification_send(notification_id=row.pk).status == "sent"
    assert services.notification_send(notification_id=row.pk).status == "not_claimed"
    assert len(locmem_outbox) == 1
    assert SubscriptionGrant.objects.get(user=parent).remaining == 4


# --- resender and operator resend -------------------------------------------------------------


def test_resender_picks_rows_pending_for_over_30_seconds(parent, monkeypatch):
    enqueued = []
    monkeypatch.setattr(services, "notification_enqueue", lambda ids: enqueued.extend(ids))
    old = services.notification_create(user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD)
    new = services.notification_create(user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD)
    now = timezone.now()
    Notification.objects.filter(pk=old.pk).update(created_at=now - timedelta(seconds=31))
    Notification.objects.filter(pk=new.pk).update(created_at=now - timedelta(seconds=29))
    assert services.notification_resend_stuck(now=now) == 1
    assert enqueued == [old.pk]


def test_resender_waits_for_a_scheduled_retry(parent, monkeypatch):
    enqueued = []
    monkeypatch.setattr(services, "notification_enqueue", lambda ids: enqueued.extend(ids))
    now = timezone.now()
    row = services.notification_create(user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD)
    Notification.objects.filter(pk=row.pk).update(
        created_at=now - timedelta(minutes=5), next_attempt_at=now - timedelta(seconds=10)
    )
    assert services.notification_resend_stuck(now=now) == 0
    assert services.notification_resend_stuck(now=now + timedelta(seconds=21)) == 1


def test_resender_revives_a_row_whose_worker_died_mid_send_and_returns_its_grant(parent, monkeypatch, locmem_outbox):
    g = grant(parent, remaining=1)
    row = services.notification_create(user_id=parent.pk, template="waitlist_seat_available", payload=PAYLOAD)
    # A worker claimed the row, reserved the grant, and was killed before recording anything.
    claimed = timezone.now() - timedelta(minutes=6)
    Notification.objects.filter(pk=row.pk).update(
        wechat_status="sending", claimed_at=claimed, attempts=1, grant_held=True
    )
    SubscriptionGrant.objects.filter(pk=g.pk).update(remaining=0)
    enqueued = []
    monkeypatch.setattr(services, "notification_enqueue", lambda ids: enqueued.extend(ids))
    assert services.notification_resend_stuck() == 1
    assert enqueued == [row.pk]
    g.refresh_from_db()
    assert g.remaining == 1
    assert services.notification_send(notification_id=row.pk).status == "sent"
    assert len(locmem_outbox) == 1


def test_resender_leaves_a_recent_sending_row_alone(parent, monkeypatch):
    monkeypatch.setattr(services, "notification_enqueue", lambda ids: None)
    row = services.notification_create(user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD)
    Notification.objects.filter(pk=row.pk).update(
        wechat_status="sending",
        claimed_at=timezone.now() - timedelta(minutes=4),
        created_at=timezone.now() - timedelta(minutes=4),
    )
    services.notification_resend_stuck()
    row.refresh_from_db()
    assert row.wechat_status == "sending"


def test_operator_resend_puts_failed_rows_back_through_the_outbox(
    parent, locmem_outbox, django_capture_on_commit_callbacks
):
    failed = services.notification_create(user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD)
    sent = services.notification_create(user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD)
    Notification.objects.filter(pk=failed.pk).update(wechat_status="failed", attempts=6, errcode=-1)
    Notification.objects.filter(pk=sent.pk).update(wechat_status="sent")
    grant(parent, template="waitlist_closed")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_resend(notification_ids=[failed.pk, sent.pk]) == 1
    failed.refresh_from_db()
    assert failed.wechat_status == "sent" and failed.attempts == 1
    assert len(locmem_outbox) == 1


def test_profile_is_kept_on_the_row(parent):
    profile = ProfileFactory(owner=parent)
    row = services.notification_create(
        user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD, profile_id=profile.pk
    )
    assert row.profile == profile


def test_a_row_is_revived_only_after_any_attempt_on_it_must_have_ended(settings):
    """The resender's 5 minutes exceed the task's hard time limit (which bounds the WeChat call):
    a revived row's previous attempt is over, so two sends of one row never overlap."""
    assert settings.NOTIFICATION_RESEND_SENDING_AFTER.total_seconds() > settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_TASK_TIME_LIMIT > settings.WECHAT_TIMEOUT_SECONDS


def test_resender_leaves_a_row_whose_worker_finished_between_its_read_and_its_lock(parent, monkeypatch):
    """The resender has no parent row to lock: it finds stale `sending` rows by a plain read, locks them
    by id (core.db.lock_rows) and checks again what it locked. A worker that sent the row meanwhile
    wins: the row stays sent and is not enqueued a second time."""
    from core.db import lock_rows

    enqueued = []
    monkeypatch.setattr(services, "notification_enqueue", lambda ids: enqueued.extend(ids))
    row = services.notification_create(user_id=parent.pk, template="waitlist_closed", payload=PAYLOAD)
    Notification.objects.filter(pk=row.pk).update(
        wechat_status="sending",
        claimed_at=timezone.now() - timedelta(minutes=6),
        created_at=timezone.now() - timedelta(minutes=6),
    )

    def worker_finishes_first(queryset):
        found = list(queryset.values_list("pk", flat=True))  # the resender's plain read
        Notification.objects.filter(pk=row.pk).update(wechat_status="sent", claimed_at=None)  # the worker
        return lock_rows(Notification.objects.filter(pk__in=found))  # then the lock, by id

    monkeypatch.setattr(services, "lock_rows", worker_finishes_first)
    services.notification_resend_stuck()
    row.refresh_from_db()
    assert row.wechat_status == "sent"
    assert row.pk not in enqueued
