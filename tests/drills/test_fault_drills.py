"""Fault drills (issue 8): the real parts under a fault, each ending with "lost: 0" and an invariant check.

a. WeChat answers -1 and HTTP 502 for a while, then recovers: every notification is sent, once.
b. A second Redis (on a free port), used as the broker, is down while rows are created, then comes back: the resender
   and a live worker deliver every one.
c. Beat is stopped: the respond API still judges the deadline itself, and a late sweep changes nothing more.
d. A deadlock provoked on purpose: MariaDB picks a victim (1213) and core.db.retry_on_deadlock retries it.
e. The cache's Redis is stopped while a seat is released: writes and reads go on from the database,
   and what the reads show is true before, during and after.
f. The worker is killed (SIGKILL): the heartbeat age on /metrics grows with the clock until a worker is back
   (issue 21: the series the heartbeat alert watches).
"""

import contextlib
import logging
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.db import connection, transaction
from django.db.models import F
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from config import celery_app
from core.db import retry_on_deadlock
from core.models import Heartbeat
from core.tasks import heartbeat_task
from courses.models import CourseSchedule
from flows import offers
from notifications import services
from notifications.models import Notification, SubscriptionGrant
from tests.concurrency import run_together
from tests.conftest import at, client_for
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory, UserFactory
from tests.integration.conftest import _reset_connections, wait_for, worker_process, worker_ran_a_marker
from tests.races.rounds import check_invariants
from waitlist import services as waitlist_services
from waitlist.models import WaitlistEntry, WaitlistFlow, WaitlistNotification, WaitlistOffer
from waitlist.tasks import waitlist_offers_sweep_task

pytestmark = [pytest.mark.integration, pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

PAYLOAD = {"course_name": "少儿体能·基础", "starts_at": "2026年12月2日 19:00"}
SEND = "cgi-bin/message/subscribe/send"


@pytest.fixture
def wechat(wechat_stub, settings):
    settings.NOTIFICATION_BACKEND = "wechat"
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0.1
    return wechat_stub


def create(parent, template: str = "waitlist_closed") -> Notification:
    SubscriptionGrant.objects.filter(user=parent, template=template).delete()
    SubscriptionGrant.objects.create(user=parent, template=template, remaining=1)
    with transaction.atomic():
        return services.notification_create(user_id=parent.pk, template=template, payload=PAYLOAD)


def not_sent(ids) -> list[tuple[int, str]]:
    return list(
        Notification.objects.filter(pk__in=ids).exclude(wechat_status="sent").values_list("pk", "wechat_status")
    )


def assert_delivered_once_each(wechat, ids) -> None:
    """lost: 0, sent twice: 0, two sends of one row at the same time: 0."""
    lost = not_sent(ids)
    assert len(lost) == 0, f"lost: {len(lost)} {lost}"
    delivered = Counter(int(body["page"].rsplit("nid=", 1)[1]) for body in wechat.sent_messages)
    assert set(delivered) == set(ids), f"lost: {len(set(ids) - set(delivered))}"
    twice = {nid: n for nid, n in delivered.items() if n > 1}
    assert len(twice) == 0, f"sent twice: {twice}"
    by_row: dict[int, list] = {}
    for call in wechat.calls_to(SEND):
        by_row.setdefault(call.notification_id, []).append(call)
    for nid, calls in by_row.items():
        calls.sort(key=lambda call: call.at)
        overlapping = [
            (a.at, a.finished_at, b.at) for a, b in zip(calls, calls[1:], strict=False) if a.finished_at > b.at
        ]
        assert overlapping == [], f"row {nid} sent twice at the same time: {overlapping}"


# --- a. WeChat outage ------------------------------------------------------------------------


def test_a_wechat_outage_for_a_while_loses_nothing_and_sends_each_row_once(live_worker, wechat, monkeypatch):
    monkeypatch.setenv("NOTIFICATION_RETRY_BASE_SECONDS", "0.1")
    second = worker_process(wechat.base_url)  # a second worker, in its own process, on the same queue
    log: list[str] = []

    def read_its_log():  # never let its pipe fill up
        for line in second.stdout:
            log.append(line)

    drain = threading.Thread(target=read_its_log, daemon=True)
    drain.start()
    try:
        assert wait_for(lambda: any("ready" in line for line in log), 40), (
            "the second worker never came up:\n" + "".join(log)
        )
        wechat.fail(SEND, errcode=-1, times=15)  # WeChat busy ...
        wechat.fail(SEND, http_status=502, times=15)  # ... then its gateway down, then back
        parents = [UserFactory() for _ in range(20)]
        ids = [create(parent).pk for parent in parents]
        # Beat's resender runs during the outage: rows waiting for their retry get a second task, so two
        # workers may hold tasks of one row at once (the claim must keep the sends apart).
        services.notification_resend_stuck(now=timezone.now() + timedelta(seconds=31))
        assert wait_for(lambda: not not_sent(ids), 60), not_sent(ids)
    finally:
        second.terminate()
        second.wait(timeout=20)
    drain.join(timeout=5)
    assert any("notification_send_task" in line and "succeeded" in line for line in log), (
        "the second worker sent nothing"
    )
    assert len(wechat.calls_to(SEND)) >= 20 + 30  # the outage really answered 30 calls with errors
    assert_delivered_once_each(wechat, ids)
    rows = Notification.objects.filter(pk__in=ids)
    assert max(rows.values_list("attempts", flat=True)) <= 6  # within 1 attempt + 5 retries
    assert sum(rows.values_list("attempts", flat=True)) >= 20 + 30
    # Each parent's one grant was used by the one success, never by a failure.
    assert list(SubscriptionGrant.objects.filter(user__in=parents).values_list("remaining", flat=True).distinct()) == [
        0
    ]


# --- b. the broker stopped and restarted -----------------------------------------------------

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    """A port nothing listens on, chosen by the system: the drills never depend on a fixed port being free
    (a fixed one, when busy, could only skip them, and CI would go green without them)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SecondRedis:
    """Our own redis-server on a free port, stopped and started by the drill."""

    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def up(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=2).ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        subprocess.run(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--dir",
                "/tmp",
                "--pidfile",
                f"/tmp/drill-redis-{self.port}.pid",
            ],
            check=True,
            capture_output=True,
            timeout=10,
        )
        assert wait_for(self.up, 10), f"the second Redis did not start on port {self.port}"

    def shutdown(self) -> None:
        with contextlib.suppress(redis.RedisError):  # not running, or the connection closed as it went down
            redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=2).shutdown(nosave=True)

    def stop(self) -> None:
        self.shutdown()
        assert wait_for(lambda: not self.up(), 10), "the second Redis did not stop"


@pytest.fixture
def second_redis():
    server = SecondRedis(_free_port())
    server.start()
    try:
        yield server
    finally:
        server.shutdown()


@pytest.fixture
def second_redis_broker(second_redis):
    """The second Redis as the broker of this process."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager", "broker_transport_options")}
    try:
        celery_app.conf.update(
            broker_url=second_redis.url,
            task_always_eager=False,
            broker_transport_options={"socket_connect_timeout": 1, "max_retries": 1},
        )
        _reset_connections(celery_app)
        yield second_redis
    finally:
        celery_app.conf.update(saved)
        _reset_connections(celery_app)


