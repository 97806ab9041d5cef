"""manage.py cleanup_data and the daily data-cleanup job: old flows and notifications go, history stays."""

from dataclasses import dataclass
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from backoffice import cleanup
from backoffice.tasks import cleanup_data_task
from compensation.models import ClassCreditCompensation, CompensationUsage
from compensation.services import compensation_adjust
from courses.models import Booking
from makeup.models import MakeupBooking
from notifications.models import Notification
from tests.conftest import at
from tests.factories import BookingFactory, ScheduleFactory, StaffFactory
from waitlist.models import WaitlistEntry, WaitlistFlow, WaitlistNotification, WaitlistOffer

pytestmark = pytest.mark.django_db

KEPT_MODELS = (
    WaitlistEntry,
    WaitlistOffer,
    WaitlistNotification,
    Booking,
    MakeupBooking,
    ClassCreditCompensation,
    CompensationUsage,
)


@dataclass
class History:
    old_flows: dict[str, int]  # who → flow id, all started on 2026-12-02
    old_notifications: set[int]  # every outbox row written on 2026-12-02
    new_flow: int
    new_notifications: set[int]


def snapshot() -> dict[str, set[int]]:
    return {model.__name__: set(model.objects.values_list("pk", flat=True)) for model in KEPT_MODELS}


@pytest.fixture
def history(wednesday_class, queue_of, free_a_seat, clock) -> History:
    """Wednesday 2026-12-02 through the real API, then a class in June 2027 (190 days later)."""
    p1, p2, p3 = queue_of(wednesday_class, 3)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)  # a seat for the queue: three seat_available messages
    clock.go("2026-12-02 12:40")
    assert p1.respond("start").status_code == 200
    assert p2.respond("start").status_code == 200
    assert p1.respond("accept").status_code == 200  # p1's flow completed, p2's abandoned, p2/p3 told offer_taken
    clock.go("2026-12-02 12:50")
    free_a_seat(wednesday_class, how="leave")  # another seat, and a make-up owed to the child who left
    assert p3.respond("start").status_code == 200  # nothing ever moves this flow on: it stays `started`
    staff = StaffFactory()
    compensation_adjust(profile_id=p1.profile.pk, minutes=60, reason="补偿测试", by=staff)
    compensation_adjust(profile_id=p1.profile.pk, minutes=-30, reason="扣减测试", by=staff)
    flows = {flow.entry_id: flow.pk for flow in WaitlistFlow.objects.all()}
    old = {"p1": flows[p1.entry_id], "p2": flows[p2.entry_id], "p3": flows[p3.entry_id]}
    old_notifications = set(Notification.objects.values_list("pk", flat=True))

    clock.go("2027-06-10 10:00")
    june = ScheduleFactory(starts_at=at("2027-06-16 19:00"), capacity=2)
    for _ in range(2):
        BookingFactory(schedule=june)
    (q1,) = queue_of(june, 1)
    free_a_seat(june)
    assert q1.respond("start").status_code == 200
    assert q1.respond("accept").status_code == 200
    new_flow = WaitlistFlow.objects.get(entry_id=q1.entry_id).pk
    new_notifications = set(Notification.objects.values_list("pk", flat=True)) - old_notifications

    assert WaitlistFlow.objects.get(pk=old["p3"]).status == "started"
    assert {WaitlistFlow.objects.get(pk=old[p]).status for p in ("p1", "p2")} == {"completed", "abandoned"}
    assert MakeupBooking.objects.exists() and CompensationUsage.objects.exists()
    assert WaitlistNotification.objects.filter(notification_id__in=old_notifications).count() >= 6
    return History(old, old_notifications, new_flow, new_notifications)


def cleanup_data(*args) -> str:
    out = StringIO()
    call_command("cleanup_data", *args, stdout=out)
    return out.getvalue()


