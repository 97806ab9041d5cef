"""Hot reads (core/hot_reads.py): the class list, my waitlist and the make-up search come from the
cache until a write or a deadline changes them, and never show what is no longer true."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction

from core import hot_reads
from courses.models import Booking, CourseSchedule
from tests.conftest import at
from tests.factories import BookingFactory, ScheduleFactory
from tests.waitlist.conftest import WEDNESDAY_19
from waitlist.models import WaitlistEntry


def schedules_of(parent, **query):
    params = "&".join(f"{k}={v}" for k, v in {"profile_id": parent.profile.pk, **query}.items())
    return parent.client.get(f"/api/v1/schedules?{params}").json()["data"]


def item_of(data, schedule):
    return next(item for item in data["items"] if item["id"] == schedule.pk)


@pytest.mark.parametrize(
    "sql, changes",
    [
        ("INSERT INTO `courses_booking` (`profile_id`) VALUES (%s)", True),
        ('UPDATE "waitlist" SET "status" = %s', True),
        ("  delete from `waitlist_waitlistoffer` WHERE id = 1", True),
        ("INSERT IGNORE INTO `waitlist_notification` VALUES (1)", True),
        ("TRUNCATE `courses_courseschedule`", True),
        ("UPDATE `notifications_notification` SET `wechat_status` = 'sent'", False),
        ("UPDATE `core_heartbeat` SET `beat_at` = NOW()", False),
        ("DELETE FROM `django_session` WHERE 1", False),
        ("UPDATE `django_celery_beat_periodictask` SET `last_run_at` = NOW()", False),
        ("SELECT * FROM `courses_booking` FOR UPDATE", False),
    ],
)
def test_which_statements_change_what_reads_show(sql, changes):
    assert hot_reads.changes_reads(sql) is changes


def test_a_repeated_class_list_is_served_from_the_cache(make_parent, wednesday_class, django_assert_num_queries):
    parent = make_parent()
    first = schedules_of(parent)
    with django_assert_num_queries(1):  # the JWT's user; nothing else
        assert schedules_of(parent) == first


def test_a_write_that_signals_nothing_still_reaches_the_list(make_parent, wednesday_class):
    """QuerySet.update sends no signal: the statement itself bumps the version."""
    parent = make_parent()
    assert item_of(schedules_of(parent), wednesday_class)["available"] == 0
    Booking.objects.filter(pk=wednesday_class.bookings.first().pk).update(status="cancelled", active=None)
    assert item_of(schedules_of(parent), wednesday_class)["available"] == 1


def test_joining_shows_at_once_in_the_list_and_in_my_waitlist(make_parent, wednesday_class):
    parent, other = make_parent(), make_parent()
    assert item_of(schedules_of(parent), wednesday_class)["my"]["waitlist_status"] is None
    assert parent.client.get("/api/v1/waitlist/my").json()["data"]["count"] == 0
    assert other.join(wednesday_class).status_code == 200
    assert parent.join(wednesday_class).status_code == 200
    listed = item_of(schedules_of(parent), wednesday_class)
    assert listed["my"]["position"] == 2 and listed["waitlist"]["count"] == 2
    (mine,) = parent.client.get("/api/v1/waitlist/my").json()["data"]["items"]
    assert mine["position"] == 2
    other.client.delete(f"/api/v1/waitlist/{WaitlistEntry.objects.get(profile=other.profile).pk}")
    assert parent.client.get("/api/v1/waitlist/my").json()["data"]["items"][0]["position"] == 1


def test_the_waitlist_closes_in_the_list_at_the_cutoff_with_no_write(make_parent, wednesday_class, clock):
    parent = make_parent()
    clock.go("2026-12-02 12:59", seconds=59)
    assert item_of(schedules_of(parent), wednesday_class)["waitlist"]["is_open"] is True
    clock.go("2026-12-02 13:00", seconds=1)  # cutoff 13:00 (6 hours before 19:00)
    assert item_of(schedules_of(parent), wednesday_class)["waitlist"]["is_open"] is False


def test_a_class_that_ended_leaves_the_upcoming_list_with_no_write(make_parent, wednesday_class, clock):
    earlier = ScheduleFactory(starts_at=at("2026-12-02 09:00"), ends_at=at("2026-12-02 10:30"))
    parent = make_parent()
    assert earlier.pk in [item["id"] for item in schedules_of(parent)["items"]]
    clock.go("2026-12-02 10:30", seconds=1)
    data = schedules_of(parent)
    assert earlier.pk not in [item["id"] for item in data["items"]] and data["count"] == 1


def test_an_offer_countdown_is_live_and_the_offer_leaves_at_its_deadline(wednesday_class, queue_of, free_a_seat, clock):
    (first,) = queue_of(wednesday_class, 1)
    clock.go("2026-12-02 11:00")
    free_a_seat(wednesday_class)  # broadcast until 11:15
    (item,) = first.client.get("/api/v1/waitlist/my").json()["data"]["items"]
    assert item["offer"]["seconds_left"] == 15 * 60
    clock.go("2026-12-02 11:10")
    (item,) = first.client.get("/api/v1/waitlist/my").json()["data"]["items"]
    assert item["offer"]["seconds_left"] == 5 * 60
    clock.go("2026-12-02 11:15")  # RULES §4: takeable while now ≤ deadline, the deadline included
    (item,) = first.client.get("/api/v1/waitlist/my").json()["data"]["items"]
    assert item["offer"]["seconds_left"] == 0
    clock.go("2026-12-02 11:15", seconds=1)
    (item,) = first.client.get("/api/v1/waitlist/my").json()["data"]["items"]
    assert item["offer"] is None


def test_the_wait_estimate_moves_on_with_the_clock(wednesday_class, queue_of, clock):
    """Cutoff 13:00: two whole hours left until 11:00 sharp, one after (within the 30-second cap)."""
    (parent,) = queue_of(wednesday_class, 1)

    def estimate():
        return parent.client.get("/api/v1/waitlist/my").json()["data"]["items"][0]["estimated_wait_time"]

    assert estimate() == "约3小时"  # 10:00 sharp: exactly three hours
    clock.go("2026-12-02 10:00", seconds=1)
    assert estimate() == "约2小时"
    clock.go("2026-12-02 10:59", seconds=50)
    assert estimate() == "约2小时"
    clock.go("2026-12-02 11:00")
    assert estimate() == "约2小时"
    clock.go("2026-12-02 11:00", seconds=1)
    assert estimate() == "约1小时"


def left_class(parent):
    """The parent's child took leave of Wednesday's class: (that class, the make-up it is owed)."""
    from makeup.models import MakeupBooking

    original = ScheduleFactory(starts_at=WEDNESDAY_19)
    booking = BookingFactory(schedule=original, profile=parent.profile)
    assert parent.client.post(f"/api/v1/bookings/{booking.pk}/leave", {}, format="json").status_code == 200
    return original, MakeupBooking.objects.get(profile=parent.profile)


def test_a_make_up_session_that_started_leaves_the_search_with_no_write(make_parent, clock):
    parent = make_parent()
    original, makeup = left_class(parent)
    soon = ScheduleFactory(course=original.course, starts_at=at("2026-12-02 11:00"))
    later = ScheduleFactory(course=original.course, starts_at=at("2026-12-03 19:00"))
    url = f"/api/v1/makeup/available?makeup_id={makeup.pk}"
    assert [item["id"] for item in parent.client.get(url).json()["data"]["items"]] == [soon.pk, later.pk]
    clock.go("2026-12-02 11:00", seconds=1)
    assert [item["id"] for item in parent.client.get(url).json()["data"]["items"]] == [later.pk]


@pytest.mark.django_db(transaction=True)
def test_a_read_between_a_write_and_its_commit_is_not_kept():
    """The version is bumped after each statement and again after the commit: what a read cached in
    between (the old rows, under the new version) is unreachable once the write is visible."""
    from django.db import connection

    schedule = ScheduleFactory(starts_at=WEDNESDAY_19)
    bumps = []
    real_bump = hot_reads._bump

    def bump():
        bumps.append("in transaction" if connection.in_atomic_block else "after commit")
        real_bump()

    with mock.patch.object(hot_reads, "_bump", bump):
        with transaction.atomic():
            CourseSchedule.objects.filter(pk=schedule.pk).update(coach="新教练")
            CourseSchedule.objects.filter(pk=schedule.pk).update(venue="新场馆")
            assert bumps == ["in transaction", "in transaction"]
        assert bumps == ["in transaction", "in transaction", "after commit"]  # one after the commit
        with transaction.atomic():  # the next transaction is bumped after its own commit too
            CourseSchedule.objects.filter(pk=schedule.pk).update(coach="王教练")
        assert bumps[3:] == ["in transaction", "after commit"]


def test_the_reads_work_without_the_cache(make_parent, wednesday_class, queue_of):
    (waiting,) = queue_of(wednesday_class, 1)
    with (
        mock.patch.object(cache, "get", side_effect=ConnectionError("redis down")),
        mock.patch.object(cache, "incr", side_effect=ConnectionError("redis down")),
        mock.patch.object(cache, "get_many", side_effect=ConnectionError("redis down")),
    ):
        assert waiting.join(ScheduleFactory(starts_at=WEDNESDAY_19 + timedelta(days=1), capacity=0)).status_code == 200
        data = schedules_of(waiting)
        assert item_of(data, wednesday_class)["my"]["position"] == 1
        assert waiting.client.get("/api/v1/waitlist/my").json()["data"]["count"] == 2


def test_switched_off_every_read_goes_to_the_database(
    make_parent, wednesday_class, settings, django_assert_num_queries
):
    settings.HOT_READS_SECONDS = 0
    parent = make_parent()
    schedules_of(parent)
    with django_assert_num_queries(7):
        schedules_of(parent)


def test_a_lost_bump_is_stale_no_longer_than_the_cap(make_parent, wednesday_class, clock):
    """Should the cache miss a bump (unreachable at that moment, then back with its entries), a read
    is stale at most HOT_READS_SECONDS (30 in tests): the documented limit (docs/decisions.md)."""
    parent = make_parent()
    coach = item_of(schedules_of(parent), wednesday_class)["coach"]
    with mock.patch.object(hot_reads, "_bump"):
        CourseSchedule.objects.filter(pk=wednesday_class.pk).update(coach="新教练")
    clock.go("2026-12-02 10:00", seconds=29)
    assert item_of(schedules_of(parent), wednesday_class)["coach"] == coach
    clock.go("2026-12-02 10:00", seconds=30)
    assert item_of(schedules_of(parent), wednesday_class)["coach"] == "新教练"


def test_an_answer_cached_by_another_release_is_not_served(
    make_parent, wednesday_class, monkeypatch, django_assert_num_queries
):
    """A deploy may change an answer's shape without a write: the release is part of the key."""
    parent = make_parent()
    schedules_of(parent)
    with django_assert_num_queries(1):
        schedules_of(parent)
    monkeypatch.setattr(hot_reads, "RELEASE", "another")
    with django_assert_num_queries(7):
        schedules_of(parent)


