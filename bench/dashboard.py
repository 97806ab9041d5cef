"""Benchmark: the operators' dashboard (运营看板) over 100,000 waitlist entries (MariaDB).

Builds its own database `bench_dashboard`: 2,000 classes over 120 days, 50 waitlist entries each
(100,000), 6,000 offers, 100,000 notifications, 5,000 make-ups, 3,000 credits and 6,000 ledger rows,
spread over the days. Times `dashboard_figures` over the last 90 days 10 times (and the admin page),
reports the queries and the slowest of them, then drops the database.

    .venv/bin/python bench/dashboard.py      # writes bench/results/dashboard.json and .md
"""

import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.scratch import on_scratch_database  # noqa: E402
from core.progress import Progress  # noqa: E402  (imports nothing from Django)

DB_NAME = "bench_dashboard"
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"mysql://root@127.0.0.1:3306/{DB_NAME}",
        "LOG_LEVEL": "WARNING",
    }
)
SCHEDULES = 2_000
ENTRIES_PER_SCHEDULE = 50
OFFERS_PER_SCHEDULE = 3
PROFILES = 5_000
MAKEUPS = 5_000
CREDITS = 3_000
SPAN_DAYS = 120  # classes from 110 days ago to 10 days ahead
RANGE_DAYS = 90
RUNS = 10
BATCH = 5_000