def test_b_a_broker_stopped_and_restarted_holds_no_request_and_loses_nothing(second_redis_broker, wechat):
    schedule = ScheduleFactory(capacity=2)
    holder = BookingFactory(schedule=schedule)
    BookingFactory(schedule=schedule)
    waiting = [UserFactory() for _ in range(2)]
    for parent in waiting:
        offers.waitlist_join(profile=ProfileFactory(owner=parent), schedule_id=schedule.pk)
        SubscriptionGrant.objects.create(user=parent, template="waitlist_seat_available", remaining=1)

    second_redis_broker.stop()
    started = time.monotonic()
    ids = [create(UserFactory()).pk for _ in range(5)]
    response = client_for(holder.profile.owner).post(f"/api/v1/bookings/{holder.pk}/cancel", {}, format="json")
    held = time.monotonic() - started
    assert response.status_code == 200, response.json()
    assert held < 5, f"requests held {held:.1f}s by the broker outage"  # five creates and a cancel, not one timeout
    ids += list(Notification.objects.filter(template="waitlist_seat_available").values_list("pk", flat=True))
    assert len(ids) == 7

    second_redis_broker.start()
    _reset_connections(celery_app)  # the pools still hold the connections that broke
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=15):
        # Nothing published during the outage reached the broker: a worker that has run a marker task
        # published after it has run everything queued before, and the rows are still pending, unsent.
        worker_ran_a_marker()
        assert Notification.objects.filter(pk__in=ids, wechat_status="pending").count() == 7
        assert wechat.calls_to(SEND) == []
        assert services.notification_resend_stuck(now=timezone.now() + timedelta(seconds=31)) == 7
        assert wait_for(lambda: not not_sent(ids), 30), not_sent(ids)
    assert_delivered_once_each(wechat, ids)
    assert check_invariants(schedule_ids=[schedule.pk], profile_ids=[]) == []


# --- c. beat stopped -------------------------------------------------------------------------