def test_the_release_is_a_digest_of_the_sources_that_shape_answers(tmp_path, settings):
    for name in ("courses", "tests"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    settings.BASE_DIR = tmp_path
    first = hot_reads._release()
    (tmp_path / "tests" / "test_x.py").write_text("x = 1")
    assert hot_reads._release() == first  # tests do not shape answers
    (tmp_path / "courses" / "api.py").write_text("x = 1")
    assert hot_reads._release() != first


def test_the_two_seat_counts_agree_with_what_they_count(wednesday_class, queue_of, free_a_seat, clock):
    """RULES §1 (capacity − booked − held) is read two ways, both from the class row's counters: in SQL
    for lists and filters (`schedules_with_seats`) and under the lock (`schedule_seats`); both equal
    the count of booked seats and open offers."""
    from waitlist.models import WaitlistOffer
    from waitlist.selectors import schedule_seats, schedules_with_seats

    queue_of(wednesday_class, 2)
    clock.go("2026-12-02 11:00")
    free_a_seat(wednesday_class)  # cancelled booking, one open offer
    free_a_seat(wednesday_class, how="leave")  # a booking on leave, a second open offer
    WaitlistOffer.objects.create(
        schedule=wednesday_class, deadline=WEDNESDAY_19, released_at=WEDNESDAY_19, status="lapsed"
    )  # not held
    other = ScheduleFactory(capacity=3)
    BookingFactory(schedule=other)
    for schedule, expected in ((wednesday_class, 6 - 4 - 2), (other, 3 - 1)):
        schedule.refresh_from_db()
        counted = (
            schedule.capacity
            - Booking.objects.filter(schedule=schedule, status="booked").count()
            - WaitlistOffer.objects.filter(schedule=schedule, status="open").count()
        )
        annotated = schedules_with_seats(queryset=CourseSchedule.objects.filter(pk=schedule.pk)).get().available
        assert annotated == schedule_seats(schedule=schedule) == counted == expected
    CourseSchedule.objects.filter(pk=other.pk).update(capacity=0)  # lowered below its bookings
    other.refresh_from_db()
    assert (
        schedule_seats(schedule=other)
        == -1
        == schedules_with_seats(queryset=CourseSchedule.objects.filter(pk=other.pk)).get().available
    )


# --- scoped versions: a write ends the answers it can change, not every answer (issue 19) ----------


def full_class(starts_at, seats=2):
    schedule = ScheduleFactory(starts_at=starts_at, capacity=seats)
    for _ in range(seats):
        BookingFactory(schedule=schedule)
    return schedule


def test_a_join_ends_the_pages_showing_its_class_and_the_family_s_lists_only(make_parent, django_assert_num_queries):
    """Two full classes on two days: a join in Wednesday's class leaves Thursday's page (another
    family's) in the cache, and ends Wednesday's page, for everyone, and the joining family's lists."""
    wednesday, thursday = full_class(WEDNESDAY_19), full_class(WEDNESDAY_19 + timedelta(days=1))
    joining, watching = make_parent(), make_parent()
    day = {"date_from": "2026-12-02", "date_to": "2026-12-02"}
    next_day = {"date_from": "2026-12-03", "date_to": "2026-12-03"}
    assert item_of(schedules_of(watching, **day), wednesday)["waitlist"]["count"] == 0
    assert item_of(schedules_of(watching, **next_day), thursday)["waitlist"]["count"] == 0
    assert watching.client.get("/api/v1/waitlist/my").json()["data"]["count"] == 0
    assert joining.client.get("/api/v1/waitlist/my").json()["data"]["count"] == 0

    assert joining.join(wednesday).status_code == 200

    with django_assert_num_queries(1):  # still cached: the JWT's user, nothing else
        assert item_of(schedules_of(watching, **next_day), thursday)["waitlist"]["count"] == 0
    with django_assert_num_queries(1):  # another family's waitlist, in no class that changed
        assert watching.client.get("/api/v1/waitlist/my").json()["data"]["count"] == 0
    assert item_of(schedules_of(watching, **day), wednesday)["waitlist"]["count"] == 1
    assert joining.client.get("/api/v1/waitlist/my").json()["data"]["count"] == 1


def test_a_write_in_a_class_where_a_family_waits_moves_its_position(make_parent, wednesday_class):
    first, second = make_parent(), make_parent()
    assert first.join(wednesday_class).status_code == 200
    assert second.join(wednesday_class).status_code == 200
    assert second.client.get("/api/v1/waitlist/my").json()["data"]["items"][0]["position"] == 2
    first.client.delete(f"/api/v1/waitlist/{WaitlistEntry.objects.get(profile=first.profile).pk}")
    assert second.client.get("/api/v1/waitlist/my").json()["data"]["items"][0]["position"] == 1


def test_the_make_up_search_ends_with_a_seat_freed_in_any_class(make_parent, free_a_seat):
    parent = make_parent()
    original, makeup = left_class(parent)
    full = full_class(at("2026-12-03 19:00"))
    full.course = original.course
    full.save()
    url = f"/api/v1/makeup/available?makeup_id={makeup.pk}"
    assert parent.client.get(url).json()["data"]["items"] == []
    free_a_seat(full)  # another family's cancel: the seat is open to anyone (no waitlist)
    assert [item["id"] for item in parent.client.get(url).json()["data"]["items"]] == [full.pk]


def test_a_rolled_back_transaction_leaves_no_scope_behind(make_parent, wednesday_class):
    """A lock taken in a transaction that rolled back registers nothing for the next one: a later write
    outside any lock still ends every cached answer."""
    from courses.locks import schedule_lock

    parent = make_parent()
    assert item_of(schedules_of(parent), wednesday_class)["available"] == 0
    with pytest.raises(RuntimeError), transaction.atomic():
        schedule_lock(schedule_id=wednesday_class.pk)
        raise RuntimeError
    with transaction.atomic():
        Booking.objects.filter(pk=wednesday_class.bookings.first().pk).update(status="cancelled", active=None)
    assert item_of(schedules_of(parent), wednesday_class)["available"] == 1


def test_a_version_bumped_after_eviction_starts_above_every_earlier_value(clock):
    """One round trip per bump on Redis (SET NX of the time in ns, then INCR); an evicted version
    never comes back at a number an older cached answer was computed at (time has moved on by more
    nanoseconds than there were bumps)."""
    from django.core.cache import cache

    keys = [hot_reads.CLASS_KEY.format(991), hot_reads.ANY_CLASS_KEY]
    hot_reads._bump(*keys)
    hot_reads._bump(*keys)
    before = cache.get_many(keys)
    assert all(isinstance(value, int) for value in before.values()) and len(before) == 2
    cache.delete(keys[0])  # evicted
    clock.go("2026-12-02 10:00", seconds=1)
    hot_reads._bump(*keys)
    after = cache.get_many(keys)
    assert after[keys[0]] > before[keys[0]] and after[keys[1]] == before[keys[1]] + 1