def test_cleanup_deletes_old_finished_flows_and_old_notifications_only(history):
    kept_before = snapshot()
    linked = set(
        WaitlistNotification.objects.filter(notification_id__in=history.old_notifications).values_list("pk", flat=True)
    )

    output = cleanup_data()

    assert set(WaitlistFlow.objects.values_list("pk", flat=True)) == {history.old_flows["p3"], history.new_flow}
    assert set(Notification.objects.values_list("pk", flat=True)) == history.new_notifications
    assert snapshot() == kept_before  # entries, offers, waitlist notifications, bookings, make-ups, ledger
    assert set(WaitlistNotification.objects.filter(notification__isnull=True).values_list("pk", flat=True)) == linked
    assert (
        not WaitlistNotification.objects.filter(notification_id__in=history.new_notifications)
        .filter(notification__isnull=True)
        .exists()
    )
    assert "Data older than 180 days (before 2026-12-12 10:00:00 Asia/Shanghai):" in output
    assert "waitlist flows deleted (status not 'started'): 2" in output
    assert f"notifications deleted: {len(history.old_notifications)}" in output
    assert f"link to a deleted notification set to NULL: {len(linked)}" in output

    assert "notifications deleted: 0" in cleanup_data()  # a second run finds nothing more


def test_dry_run_counts_what_a_real_run_deletes_and_deletes_nothing(history):
    flows, notifications = WaitlistFlow.objects.count(), Notification.objects.count()
    links = sorted(WaitlistNotification.objects.values_list("pk", "notification_id"))

    dry = cleanup_data("--dry-run")

    assert (WaitlistFlow.objects.count(), Notification.objects.count()) == (flows, notifications)
    assert sorted(WaitlistNotification.objects.values_list("pk", "notification_id")) == links
    assert "Dry run: nothing was deleted." in dry
    real = cleanup_data()
    summary = "\n".join(line for line in real.splitlines() if not line.startswith(("Deleting", "  ... "))) + "\n"
    assert dry.replace("would be deleted", "deleted").replace("Dry run: nothing was deleted.\n", "") == summary
    assert WaitlistFlow.objects.count() == flows - 2


def test_older_than_moves_the_cutoff(history):
    # On 2027-06-10 the 2026-12-02 rows are 190 days old: kept with --older-than 200.
    output = cleanup_data("--older-than", "200")
    assert "waitlist flows deleted (status not 'started'): 0" in output
    assert Notification.objects.filter(pk__in=history.old_notifications).count() == len(history.old_notifications)


@pytest.mark.parametrize("days", ["10", "29", "0", "-5"])
def test_older_than_below_30_days_is_refused(history, days):
    before = (WaitlistFlow.objects.count(), Notification.objects.count())
    with pytest.raises(CommandError, match="--older-than must be at least 30 days"):
        cleanup_data("--older-than", days)
    assert (WaitlistFlow.objects.count(), Notification.objects.count()) == before


def test_thirty_days_is_allowed(history):
    assert "Data older than 30 days" in cleanup_data("--older-than", "30", "--dry-run")


def test_the_cutoff_is_strict_and_started_flows_are_kept_at_any_age(wednesday_class, queue_of, free_a_seat, clock):
    p1, p2 = queue_of(wednesday_class, 2)
    free_a_seat(wednesday_class)
    assert p1.respond("start").status_code == 200
    assert p2.respond("start").status_code == 200
    assert p1.respond("accept").status_code == 200  # p2's flow is abandoned (finished)
    now = at("2027-06-10 10:00")
    cutoff = now - timedelta(days=180)
    finished = WaitlistFlow.objects.get(entry_id=p2.entry_id)
    running = WaitlistFlow.objects.get(entry_id=p1.entry_id)
    WaitlistFlow.objects.filter(pk=running.pk).update(status="started", started_at=cutoff - timedelta(days=300))
    WaitlistFlow.objects.filter(pk=finished.pk).update(started_at=cutoff)
    notes = list(Notification.objects.order_by("pk").values_list("pk", flat=True))[:3]
    for pk, moment in zip(notes, [cutoff - timedelta(seconds=1), cutoff, cutoff + timedelta(seconds=1)], strict=True):
        Notification.objects.filter(pk=pk).update(created_at=moment)
    Notification.objects.exclude(pk__in=notes).update(created_at=now)

    result = cleanup.cleanup_old_data(now=now)
    assert (result["flows"], result["notifications"]) == (0, 1)
    assert not Notification.objects.filter(pk=notes[0]).exists()
    assert Notification.objects.filter(pk__in=notes[1:]).count() == 2
    assert WaitlistFlow.objects.filter(pk__in=[running.pk, finished.pk]).count() == 2

    WaitlistFlow.objects.filter(pk=finished.pk).update(started_at=cutoff - timedelta(seconds=1))
    assert cleanup.cleanup_old_data(now=now)["flows"] == 1
    assert list(WaitlistFlow.objects.values_list("pk", flat=True)) == [running.pk]