def snapshot(schedule) -> dict:
    return {
        "offers": list(
            WaitlistOffer.objects.filter(schedule=schedule)
            .order_by("pk")
            .values("pk", "phase", "status", "deadline", "reserved_for", "round", "claimed_by")
        ),
        "entries": list(WaitlistEntry.objects.filter(schedule=schedule).order_by("pk").values("pk", "status")),
        "answers": list(WaitlistNotification.objects.order_by("pk").values("pk", "kind", "status", "entry")),
        "flows": list(WaitlistFlow.objects.order_by("pk").values("pk", "status")),
        "outbox": Notification.objects.count(),
    }


def test_c_with_beat_stopped_the_api_still_judges_deadlines_and_a_late_sweep_changes_nothing(time_machine):
    def go(text):
        time_machine.move_to(at(text), tick=False)

    go("2026-12-02 10:00")
    schedule = ScheduleFactory(starts_at=at("2026-12-02 19:00"), capacity=6)  # cutoff 13:00
    holders = [BookingFactory(schedule=schedule) for _ in range(6)]
    parents = [UserFactory() for _ in range(2)]
    entry_ids = []
    first, second = (client_for(parent) for parent in parents)
    for parent, client in zip(parents, (first, second), strict=True):
        profile = ProfileFactory(owner=parent)
        response = client.post(
            "/api/v1/waitlist/join", {"course_schedule_id": schedule.pk, "profile_id": profile.pk}, format="json"
        )
        assert response.status_code == 200, response.json()
        entry_ids.append(response.json()["data"]["waitlist_id"])

    go("2026-12-02 12:30")
    response = client_for(holders[0].profile.owner).post(f"/api/v1/bookings/{holders[0].pk}/cancel", {}, format="json")
    assert response.status_code == 200, response.json()
    offer = WaitlistOffer.objects.get(schedule=schedule)
    assert (offer.phase, offer.deadline) == ("broadcast", at("2026-12-02 12:45"))

    go("2026-12-02 12:46")  # no sweeper has run: the broadcast is still open in the database
    assert WaitlistOffer.objects.get(pk=offer.pk).phase == "broadcast"
    response = second.put(f"/api/v1/waitlist/{entry_ids[1]}/respond", {"action": "accept"}, format="json")
    assert response.status_code == 410, response.json()
    assert response.json()["error"] == "offer_expired"
    assert response.json()["message"] == "候补确认已过期，名额已顺位给下一位候补用户"
    offer.refresh_from_db()  # the refused call caught up: the seat is reserved for #1
    assert (offer.phase, offer.status, offer.reserved_for_id) == ("reserved", "open", entry_ids[0])
    assert offer.deadline == at("2026-12-02 13:00")  # 12:46 + 15 min, capped at the cutoff
    assert Notification.objects.filter(user=parents[0], template="waitlist_seat_reserved").count() == 1
    assert WaitlistEntry.objects.get(pk=entry_ids[1]).status == "waiting"

    before = snapshot(schedule)
    go("2026-12-02 12:50")  # beat comes back late: the sweeps find nothing more to do
    assert waitlist_offers_sweep_task() == 0
    assert waitlist_services.waitlist_offers_sweep() == 0
    assert waitlist_services.waitlist_cutoff_close() == 0
    assert snapshot(schedule) == before

    go("2026-12-02 12:55")  # #1 takes the seat kept for them
    response = first.put(f"/api/v1/waitlist/{entry_ids[0]}/respond", {"action": "accept"}, format="json")
    assert response.status_code == 200, response.json()
    go("2026-12-02 12:56")
    after = snapshot(schedule)
    assert waitlist_offers_sweep_task() == 0 and snapshot(schedule) == after
    assert WaitlistOffer.objects.get(pk=offer.pk).status == "claimed"
    assert check_invariants(schedule_ids=[schedule.pk], profile_ids=[]) == []


# --- d. a deadlock on purpose ----------------------------------------------------------------


def test_d_a_deadlock_provoked_on_purpose_is_retried_and_both_calls_succeed(caplog):
    a, b = ScheduleFactory(capacity=6), ScheduleFactory(capacity=6)
    barrier = threading.Barrier(2)
    attempts = Counter()

    @retry_on_deadlock
    def lock_in_order(first: int, second: int) -> str:
        name = threading.current_thread().name
        attempts[name] += 1
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION innodb_lock_wait_timeout = 10")  # bounded even without deadlock detection
        with transaction.atomic():
            CourseSchedule.objects.select_for_update().get(pk=first)
            CourseSchedule.objects.filter(pk=first).update(capacity=F("capacity") + 1)
            if attempts[name] == 1:
                barrier.wait(timeout=10)  # both hold their first row: each now asks for the other's
            CourseSchedule.objects.select_for_update().get(pk=second)
            CourseSchedule.objects.filter(pk=second).update(capacity=F("capacity") + 1)
        return name

    with caplog.at_level(logging.WARNING, logger="core.db"):
        results = run_together([lambda: lock_in_order(a.pk, b.pk), lambda: lock_in_order(b.pk, a.pk)], timeout=60)
    escaped = [r for r in results if not isinstance(r, str)]
    assert escaped == [], f"escaped: {escaped}"
    assert sorted(attempts.values()) == [1, 2], attempts  # one victim, retried once
    assert "lock conflict 1213" in caplog.text, caplog.text  # MariaDB chose a deadlock victim
    # Each call applied exactly once: the victim's first write was rolled back, nothing lost.
    assert list(CourseSchedule.objects.filter(pk__in=[a.pk, b.pk]).values_list("capacity", flat=True)) == [8, 8]


