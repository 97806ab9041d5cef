"""Every list a parent reads uses an index on MariaDB: no query of those endpoints scans the whole of
the bookings or the waitlist (EXPLAIN type `ALL`), with a studio's worth of rows so that the
optimizer chooses as it would in production."""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Profile, User
from compensation.models import ClassCreditCompensation
from courses.models import Booking, Course, CourseSchedule
from notifications.models import Notification
from tests.conftest import client_for
from tests.factories import CourseFactory, ProfileFactory, StaffFactory, UserFactory
from waitlist.models import WaitlistEntry

# ANALYZE TABLE commits (MariaDB), so the test runs outside a transaction and the tables are flushed after.
pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

BIG_TABLES = {Booking._meta.db_table, WaitlistEntry._meta.db_table}


@pytest.fixture
def studio():
    """300 classes over 30 days, 600 children with 3,000 bookings and 900 waiting entries, and one
    family (with its own bookings, waiting entries, messages and credits) whose lists are read."""
    rng = random.Random(7)
    now = timezone.now()
    courses = [CourseFactory(level=level) for level in (1, 2, 3) for _ in range(2)]
    schedules = CourseSchedule.objects.bulk_create(
        [
            CourseSchedule(
                course=course,
                starts_at=now + timedelta(days=n % 30, hours=8 + n % 10),
                ends_at=now + timedelta(days=n % 30, hours=9 + n % 10),
                capacity=10,
                coach="王教练",
                venue="朝阳馆",
            )
            for n, course in ((n, courses[n % len(courses)]) for n in range(300))
        ]
    )
    owners = User.objects.bulk_create([User(username=f"p{n}", wechat_openid=f"o{n}") for n in range(600)])
    children = Profile.objects.bulk_create([Profile(owner=o, name=f"孩子{n}", level=2) for n, o in enumerate(owners)])
    Booking.objects.bulk_create(
        [Booking(schedule=schedule, profile=child) for schedule in schedules for child in rng.sample(children, 10)][
            :3000
        ],
        ignore_conflicts=True,
    )
    WaitlistEntry.objects.bulk_create(
        [
            WaitlistEntry(schedule=schedule, profile=child)
            for schedule in schedules
            for child in rng.sample(children, 3)
        ],
        ignore_conflicts=True,
    )
    parent = UserFactory()
    child = ProfileFactory(owner=parent, level=2)
    Booking.objects.bulk_create([Booking(schedule=s, profile=child) for s in schedules[:40:4]])
    WaitlistEntry.objects.bulk_create([WaitlistEntry(schedule=s, profile=child) for s in schedules[41:60:6]])
    Notification.objects.bulk_create(
        [Notification(user=parent, template="waitlist_closed", title="t", body="b") for _ in range(30)]
        + [Notification(user=owner, template="waitlist_closed", title="t", body="b") for owner in owners[:300]]
    )
    ClassCreditCompensation.objects.create(
        profile=child, minutes=30, remaining=30, source="adjustment", expires_at=now + timedelta(days=14)
    )
    with connection.cursor() as cursor:
        for model in (Booking, WaitlistEntry, CourseSchedule, Course, Notification, Profile):
            cursor.execute(f"ANALYZE TABLE {model._meta.db_table}")
            cursor.fetchall()
    return parent, child


def full_scans(queries) -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN " + sql)
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                plan = dict(zip(columns, row, strict=True))
                if plan["table"] in BIG_TABLES and plan["type"] == "ALL":
                    found.append(f"{plan['table']} scanned ({plan['rows']} rows) in: {sql[:300]}")
    return found


PATHS = [
    "/api/v1/schedules",
    "/api/v1/schedules?course_type=regular&level=2",
    "/api/v1/waitlist/my",
    "/api/v1/makeup/my",
    "/api/v1/bookings/my?when=upcoming",
    "/api/v1/bookings/my?when=past",
    "/api/v1/notifications",
    "/api/v1/compensation/balance?profile_id={child}",
    "/api/v1/compensation/history?profile_id={child}",
    "/api/v1/makeup/available?profile_id={child}&redeem=true",
    "/api/v1/schedules/{full}/alternatives?profile_id={child}",  # RULES §15, for a full class
]


def test_every_list_uses_an_index(studio, settings):
    settings.HOT_READS_SECONDS = 0  # the database itself, not a cached answer
    parent, child = studio
    client = client_for(parent)
    scans = {}
    full = CourseSchedule.objects.filter(booked_count__gte=F("capacity")).order_by("starts_at").first()
    for path in PATHS:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path.format(child=child.pk, full=full.pk))
        assert response.status_code == 200, (path, response.content[:300])
        if found := full_scans(queries.captured_queries):
            scans[path] = found
    # The operators' dashboard over a week: its date ranges go through indexes too.
    staff = Client()
    staff.force_login(StaffFactory(is_superuser=True))
    week = timezone.localdate()
    schedule = Booking.objects.filter(profile=child).values_list("schedule_id", flat=True).first()
    for path in [
        f"/admin/dashboard/?date_from={week - timedelta(days=6)}&date_to={week}",
        "/admin/",  # 今日课程
        "/admin/courses/booking/",
        f"/admin/courses/booking/?schedule__id__exact={schedule}",
        f"/admin/waitlist/waitlistentry/?schedule__id__exact={schedule}&status__exact=waiting",
        f"/admin/courses/courseschedule/{schedule}/change/",  # the class page: its roster and queue
    ]:
        with CaptureQueriesContext(connection) as queries:
            response = staff.get(path)
        assert response.status_code == 200, path
        if found := full_scans(queries.captured_queries):
            scans[path] = found
    assert scans == {}
    # The check itself sees a full scan: a filter on a column without an index.
    with CaptureQueriesContext(connection) as queries:
        list(Booking.objects.filter(leave_reason="发烧"))
    assert len(full_scans(queries.captured_queries)) == 1