def test_deletes_go_in_batches(history, monkeypatch):
    monkeypatch.setattr(cleanup, "BATCH_SIZE", 2)
    batches = []
    real_delete = cleanup._delete_batch

    def counting(queryset, ids):
        batches.append(len(ids))
        return real_delete(queryset, ids)

    monkeypatch.setattr(cleanup, "_delete_batch", counting)
    result = cleanup.cleanup_old_data()
    assert result["notifications"] == len(history.old_notifications) > 4
    assert max(batches) == 2 and sum(batches) == result["flows"] + result["notifications"]
    assert not Notification.objects.filter(pk__in=history.old_notifications).exists()


def test_a_batch_that_would_delete_a_model_it_does_not_own_is_rolled_back(history, monkeypatch):
    # As if a CASCADE to Notification appeared some day: the run stops and the batch is undone.
    monkeypatch.setattr(cleanup, "DELETABLE", frozenset({WaitlistFlow._meta.label}))
    with pytest.raises(cleanup.CleanupRefusedError, match="notifications.Notification"):
        cleanup.cleanup_old_data()
    assert Notification.objects.filter(pk__in=history.old_notifications).count() == len(history.old_notifications)
    assert WaitlistNotification.objects.filter(notification__isnull=True).count() == 0


def test_the_daily_job_runs_the_same_cleanup(history):
    linked = WaitlistNotification.objects.filter(notification_id__in=history.old_notifications).count()
    result = cleanup_data_task()
    assert result == {
        "older_than_days": 180,
        "dry_run": False,
        "flows": 2,
        "notifications": len(history.old_notifications),
        "waitlist_notifications_detached": linked,
    }
    assert set(Notification.objects.values_list("pk", flat=True)) == history.new_notifications
    assert not WaitlistFlow.objects.filter(pk__in=[history.old_flows["p1"], history.old_flows["p2"]]).exists()


def test_setup_periodic_tasks_creates_the_daily_cleanup_job():
    call_command("setup_periodic_tasks", stdout=StringIO())
    out = StringIO()
    call_command("setup_periodic_tasks", stdout=out)
    task = PeriodicTask.objects.get(name="data-cleanup")
    assert task.task == "backoffice.tasks.cleanup_data_task"
    assert (task.interval.every, task.interval.period) == (86400, "seconds")
    assert task.description == "Deletes flows and notifications older than 180 days (never the history)."
    assert "updated: data-cleanup every 86400s (enabled)" in out.getvalue()


def test_a_long_run_shows_its_progress_batch_by_batch(history, monkeypatch):
    monkeypatch.setattr(cleanup, "BATCH_SIZE", 2)
    output = cleanup_data()
    assert "Deleting in batches of 2 (each batch is kept if the run stops):" in output
    steps = [line for line in output.splitlines() if line.startswith("  ... notifications: ")]
    total = len(history.old_notifications)
    assert [int(line.split()[2]) for line in steps] == [*range(2, total, 2), total]
    assert f"notifications deleted: {total}" in output  # and the summary after it
