"""Benchmark: one Prometheus scrape of /metrics over 100,000 waiting entries (MariaDB).

RULES §16's business gauges are read from the database at each scrape; the goal is a scrape under
100 ms with 100,000 entries waiting. Builds its own database `bench_metrics`: 2,000 upcoming classes
with 50 waiting entries each (100,000 waiting, the worst case for the counts), 2,000 past classes
with 50 ended entries each (history the gauges must not read), 12,000 offers (400 open, 40 of them
overdue), 100,000 notifications over 30 days (1 in 50 failed), 5,000 make-ups and the worker's
heartbeat. Times 30 scrapes through Django's test client from loopback, EXPLAINs every query the
business gauges run, and measures the ceiling in the same run: the same number of `SELECT 1` round
trips, the least any scrape with that many queries can cost. Drops the database at the end.

    .venv/bin/python bench/metrics_scrape.py     # writes bench/results/metrics_scrape.json and .md
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

DB_NAME = "bench_metrics"
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"mysql://root@127.0.0.1:3306/{DB_NAME}",
        "LOG_LEVEL": "WARNING",
    }
)
CLASSES = 2_000  # upcoming, and as many past
ENTRIES_PER_CLASS = 50
PROFILES = 10_000
NOTIFICATIONS = 100_000
MAKEUPS = 5_000
RUNS = 30
GOAL_MS = 100.0
BATCH = 5_000


def build(now: datetime, rng: random.Random) -> dict:
    from django.db import connection

    from accounts.models import Profile, User
    from core.models import Heartbeat
    from courses.models import Booking, Course, CourseSchedule, CourseType
    from makeup.models import MakeupBooking
    from notifications.models import Notification
    from waitlist.models import WaitlistEntry, WaitlistOffer

    progress = Progress("data set", total=2 * CLASSES * (1 + ENTRIES_PER_CLASS) + 2 * PROFILES + NOTIFICATIONS)
    kind = CourseType.objects.create(code="regular", name="常规班", waitlist_capacity=60)
    courses = [
        Course.objects.create(name=f"课程{level}", course_type=kind, level=level, duration_minutes=60, price=180)
        for level in (1, 2, 3)
    ]
    step = timedelta(days=30) / CLASSES
    starts = [now - timedelta(days=30) + n * step for n in range(CLASSES)]  # past
    starts += [now + timedelta(hours=7) + n * step for n in range(CLASSES)]  # upcoming, after their cutoff
    CourseSchedule.objects.bulk_create(
        [
            CourseSchedule(
                course=courses[n % 3],
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                capacity=6,
                waitlist_capacity=50 if n % 10 == 0 else None,  # one in ten upcoming queues is full
            )
            for n, start in enumerate(starts)
        ],
        batch_size=BATCH,
    )
    progress.step(2 * CLASSES)
    classes = list(CourseSchedule.objects.order_by("starts_at").values_list("id", "starts_at"))
    User.objects.bulk_create([User(username=f"b{n}", wechat_openid=f"o-b-{n}") for n in range(PROFILES)], BATCH)
    owners = list(User.objects.order_by("id").values_list("id", flat=True))
    Profile.objects.bulk_create([Profile(owner_id=o, name=f"孩子{n}", level=2) for n, o in enumerate(owners)], BATCH)
    profiles = list(Profile.objects.order_by("id").values_list("id", "owner_id"))
    progress.step(2 * PROFILES)
    for index, (schedule_id, start) in enumerate(classes):
        upcoming = start > now
        WaitlistEntry.objects.bulk_create(
            [
                WaitlistEntry(
                    profile_id=profiles[(index * ENTRIES_PER_CLASS + k) % PROFILES][0],
                    schedule_id=schedule_id,
                    status="waiting" if upcoming else rng.choice(["booked", "closed", "cancelled", "expired"]),
                    joined_at=now - timedelta(days=3),
                    ended_at=None if upcoming else start - timedelta(hours=6),
                    active=True if upcoming else None,
                )
                for k in range(ENTRIES_PER_CLASS)
            ]
        )
        progress.step(ENTRIES_PER_CLASS + 1)
    offers = []
    for index, (schedule_id, start) in enumerate(classes):
        for k in range(3):
            if start > now and k == 0 and index % 5 == 0:  # 400 open, 40 of them overdue
                overdue = index % 50 == 0
                deadline = now - timedelta(seconds=30) if overdue else now + timedelta(minutes=10)
                offers.append(WaitlistOffer(schedule_id=schedule_id, status="open", deadline=deadline))
            else:
                closed = start - timedelta(hours=7)
                offers.append(
                    WaitlistOffer(schedule_id=schedule_id, status=rng.choice(["claimed", "lapsed"]), deadline=closed)
                )
    WaitlistOffer.objects.bulk_create(offers, batch_size=BATCH)
    rows = []
    for n in range(NOTIFICATIONS):
        profile_id, owner_id = profiles[n % PROFILES]
        failed = n % 50 == 0
        rows.append(
            Notification(
                user_id=owner_id,
                profile_id=profile_id,
                template="waitlist_seat_available",
                title="候补有名额了",
                body="…",
                wechat_status="failed" if failed else "sent",
                sms_status="failed" if failed and n % 100 == 0 else "not_needed",
            )
        )
    Notification.objects.bulk_create(rows, batch_size=BATCH)
    progress.step(NOTIFICATIONS)
    Booking.objects.bulk_create(
        [
            Booking(
                profile_id=profiles[n % PROFILES][0],
                schedule_id=classes[n % CLASSES][0],
                status="on_leave",
                active=None,  # only booked rows are active
            )
            for n in range(MAKEUPS)
        ],
        batch_size=BATCH,
    )
    left = list(Booking.objects.filter(status="on_leave").values_list("id", "profile_id"))
    MakeupBooking.objects.bulk_create(
        [
            MakeupBooking(
                profile_id=profile_id,
                original_booking_id=booking_id,
                original_minutes=60,
                status=rng.choice(["pending", "booked", "completed", "completed", "cancelled"]),
            )
            for booking_id, profile_id in left
        ],
        batch_size=BATCH,
    )
    Heartbeat.objects.create(name="worker", seen_at=now - timedelta(seconds=20))
    with connection.cursor() as cursor:
        # created_at and updated_at are set to now by bulk_create: spread them over 30 days in SQL.
        cursor.execute(
            "UPDATE notifications_notification SET created_at = created_at - INTERVAL (id * 7919 MOD 43200) MINUTE, "
            "updated_at = updated_at - INTERVAL (id * 7919 MOD 43200) MINUTE"
        )
        cursor.execute(
            "ANALYZE TABLE waitlist, waitlist_waitlistoffer, notifications_notification, makeup_booking, "
            "courses_courseschedule"
        )
        cursor.fetchall()
    progress.done(f"{progress.count:,} rows")
    return {
        "classes": 2 * CLASSES,
        "waiting_entries": CLASSES * ENTRIES_PER_CLASS,
        "history_entries": CLASSES * ENTRIES_PER_CLASS,
        "offers": len(offers),
        "notifications": NOTIFICATIONS,
        "makeups": MAKEUPS,
    }


def explain(sql: str) -> list[dict]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


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

    from backoffice.monitoring import monitoring_conditions

    call_command("migrate", verbosity=0)
    now = timezone.now()
    started = time.perf_counter()
    rows = build(now, random.Random(2026))
    build_seconds = round(time.perf_counter() - started, 1)

    client = Client()
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200  # warm up
    with CaptureQueriesContext(connection) as captured:
        state = monitoring_conditions(now=timezone.now())
    queries = [query["sql"] for query in captured]
    scrapes = []
    progress = Progress("scrapes", total=RUNS)
    for _ in range(RUNS):
        begun = time.perf_counter()
        response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
        scrapes.append(time.perf_counter() - begun)
        assert response.status_code == 200 and b"studio_waitlist_entries_waiting 100000.0" in response.content
        progress.step()
    progress.done(f"p50 {statistics.median(scrapes) * 1000:.1f} ms")
    ceilings = []
    with connection.cursor() as cursor:
        for _ in range(RUNS):
            begun = time.perf_counter()
            for _ in queries:
                cursor.execute("SELECT 1")
                cursor.fetchall()
            ceilings.append(time.perf_counter() - begun)

    per_query = []  # where a scrape's time goes: each gauge query alone, p50 over RUNS
    with connection.cursor() as cursor:
        for sql in queries:
            times = []
            for _ in range(RUNS):
                begun = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                times.append(time.perf_counter() - begun)
            per_query.append({"sql": sql, "p50_ms": round(statistics.median(times) * 1000, 2)})

    plans = []
    for sql in queries:
        for row in explain(sql):
            plans.append(
                {
                    "table": row.get("table"),
                    "type": row.get("type"),
                    "key": row.get("key"),
                    "rows": int(row["rows"]) if row.get("rows") is not None else None,
                    "extra": row.get("Extra"),
                }
            )

    def quantile(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    p50, p95 = statistics.median(scrapes) * 1000, quantile(scrapes, 0.95) * 1000
    ceiling = statistics.median(ceilings) * 1000
    result = {
        "benchmark": "metrics_scrape",
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "database": "MariaDB " + connection.cursor().connection.get_server_info().split("-")[0],
        "rows": rows,
        "build_seconds": build_seconds,
        "runs": RUNS,
        "gauge_queries": len(queries),
        "scrape_ms": {"p50": round(p50, 1), "p95": round(p95, 1), "max": round(max(scrapes) * 1000, 1)},
        "ceiling_ms": round(ceiling, 2),
        "p95_to_goal": round(p95 / GOAL_MS, 2),
        "p50_to_ceiling": round(p50 / ceiling, 1),
        "state": {key: value for key, value in vars(state).items()},
        "per_query": per_query,
        "plans": plans,
        "full_scans": [plan for plan in plans if plan["type"] == "ALL" and (plan["rows"] or 0) > 5_000],
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics_scrape.json").write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
    plan_rows = "".join(
        f"| {plan['table']} | {plan['type']} | {plan['key'] or '—'} | {plan['rows']} | {plan['extra'] or ''} |\n"
        for plan in plans
    )
    rows_text = ", ".join(f"{value:,} {key.replace('_', ' ')}" for key, value in rows.items())
    (out / "metrics_scrape.md").write_text(
        f"# /metrics scrape over {rows['waiting_entries']:,} waiting entries\n\n"
        f"{result['date']} · {result['machine']} · {result['database']}, in-process (Django test client)\n\n"
        f"Data: {rows_text}.\n\n"
        f"| what | p50 | p95 | max | goal | p95 / goal |\n|---|---|---|---|---|---|\n"
        f"| whole scrape (process series + {len(queries)} gauge queries) | {result['scrape_ms']['p50']} ms | "
        f"{result['scrape_ms']['p95']} ms | {result['scrape_ms']['max']} ms | {GOAL_MS:.0f} ms | "
        f"{result['p95_to_goal']} |\n\n"
        f"Ceiling measured in the same run: {len(queries)} `SELECT 1` round trips take {result['ceiling_ms']} ms "
        f"(p50); the scrape's p50 is {result['p50_to_ceiling']}× that.\n\n"
        f"Full scans of a table over 5,000 rows: {len(result['full_scans'])}.\n\n"
        f"Each gauge query alone (p50 of {RUNS}):\n\n| ms | query |\n|---|---|\n"
        + "".join(f"| {q['p50_ms']} | `{q['sql'][:160]}…` |\n" for q in per_query)
        + "\n"
        f"Plans of the gauge queries (EXPLAIN):\n\n| table | type | key | rows | extra |\n|---|---|---|---|---|\n"
        f"{plan_rows}"
    )
    print(
        json.dumps(
            {k: v for k, v in result.items() if k not in ("plans", "per_query")},
            ensure_ascii=False,
            indent=2,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
