"""Benchmark: how the reads' cost grows with the data (issue 19).

Two data sets on MariaDB, each in a database of its own: 1× (1,000 classes, 20,000 bookings, 5,000
waiting entries, 2,000 families) and F× (F times as many of each; F = 100 by default: 100,000
classes, 2,000,000 bookings, 500,000 waiting entries). In both, the family whose lists are read has
the same rows of its own (10 bookings, 3 waiting entries, 20 messages, a credit), so a read that
costs more at F× pays for rows that are not its own. Each read runs in-process through Django's test
client (no HTTP server: the database's share is what grows), without the hot-read cache, 5 times to
warm up and then `--requests` times; p95 at both sizes and their ratio. Goal: p95(F×) ≤ 1.5 ×
p95(1×) for every read.

    .venv/bin/python bench/growth.py [--factor 100] [--requests 60]

Writes bench/results/growth.json and .md. Building the 100× set takes several minutes.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from core.progress import Progress  # noqa: E402  (imports nothing from Django)

READS = [
    ("GET schedules", "/api/v1/schedules"),
    ("GET schedules (level 2, a week)", "/api/v1/schedules?level=2&date_from={week_from}&date_to={week_to}"),
    ("GET waitlist/my", "/api/v1/waitlist/my"),
    ("GET bookings/my upcoming", "/api/v1/bookings/my?when=upcoming"),
    ("GET makeup/my", "/api/v1/makeup/my"),
    ("GET makeup/available (redeem)", "/api/v1/makeup/available?profile_id={child}&redeem=true"),
    ("GET compensation/balance", "/api/v1/compensation/balance?profile_id={child}"),
    ("GET compensation/history", "/api/v1/compensation/history?profile_id={child}"),
    ("GET notifications", "/api/v1/notifications"),
]
BASE = {"classes": 1000, "families": 2000, "bookings_per_class": 20, "waiting_per_class": 5}
BATCH = 10_000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def build(factor: int) -> dict:
    """The data set of one size in the current database; the measured family's ids."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Profile, User
    from compensation.models import ClassCreditCompensation
    from courses.models import Booking, Course, CourseSchedule, CourseType
    from notifications.models import Notification
    from waitlist.models import WaitlistEntry

    call_command("migrate", verbosity=0)
    now = timezone.now()
    classes, families = BASE["classes"] * factor, BASE["families"] * factor
    kind = CourseType.objects.create(code="regular", name="常规班", waitlist_capacity=8)
    courses = [
        Course.objects.create(name=f"课程L{lvl}-{m}", course_type=kind, level=lvl, duration_minutes=m, price=180)
        for lvl in (1, 2, 3)
        for m in (60, 90, 120)
    ]
    rows = classes * (1 + BASE["bookings_per_class"] + BASE["waiting_per_class"]) + 2 * families
    progress = Progress(f"data set {factor}x", total=rows)
    start = now + timedelta(days=1)
    span = max(1, 60 * 24 * 60 // classes)  # the classes spread over 60 days, whatever their number
    schedule_ids = []
    for first in range(0, classes, BATCH):
        created = CourseSchedule.objects.bulk_create(
            [
                CourseSchedule(
                    course=courses[n % 9],
                    starts_at=start + timedelta(minutes=span * n),
                    ends_at=start + timedelta(minutes=span * n + courses[n % 9].duration_minutes),
                    capacity=BASE["bookings_per_class"],
                    coach=["王教练", "李教练", "张教练"][n % 3],
                    venue=["朝阳馆", "海淀馆"][n % 2],
                )
                for n in range(first, min(classes, first + BATCH))
            ]
        )
        schedule_ids += [schedule.pk for schedule in created]
        progress.step(len(created))
    profile_ids = []
    for first in range(0, families, BATCH):
        parents = User.objects.bulk_create(
            [User(username=f"p{n}", wechat_openid=f"o{n}") for n in range(first, min(families, first + BATCH))]
        )
        created = Profile.objects.bulk_create([Profile(owner=u, name="孩子", level=2) for u in parents])
        profile_ids += [profile.pk for profile in created]
        progress.step(2 * len(created))
    per_class = BASE["bookings_per_class"]
    for first in range(0, classes, BATCH // per_class):
        chunk = range(first, min(classes, first + BATCH // per_class))
        Booking.objects.bulk_create(
            [
                Booking(profile_id=profile_ids[(s * per_class + k) % families], schedule_id=schedule_ids[s])
                for s in chunk
                for k in range(per_class)
            ]
        )
        progress.step(len(chunk) * per_class)
    waiting = BASE["waiting_per_class"]
    for first in range(0, classes, BATCH // waiting):
        chunk = range(first, min(classes, first + BATCH // waiting))
        WaitlistEntry.objects.bulk_create(
            [
                WaitlistEntry(
                    profile_id=profile_ids[(s * per_class + per_class + k) % families],
                    schedule_id=schedule_ids[s],
                    joined_at=now,
                )
                for s in chunk
                for k in range(waiting)
            ]
        )
        progress.step(len(chunk) * waiting)
    progress.done(f"{rows:,} rows")

    # The family whose lists are read: the same rows of its own at every size.
    parent = User.objects.create(username="measured", wechat_openid="measured")
    child = Profile.objects.create(owner=parent, name="乐乐", level=2)
    step = classes // 20
    Booking.objects.bulk_create([Booking(profile=child, schedule_id=schedule_ids[n * step]) for n in range(10)])
    WaitlistEntry.objects.bulk_create(
        [WaitlistEntry(profile=child, schedule_id=schedule_ids[n * step + step // 2], joined_at=now) for n in range(3)]
    )
    Notification.objects.bulk_create(
        [Notification(user=parent, template="waitlist_closed", title="候补已截止", body="…") for _ in range(20)]
    )
    ClassCreditCompensation.objects.create(
        profile=child, minutes=30, remaining=30, source="adjustment", expires_at=now + timedelta(days=14)
    )
    with connection.cursor() as cursor:
        for table in ("courses_booking", "waitlist", "courses_courseschedule", "accounts_profile"):
            cursor.execute(f"ANALYZE TABLE {table}")
            cursor.fetchall()
    return {"parent": parent.pk, "child": child.pk}


def measure(ids: dict, requests: int) -> dict:
    from django.test import Client
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User

    token = RefreshToken.for_user(User.objects.get(pk=ids["parent"])).access_token
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    week_from = timezone.localdate() + timedelta(days=7)
    values = {"child": ids["child"], "week_from": week_from, "week_to": week_from + timedelta(days=6)}
    results = {}
    progress = Progress("reads", total=len(READS))
    for name, path in READS:
        url = path.format(**values)
        for _ in range(5):
            response = client.get(url)
            assert response.status_code == 200, (url, response.content[:200])
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(url)
            timings.append(time.perf_counter() - started)
        results[name] = {
            "p50_ms": round(percentile(timings, 50) * 1000, 1),
            "p95_ms": round(percentile(timings, 95) * 1000, 1),
        }
        progress.step()
    progress.done(f"{len(READS)} reads × {requests}")
    return results


def child(factor: int, requests: int, out: str) -> None:
    """Runs in its own process (its own database settings): build one size, measure, write JSON."""
    import django

    django.setup()
    started = time.perf_counter()
    ids = build(factor)
    built = time.perf_counter() - started
    Path(out).write_text(json.dumps({"build_seconds": round(built, 1), "reads": measure(ids, requests)}))


def run_size(factor: int, requests: int) -> dict:
    database = f"bench_growth_{factor}x"
    subprocess.run(
        [
            "mariadb",
            "-uroot",
            "-h127.0.0.1",
            "-e",
            f"DROP DATABASE IF EXISTS {database}; CREATE DATABASE {database} CHARACTER SET utf8mb4",
        ],
        check=True,
    )
    out = Path(tempfile.gettempdir()) / f"{database}.json"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"mysql://root@127.0.0.1:3306/{database}",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("REDIS_URL", None)  # no shared cache: hot reads off, every read goes to the database
    try:
        subprocess.run(
            [sys.executable, __file__, "--child", str(factor), "--requests", str(requests), "--out", str(out)],
            env=env,
            check=True,
        )
        return json.loads(out.read_text())
    finally:
        subprocess.run(["mariadb", "-uroot", "-h127.0.0.1", "-e", f"DROP DATABASE IF EXISTS {database}"], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factor", type=int, default=100, help="the big data set's size, in times the small one")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per read and size")
    parser.add_argument("--output", default="growth", help="results file name (without extension)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.requests, args.out)
        return

    small, big = run_size(1, args.requests), run_size(args.factor, args.requests)
    rows = []
    for name, _ in READS:
        p95_small, p95_big = small["reads"][name]["p95_ms"], big["reads"][name]["p95_ms"]
        rows.append(
            {
                "read": name,
                "p95_1x_ms": p95_small,
                f"p95_{args.factor}x_ms": p95_big,
                "ratio": round(p95_big / p95_small, 2),
            }
        )
    result = {
        "benchmark": "growth",
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "factor": args.factor,
        "requests": args.requests,
        "build_seconds": {"1x": small["build_seconds"], f"{args.factor}x": big["build_seconds"]},
        "reads": rows,
        "goal": "p95 at the big size <= 1.5 x p95 at 1x, for every read",
    }
    result["goal_met"] = all(row["ratio"] <= 1.5 for row in rows)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.output}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    lines = [
        f"# Growth: p95 of each read at 1x and {args.factor}x data",
        "",
        f"{result['date']} · {result['machine']}",
        "",
        f"MariaDB, in-process (Django test client), no hot-read cache, {args.requests} timed requests per read. "
        f"1x: {BASE['classes']:,} classes, {BASE['classes'] * BASE['bookings_per_class']:,} bookings, "
        f"{BASE['classes'] * BASE['waiting_per_class']:,} waiting entries; {args.factor}x: {args.factor} times "
        "as many. The measured family has the same rows of its own at both sizes.",
        "",
        f"| read | p95 at 1x | p95 at {args.factor}x | ratio (goal ≤ 1.5) |",
        "|---|---|---|---|",
        *(
            f"| {row['read']} | {row['p95_1x_ms']} ms | {row[f'p95_{args.factor}x_ms']} ms | "
            f"{row['ratio']}{'' if row['ratio'] <= 1.5 else ' (NOT met)'} |"
            for row in rows
        ),
        "",
    ]
    (out / f"{args.output}.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
