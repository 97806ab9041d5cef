"""Benchmark: contention for one seat, and the sweeper under load (issue 4).

1. The app under gunicorn (production settings) on MariaDB + Redis; 200 parents notified of one freed
   seat all press 确认 at once (200 threads, one barrier): winners (must be 1), answers by error
   code, p50/p95/max latency; beside it, 20 uncontended accepts one after another.
2. The offer sweeper over 10,000 overdue offers (2,000 classes × 5 offers, 6 waiting parents each):
   seconds until every offer has handed over, and offers per second.

    make bench-waitlist      # writes bench/results/waitlist_contention.json and .md
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from core.progress import Progress  # noqa: E402  (imports nothing from Django)

DB_NAME = "bench_waitlist"
REDIS = "redis://127.0.0.1:6379/11"
PORT = 8765
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-that-is-long-enough-for-hs256",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SSL_REDIRECT": "0",  # plain HTTP on the loopback (production redirects to HTTPS)
        "DATABASE_URL": f"mysql://root@127.0.0.1:3306/{DB_NAME}",
        "REDIS_URL": REDIS,
        "WECHAT_APPID": "wx-bench",
        "WECHAT_SECRET": "wx-bench-secret",
        "THROTTLE_RATE_WRITE": "100000/min",
        "LOG_LEVEL": "WARNING",
    }
)


CLASSES, OFFERS, WAITING = 2000, 5, 6  # the sweeper's load: 10,000 overdue offers


def pct(values, p):
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


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
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    import django

    django.setup()
    import requests
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import Profile, User
    from courses.models import Booking, Course, CourseSchedule, CourseType
    from flows.booking import booking_cancel
    from waitlist import services
    from waitlist.models import WaitlistEntry, WaitlistOffer

    call_command("migrate", verbosity=0)
    now = timezone.now()
    kind = CourseType.objects.create(code="regular", name="常规班", waitlist_capacity=250)
    course = Course.objects.create(name="少儿体能", course_type=kind, level=2, duration_minutes=60, price=180)

    def full_class(starts_at, capacity=6):
        schedule = CourseSchedule.objects.create(
            course=course, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), capacity=capacity
        )
        holders = Profile.objects.bulk_create([Profile(owner=owner, name="占位") for owner in [seat_owner] * capacity])
        Booking.objects.bulk_create([Booking(profile=p, schedule=schedule, active=True) for p in holders])
        return schedule

    seat_owner = User.objects.create(username="holder")
    parents = User.objects.bulk_create([User(username=f"p{n}", wechat_openid=f"o{n}") for n in range(200)])
    profiles = Profile.objects.bulk_create([Profile(owner=user, name=f"孩子{n}") for n, user in enumerate(parents)])

    # 1. Contention: 200 waiting, one seat freed, 200 accepts at once.
    hot = full_class(now + timedelta(days=2))
    WaitlistEntry.objects.bulk_create(
        [
            WaitlistEntry(profile=p, schedule=hot, joined_at=now + timedelta(microseconds=i), active=True)
            for i, p in enumerate(profiles)
        ]
    )
    booking_cancel(booking_id=hot.bookings.first().pk)
    entries = {e.profile_id: e.pk for e in WaitlistEntry.objects.filter(schedule=hot)}
    tokens = {p.pk: str(RefreshToken.for_user(p.owner).access_token) for p in profiles}

    # Baseline classes: one waiting parent each, one freed seat each.
    baseline = []
    progress = Progress("baseline classes", total=20)
    for n in range(20):
        schedule = full_class(now + timedelta(days=3, hours=2 * n))
        entry = WaitlistEntry.objects.create(profile=profiles[n], schedule=schedule, active=True)
        booking_cancel(booking_id=schedule.bookings.first().pk)
        baseline.append((profiles[n], entry.pk))
        progress.step()
    progress.done(f"{len(baseline)} full classes, one seat freed in each")

    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            "4",
            "-k",
            "gthread",
            "--threads",
            "16",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)

        def accept(profile_id, entry_id, session):
            started = time.perf_counter()
            response = session.put(
                f"{base}/api/v1/waitlist/{entry_id}/respond",
                json={"action": "accept"},
                headers={"Authorization": f"Bearer {tokens[profile_id]}"},
                timeout=120,
            )
            body = response.json()
            return time.perf_counter() - started, response.status_code, body.get("error", "ok")

        uncontended = []
        progress = Progress("uncontended accepts", total=len(baseline))
        with requests.Session() as session:
            for profile, entry_id in baseline:
                seconds, status, _ = accept(profile.pk, entry_id, session)
                assert status == 200, status
                uncontended.append(seconds)
                progress.step()  # after the request's own timing
        progress.done(f"{len(uncontended)} accepts, p50 {ms(statistics.median(uncontended))} ms")

        barrier = threading.Barrier(len(profiles))
        results = []
        lock = threading.Lock()

        def racer(profile):
            with requests.Session() as session:
                barrier.wait()
                outcome = accept(profile.pk, entries[profile.pk], session)
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=racer, args=(p,)) for p in profiles]
        # No step while the threads race (that is the wall time): the summary line once all have answered.
        progress = Progress("concurrent accepts", total=len(threads))
        wall = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - wall
        accepted = sum(status == 200 for _, status, _ in results)
        progress.done(f"{len(results)} answers to {len(threads)} requests at once, {accepted} accepted")
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)

    latencies = [r[0] for r in results]
    by_answer: dict[str, int] = {}
    for _, status, error in results:
        by_answer[f"{status} {error}"] = by_answer.get(f"{status} {error}", 0) + 1
    booked = Booking.objects.filter(schedule=hot, status="booked").count()
    contention = {
        "requests": len(results),
        "winners": by_answer.get("200 ok", 0),
        "answers": by_answer,
        "errors_5xx": sum(n for key, n in by_answer.items() if key.startswith("5")),
        "seats_booked_after": booked,
        "capacity": hot.capacity,
        "wall_seconds": round(wall, 2),
        "latency_ms": {"p50": ms(pct(latencies, 50)), "p95": ms(pct(latencies, 95)), "max": ms(max(latencies))},
        "uncontended_accept_ms": {"p50": ms(statistics.median(uncontended)), "max": ms(max(uncontended))},
    }

    # 2. Sweeper over 10,000 overdue offers.
    sweep_start = now + timedelta(days=5)
    # In rows, stepped after each table's insert: classes, their waiting entries, their overdue offers.
    progress = Progress("sweeper data set", total=CLASSES * (1 + WAITING + OFFERS))
    schedules = CourseSchedule.objects.bulk_create(
        [
            CourseSchedule(
                course=course,
                starts_at=sweep_start + timedelta(minutes=n),
                ends_at=sweep_start + timedelta(minutes=n + 60),
                capacity=6,
            )
            for n in range(CLASSES)
        ]
    )
    progress.step(len(schedules))
    WaitlistEntry.objects.bulk_create(
        [
            WaitlistEntry(profile=profiles[(n * WAITING + k) % len(profiles)], schedule=s, joined_at=now, active=True)
            for n, s in enumerate(schedules)
            for k in range(WAITING)
        ]
    )
    progress.step(len(schedules) * WAITING)
    past = now - timedelta(minutes=20)
    WaitlistOffer.objects.bulk_create(
        [
            WaitlistOffer(schedule=s, released_at=past, deadline=past + timedelta(minutes=15), phase_started_at=past)
            for s in schedules
            for _ in range(OFFERS)
        ]
    )
    progress.step(len(schedules) * OFFERS)
    progress.done(f"{progress.count:,} rows")
    overdue = WaitlistOffer.objects.filter(status="open", deadline__lt=now, schedule__in=schedules).count()
    progress = Progress("sweeper", total=CLASSES)  # classes caught up; a step per run of 200 costs nothing
    started = time.perf_counter()
    runs = 0
    while caught_up := services.waitlist_offers_sweep(batch=200):
        runs += 1
        progress.step(caught_up)
    sweep_seconds = time.perf_counter() - started
    progress.done(f"{overdue:,} overdue offers in {runs} runs of 200 classes, {overdue / sweep_seconds:.0f} offers/s")
    reserved = WaitlistOffer.objects.filter(schedule__in=schedules, phase="reserved", status="open").count()
    sweeper = {
        "overdue_offers": overdue,
        "classes": CLASSES,
        "runs_of_200_classes": runs,
        "seconds": round(sweep_seconds, 2),
        "offers_per_second": round(overdue / sweep_seconds, 1),
        "handed_over": reserved,
        "left_overdue": WaitlistOffer.objects.filter(
            status="open", deadline__lt=timezone.now(), phase="broadcast"
        ).count(),
    }

    result = {
        "benchmark": "waitlist_contention",
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "setup": (
            "gunicorn 4 workers x 16 threads (gthread), production settings, MariaDB 10.11, Redis; "
            "client on the same machine"
        ),
        "contention_200_accepts_one_seat": contention,
        "sweeper_10000_overdue_offers": sweeper,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "waitlist_contention.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    c, s = contention, sweeper
    (out / "waitlist_contention.md").write_text(
        f"# Waitlist contention and sweeper\n\n{result['date']} · {result['machine']}\n\n{result['setup']}.\n\n"
        "## 200 concurrent accepts for one seat\n\n"
        "| winners | answers | 5xx | booked/capacity | p50 | p95 | max | uncontended p50 |\n"
        "|---|---|---|---|---|---|---|---|\n"
        f"| {c['winners']} | {c['answers']} | {c['errors_5xx']} | {c['seats_booked_after']}/{c['capacity']} | "
        f"{c['latency_ms']['p50']} ms | {c['latency_ms']['p95']} ms | {c['latency_ms']['max']} ms | "
        f"{c['uncontended_accept_ms']['p50']} ms |\n\n"
        f"## Sweeper over {s['overdue_offers']:,} overdue offers\n\n"
        "| classes | seconds | offers/s | handed over | left overdue |\n"
        "|---|---|---|---|---|\n"
        f"| {s['classes']:,} | {s['seconds']} | {s['offers_per_second']} | {s['handed_over']:,} | "
        f"{s['left_overdue']} |\n"
    )
    print(json.dumps(result, ensure_ascii=False, indent=2))
    subprocess.run(["mariadb", "-uroot", "-h127.0.0.1", "-e", f"DROP DATABASE IF EXISTS {DB_NAME}"], check=False)
    redis.Redis.from_url(REDIS).flushdb()
    ok = (
        c["winners"] == 1
        and c["errors_5xx"] == 0
        and c["seats_booked_after"] <= c["capacity"]
        and s["left_overdue"] == 0
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