# --- e. the cache's Redis stopped ------------------------------------------------------------


@pytest.fixture
def second_redis_cache(second_redis, settings):
    """The second Redis as the cache (throttles, hot reads)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": second_redis.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.HOT_READS_SECONDS = 30
    return second_redis


def test_e_with_the_cache_stopped_seats_are_released_and_reads_stay_true(second_redis_cache):
    schedule = ScheduleFactory(capacity=2)
    holder, _ = BookingFactory(schedule=schedule), BookingFactory(schedule=schedule)
    parent = UserFactory()
    profile = ProfileFactory(owner=parent)
    reader = client_for(parent)
    joined = reader.post(
        "/api/v1/waitlist/join", {"course_schedule_id": schedule.pk, "profile_id": profile.pk}, format="json"
    )
    assert joined.status_code == 200, joined.json()

    def my_offer():
        response = reader.get("/api/v1/waitlist/my")
        assert response.status_code == 200, response.json()
        return response.json()["data"]["items"][0]["offer"]

    def listed():
        response = reader.get(f"/api/v1/schedules?profile_id={profile.pk}")
        assert response.status_code == 200, response.json()
        return next(item for item in response.json()["data"]["items"] if item["id"] == schedule.pk)

    assert my_offer() is None and listed()["my"]["position"] == 1  # now cached in the second Redis
    second_redis_cache.stop()
    started = time.monotonic()
    cancelled = client_for(holder.profile.owner).post(f"/api/v1/bookings/{holder.pk}/cancel", {}, format="json")
    assert cancelled.status_code == 200, cancelled.json()
    assert my_offer() is not None and listed()["booked_count"] == 1
    held = time.monotonic() - started
    assert held < 5, f"requests held {held:.1f}s by the cache outage"

    second_redis_cache.start()  # back, empty (it keeps nothing on disk)
    assert my_offer() is not None and listed()["booked_count"] == 1
    assert my_offer() is not None  # and from the cache again
    assert check_invariants(schedule_ids=[schedule.pk], profile_ids=[]) == []


# --- f. the worker is killed ---------------------------------------------------------------------


def heartbeat_age() -> float:
    """studio_worker_heartbeat_age_seconds as a Prometheus scrape of /metrics reads it now."""
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")
    assert response.status_code == 200
    for family in text_string_to_metric_families(response.content.decode()):
        if family.name == "studio_worker_heartbeat_age_seconds":
            (sample,) = family.samples
            return sample.value
    raise AssertionError("no studio_worker_heartbeat_age_seconds on /metrics")


def test_f_a_killed_worker_makes_the_heartbeat_age_grow_until_a_worker_is_back(redis_broker):
    """The alert's side (firing once the age passes 2 minutes) is deploy/prometheus/alerts_test.yml's,
    run by tests/deployment/test_prometheus_rules.py; this is the series it watches, from real processes."""
    worker = worker_process("http://127.0.0.1:9")  # sends nothing in this drill
    try:
        worker_ran_a_marker(seconds=60)
        assert heartbeat_age() < 30
        worker.kill()  # SIGKILL: no shutdown, as when the host dies
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.communicate(timeout=30)
    seen = Heartbeat.objects.get(name="worker").seen_at

    heartbeat_task.delay()  # beat goes on enqueuing the heartbeat every minute; no worker takes it
    time.sleep(1)
    first = heartbeat_age()
    time.sleep(2)
    second = heartbeat_age()
    assert second - first >= 1.9, (first, second)  # it grows with the clock
    assert Heartbeat.objects.get(name="worker").seen_at == seen

    back = worker_process("http://127.0.0.1:9")  # a worker comes back and takes the queued heartbeat
    try:
        assert wait_for(lambda: Heartbeat.objects.get(name="worker").seen_at > seen, 60)
        assert heartbeat_age() < second
    finally:
        back.kill()
        back.communicate(timeout=30)