def build(now: datetime, rng: random.Random) -> dict:
    """Bulk-creates the data set; returns the row counts."""
    from django.db import connection

    from accounts.models import Profile, User
    from compensation.models import ClassCreditCompensation, CompensationUsage
    from courses.models import Booking, Course, CourseSchedule, CourseType
    from makeup.models import MakeupBooking
    from notifications.models import Notification
    from waitlist.models import WaitlistEntry, WaitlistOffer

    # In rows, stepped after each table's insert: classes; users and profiles; waitlist entries and
    # notifications; offers; left bookings and make-ups; credits and their ledger rows.
    per_class = 2 * ENTRIES_PER_SCHEDULE + OFFERS_PER_SCHEDULE
    progress = Progress("data set", total=SCHEDULES * (1 + per_class) + 2 * PROFILES + 2 * MAKEUPS + 3 * CREDITS)
    regular = CourseType.objects.create(code="regular", name="常规班", waitlist_capacity=8)
    vip = CourseType.objects.create(code="vip", name="VIP小班", waitlist_capacity=5)
    courses = [
        Course.objects.create(
            name=f"课程{kind.code}{level}", course_type=kind, level=level, duration_minutes=60, price=180
        )
        for kind in (regular, vip)
        for level in (1, 2, 3)
    ]
    first_start = now - timedelta(days=SPAN_DAYS - 10)
    step = timedelta(days=SPAN_DAYS) / SCHEDULES
    CourseSchedule.objects.bulk_create(
        [
            CourseSchedule(
                course=courses[n % len(courses)],
                starts_at=first_start + n * step,
                ends_at=first_start + n * step + timedelta(hours=1),
                capacity=6,
                waitlist_capacity=rng.choice([None, None, 40, 50, 60]),
            )
            for n in range(SCHEDULES)
        ],
        batch_size=BATCH,
    )
    progress.step(SCHEDULES)
    schedules = list(CourseSchedule.objects.order_by("id").values_list("id", "starts_at"))
    User.objects.bulk_create(
        [User(username=f"bench{n}", wechat_openid=f"o-bench-{n}") for n in range(PROFILES)], batch_size=BATCH
    )
    progress.step(PROFILES)
    owners = list(User.objects.order_by("id").values_list("id", flat=True))
    Profile.objects.bulk_create(
        [Profile(owner_id=owner, name=f"孩子{n}", level=2) for n, owner in enumerate(owners)], batch_size=BATCH
    )
    progress.step(len(owners))
    profiles = list(Profile.objects.order_by("id").values_list("id", "owner_id"))
    cutoff = timedelta(hours=6)

    entries, notifications = [], []
    ended_statuses = ["booked"] * 20 + ["closed"] * 50 + ["cancelled"] * 15 + ["expired"] * 10 + ["declined"] * 5
    for index, (schedule_id, starts_at) in enumerate(schedules):
        for k in range(ENTRIES_PER_SCHEDULE):
            profile_id, owner_id = profiles[(index * ENTRIES_PER_SCHEDULE + k) % PROFILES]
            joined_at = min(now, starts_at - cutoff) - timedelta(minutes=rng.randint(10, 7 * 24 * 60))
            if starts_at - cutoff > now:
                status, ended_at = "waiting", None
            else:
                status = rng.choice(ended_statuses)
                ended_at = (
                    starts_at - cutoff + timedelta(seconds=rng.randint(0, 300))
                    if status == "closed"
                    else joined_at + (starts_at - cutoff - joined_at) * rng.random()
                )
            entries.append(
                WaitlistEntry(
                    profile_id=profile_id,
                    schedule_id=schedule_id,
                    status=status,
                    joined_at=joined_at,
                    ended_at=ended_at,
                    active=True if status == "waiting" else None,
                )
            )
            notifications.append(
                Notification(
                    user_id=owner_id,
                    profile_id=profile_id,
                    template="waitlist_seat_available",
                    title="候补有名额了",
                    body="…",
                    wechat_status=rng.choice(
                        ["sent"] * 14
                        + [
                            "failed",
                            "skipped_no_subscription",
                            "skipped_no_subscription",
                            "in_app_only",
                            "in_app_only",
                            "pending",
                        ]
                    ),
                )
            )
    WaitlistEntry.objects.bulk_create(entries, batch_size=BATCH)
    progress.step(len(entries))
    Notification.objects.bulk_create(notifications, batch_size=BATCH)
    progress.step(len(notifications))

    offers = []
    for schedule_id, starts_at in schedules:
        for _ in range(OFFERS_PER_SCHEDULE):
            released_at = starts_at - cutoff - timedelta(minutes=rng.randint(30, 3 * 24 * 60))
            if released_at > now:
                released_at = now - timedelta(minutes=rng.randint(1, 10))
                status, closed_at = "open", None
            elif rng.random() < 0.65:
                status, closed_at = "claimed", released_at + timedelta(seconds=rng.randint(30, 45 * 60))
            else:
                status, closed_at = "lapsed", released_at + timedelta(minutes=15)
            offers.append(
                WaitlistOffer(
                    schedule_id=schedule_id,
                    released_at=released_at,
                    status=status,
                    closed_at=closed_at,
                    deadline=released_at + timedelta(minutes=15),
                    phase_started_at=released_at,
                )
            )
    WaitlistOffer.objects.bulk_create(offers, batch_size=BATCH)
    progress.step(len(offers))

    # Make-ups owe a leave: one left booking each.
    Booking.objects.bulk_create(
        [
            Booking(
                profile_id=profiles[n % PROFILES][0],
                schedule_id=schedules[n % SCHEDULES][0],
                status="on_leave",
                active=None,
            )
            for n in range(MAKEUPS)
        ],
        batch_size=BATCH,
    )
    progress.step(MAKEUPS)
    left = list(Booking.objects.filter(status="on_leave").order_by("id").values_list("id", "profile_id"))
    MakeupBooking.objects.bulk_create(
        [
            MakeupBooking(
                profile_id=profile_id,
                original_booking_id=booking_id,
                original_minutes=60,
                status=rng.choice(["pending", "pending", "booked", "completed", "completed", "cancelled"]),
            )
            for booking_id, profile_id in left
        ],
        batch_size=BATCH,
    )
    progress.step(len(left))
    ClassCreditCompensation.objects.bulk_create(
        [
            ClassCreditCompensation(
                profile_id=profiles[n % PROFILES][0],
                minutes=30,
                remaining=0,
                expires_at=now + timedelta(days=14),
                source="makeup_shorter",
            )
            for n in range(CREDITS)
        ],
        batch_size=BATCH,
    )
    progress.step(CREDITS)
    credits = list(ClassCreditCompensation.objects.values_list("id", flat=True))
    span = timedelta(days=SPAN_DAYS)
    CompensationUsage.objects.bulk_create(
        [
            CompensationUsage(
                credit_id=credits[n % CREDITS],
                minutes=rng.choice([10, 20, 30]),
                kind=rng.choice(["use", "use", "use", "restore", "expire"]),
                created_at=now - span * rng.random(),
            )
            for n in range(2 * CREDITS)
        ],
        batch_size=BATCH,
    )
    progress.step(2 * CREDITS)

    # created_at is auto_now_add (bulk_create sets it to now): spread it over the span in SQL.
    with connection.cursor() as cursor:
        for table in ("notifications_notification", "makeup_booking", "class_credit_compensation"):
            cursor.execute(
                f"UPDATE {table} SET created_at = created_at - INTERVAL (id * 7919 MOD %s) MINUTE",  # noqa: S608
                [SPAN_DAYS * 24 * 60],
            )
        cursor.execute(
            "ANALYZE TABLE waitlist, waitlist_waitlistoffer, notifications_notification, makeup_booking, "
            "class_credit_compensation, compensation_usage, courses_courseschedule"
        )
        cursor.fetchall()
    progress.done(f"{progress.count:,} rows")
    return {
        "schedules": SCHEDULES,
        "waitlist_entries": len(entries),
        "offers": len(offers),
        "notifications": len(notifications),
        "makeups": MAKEUPS,
        "credits": CREDITS,
        "ledger_rows": 2 * CREDITS,
    }


