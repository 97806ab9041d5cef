"""Benchmark: GET makeup/available over 10,000 schedules (MariaDB), filtering and ordering in SQL.

Times the endpoint in-process (Django test client, production-like settings) for the default
search and with filters; reports p50/p95 latency and queries per request.

    make bench-makeup-search      # writes bench/results/makeup_search.json and .md
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from core.progress import Progress  # noqa: E402  (imports nothing from Django)

DB_NAME = "bench_makeup"
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"mysql://root@127.0.0.1:3306/{DB_NAME}",
        "LOG_LEVEL": "WARNING",
    }
)
SCHEDULES = 10_000


def main() -> None:
    subprocess.run(
        [
            "mariadb",
            "-uroot",
            "-h127.0.0.1",
            "-e",
            f"DROP DATABASE IF EXISTS {DB_NAME}; CREATE DATABASE {DB_NAME} CHARACTER SET utf8mb4",
        ],
        check=True,
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import Profile, User
    from courses.models import Booking, Course, CourseSchedule, CourseType
    from flows.booking import booking_create, booking_leave

    call_command("migrate", verbosity=0)
    now = timezone.now()
    regular = CourseType.objects.create(code="regular", name="常规班", waitlist_capacity=8)
    vip = CourseType.objects.create(code="vip", name="VIP小班", waitlist_capacity=5)
    courses = [
        Course.objects.create(
            name=f"课程{kind.code}{level}-{minutes}", course_type=kind, level=level, duration_minutes=minutes, price=180
        )
        for kind in (regular, vip)
        for level in (1, 2, 3)
        for minutes in (60, 90, 120)
    ]
    coaches, venues = ["王教练", "李教练", "张教练", "赵教练"], ["朝阳馆", "海淀馆", "通州馆"]
    # In rows, stepped after each table's insert: the classes, then 6 filler bookings in every fifth class.
    progress = Progress("data set", total=SCHEDULES + 6 * len(range(0, SCHEDULES, 5)))
    start = now + timedelta(days=1)
    CourseSchedule.objects.bulk_create(
        [
            CourseSchedule(
                course=courses[n % len(courses)],
                starts_at=start + timedelta(minutes=97 * n),
                ends_at=start + timedelta(minutes=97 * n + courses[n % len(courses)].duration_minutes),
                capacity=6,
                coach=coaches[n % 4],
                venue=venues[n % 3],
            )
            for n in range(SCHEDULES)
        ],
        batch_size=1000,
    )
    progress.step(SCHEDULES)
    filler_owner = User.objects.create(username="filler")
    fillers = Profile.objects.bulk_create([Profile(owner=filler_owner, name=f"f{n}") for n in range(6)])
    full = list(CourseSchedule.objects.order_by("id").values_list("id", flat=True)[::5])  # every fifth class is full
    Booking.objects.bulk_create(
        [Booking(profile=p, schedule_id=sid, active=True) for sid in full for p in fillers], batch_size=2000
    )
    progress.step(len(full) * len(fillers))
    progress.done(f"{SCHEDULES:,} classes, {len(full):,} of them full")
    parent = User.objects.create(username="parent", wechat_openid="o-parent")
    profile = Profile.objects.create(owner=parent, name="乐乐", level=2)
    original = CourseSchedule.objects.filter(course__course_type=regular, course__level=2).exclude(pk__in=full).first()
    makeup_id = booking_leave(booking_id=booking_create(profile=profile, schedule_id=original.pk).pk).makeup_id
    client = Client(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(parent).access_token}")

    searches = {
        "default (same level, not full)": f"makeup_id={makeup_id}",
        "lower levels + full": f"makeup_id={makeup_id}&include_lower_levels=true&include_full=true",
        "coach + weekday + afternoon": f"makeup_id={makeup_id}&coach=王教练&weekday=3&time_of_day=afternoon",
        "date range, page 5": f"makeup_id={makeup_id}&date_from={(now + timedelta(days=100)).date()}"
        f"&date_to={(now + timedelta(days=200)).date()}&page=5",
        "redeem (any type)": f"profile_id={profile.pk}&redeem=true",
    }
    results = {}
    progress = Progress("searches", total=len(searches))
    for label, query in searches.items():
        url = f"/api/v1/makeup/available?{query}"
        client.get(url)  # warm up
        timings = []
        for _ in range(20):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.content[:300]
        data = response.json()["data"]
        results[label] = {
            "matches": data["count"],
            "items_on_page": len(data["items"]),
            "queries": len(queries),
            "p50_ms": round(statistics.median(timings) * 1000, 1),
            "p95_ms": round(sorted(timings)[18] * 1000, 1),
        }
        progress.step()
    progress.done(
        f"{len(searches)} searches × 20 requests, slowest p50 {max(r['p50_ms'] for r in results.values())} ms"
    )
    result = {
        "benchmark": "makeup_search",
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "schedules": SCHEDULES,
        "database": "MariaDB 10.11",
        "searches": results,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "makeup_search.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    rows = "".join(
        f"| {label} | {r['matches']:,} | {r['queries']} | {r['p50_ms']} ms | {r['p95_ms']} ms |\n"
        for label, r in results.items()
    )
    (out / "makeup_search.md").write_text(
        f"# Make-up search over {SCHEDULES:,} schedules\n\n"
        f"{result['date']} · {result['machine']} · MariaDB, in-process\n\n"
        f"| search | matches | queries | p50 | p95 |\n|---|---|---|---|---|\n{rows}"
    )
    print(json.dumps(result, ensure_ascii=False, indent=2))
    subprocess.run(["mariadb", "-uroot", "-h127.0.0.1", "-e", f"DROP DATABASE IF EXISTS {DB_NAME}"], check=False)


if __name__ == "__main__":
    main()