def main() -> None:
    on_scratch_database(DB_NAME, run)


def run() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from backoffice.dashboard import STUDIO_TZ, dashboard_figures

    call_command("migrate", verbosity=0)
    now = timezone.now()
    started = time.perf_counter()
    rows = build(now, random.Random(2026))
    build_seconds = round(time.perf_counter() - started, 1)
    date_to = timezone.localtime(now, STUDIO_TZ).date()
    date_from = date_to - timedelta(days=RANGE_DAYS - 1)

    dashboard_figures(date_from=date_from, date_to=date_to, now=now)  # warm up
    timings = []
    progress = Progress("dashboard_figures", total=RUNS)
    for _ in range(RUNS):
        begun = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            figures = dashboard_figures(date_from=date_from, date_to=date_to, now=now)
        timings.append(time.perf_counter() - begun)
        progress.step()
    progress.done(f"{RUNS} runs, p50 {statistics.median(timings) * 1000:.1f} ms")
    query_count = len(queries)  # read now: the page requests below reset Django's query log
    slowest = sorted(
        ({"ms": round(float(query["time"]) * 1000, 1), "sql": query["sql"][:160]} for query in queries),
        key=lambda row: -row["ms"],
    )[:4]

    staff = User.objects.create(username="bench-operator", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    url = f"/admin/dashboard/?date_from={date_from}&date_to={date_to}"
    assert client.get(url).status_code == 200  # warm up
    page_timings = []
    progress = Progress("admin page", total=RUNS)
    for _ in range(RUNS):
        begun = time.perf_counter()
        response = client.get(url)
        page_timings.append(time.perf_counter() - begun)
        assert response.status_code == 200
        progress.step()
    progress.done(f"{RUNS} requests, p50 {statistics.median(page_timings) * 1000:.1f} ms")

    def ms(values: list[float]) -> dict:
        ordered = sorted(values)
        return {
            "min_ms": round(ordered[0] * 1000, 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1),
        }

    shown = {key: value for key, value in figures.items() if key not in ("series", "date_from", "date_to")}
    result = {
        "benchmark": "dashboard",
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "database": "MariaDB " + connection.cursor().connection.get_server_info().split("-")[0],
        "rows": rows,
        "build_seconds": build_seconds,
        "range": f"{date_from} .. {date_to} ({RANGE_DAYS} days)",
        "runs": RUNS,
        "queries": query_count,
        "dashboard_figures": ms(timings),
        "admin_page": ms(page_timings),
        "slowest_queries": slowest,
        "figures": shown,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "dashboard.json").write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
    slow_rows = "".join(f"| {row['ms']} ms | {row['sql'][:110].replace('`', '')}… |\n" for row in slowest)
    figures_rows = "".join(f"| {key} | {value} |\n" for key, value in shown.items())
    rows_text = ", ".join(f"{value:,} {key.replace('_', ' ')}" for key, value in rows.items())
    (out / "dashboard.md").write_text(
        f"# Operators' dashboard over {rows['waitlist_entries']:,} waitlist entries\n\n"
        f"{result['date']} · {result['machine']} · {result['database']}, in-process\n\n"
        f"Data: {rows_text}. Range: {result['range']}, {RUNS} runs.\n\n"
        f"| what | queries | min | p50 | max |\n|---|---|---|---|---|\n"
        f"| `dashboard_figures` | {query_count} | {result['dashboard_figures']['min_ms']} ms | "
        f"{result['dashboard_figures']['p50_ms']} ms | {result['dashboard_figures']['max_ms']} ms |\n"
        f"| admin page `/admin/dashboard/` | — | {result['admin_page']['min_ms']} ms | "
        f"{result['admin_page']['p50_ms']} ms | {result['admin_page']['max_ms']} ms |\n\n"
        f"No index leads with `waitlist.joined_at`/`ended_at`, `waitlist_waitlistoffer.released_at` or the "
        f"`created_at` of notifications, make-ups and credits, so each aggregate scans its table once.\n\n"
        f"Slowest queries of the last run:\n\n| time | query |\n|---|---|\n{slow_rows}\n"
        f"Figures of the range:\n\n| figure | value |\n|---|---|\n{figures_rows}"
    )
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
