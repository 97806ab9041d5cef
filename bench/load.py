"""Load benchmark: the app under gunicorn (2 workers per core, production settings) on MariaDB +
Redis with the demo data scaled up (1,000 classes, 20,000 bookings, 5,000 waiting entries), driven
by wrk on the same machine. For each endpoint: requests/s, p50/p90/p95/p99, and the ratio to the
framework's ceiling (a bare DRF endpoint, and a one-query one: the JWT user lookup), plus the
queries per request measured in-process. Goal: each endpoint ≥ 50 % of the one-query ceiling.

    make bench      # writes bench/results/load.json and .md
"""

import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from core.progress import Progress  # noqa: E402  (imports nothing from Django)

DB_NAME = "bench_load"
REDIS = "redis://127.0.0.1:6379/10"
PORT = 8766
DURATION = os.environ.get("LOAD_SECONDS", "15")
CONNECTIONS = os.environ.get("LOAD_CONNECTIONS", "32")
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "bench.settings",  # production settings + the ceiling endpoints
        "DJANGO_SECRET_KEY": "bench-only-secret-key-that-is-long-enough-for-hs256-signing",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SSL_REDIRECT": "0",
        "DATABASE_URL": f"mysql://root@127.0.0.1:3306/{DB_NAME}",
        "REDIS_URL": REDIS,
        "WECHAT_APPID": "wx-bench",
        "WECHAT_SECRET": "wx-bench-secret",
        "THROTTLE_RATE_WRITE": "1000000/min",
        "LOG_LEVEL": "ERROR",
    }
)

LUA = r"""
wrk.method = "%(method)s"
local tokens = {%(tokens)s}
local bodies = {%(bodies)s}
request = function()
  local i = math.random(#tokens)
  wrk.headers["Authorization"] = "Bearer " .. tokens[i]
  wrk.headers["Content-Type"] = "application/json"
  local path = string.gsub(wrk.path, "{profile}", profiles[i])
  if wrk.method == "POST" then
    return wrk.format("POST", path, nil, bodies[math.random(#bodies)] .. '"profile_id": ' .. profiles[i] .. '}')
  end
  return wrk.format(wrk.method, path)
end
profiles = {%(profiles)s}
statuses = {}
response = function(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
done = function(summary, latency, requests)
  io.write(string.format("JSON{\"p50\": %%f, \"p90\": %%f, \"p95\": %%f, \"p99\": %%f}\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def setup_data(reuse: bool = False) -> dict:
    """Creates the bench database with the scaled-up demo data; returns what the runs need.
    With reuse, takes the database a previous run left (bench/profile_endpoints.py --reuse)."""
    if reuse:
        return _existing_data()
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
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Profile, User
    from courses.models import Booking, Course, CourseSchedule, CourseType
    from flows.booking import booking_leave
    from waitlist.models import WaitlistEntry

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    now = timezone.now()
    kind = CourseType.objects.create(code="regular", name="常规班", waitlist_capacity=8)
    courses = [
        Course.objects.create(name=f"课程L{lvl}-{m}", course_type=kind, level=lvl, duration_minutes=m, price=180)
        for lvl in (1, 2, 3)
        for m in (60, 90, 120)
    ]
    # In rows, stepped after each table's insert: classes, parents and profiles, bookings, waiting entries.
    progress = Progress("data set", total=1000 + 2 * 2000 + 20 * 1000 + 5 * 1000)
    start = now + timedelta(days=1)
    schedules = CourseSchedule.objects.bulk_create(
        [
            CourseSchedule(
                course=courses[n % 9],
                starts_at=start + timedelta(minutes=131 * n),
                ends_at=start + timedelta(minutes=131 * n + courses[n % 9].duration_minutes),
                capacity=20,
                coach=["王教练", "李教练", "张教练"][n % 3],
                venue=["朝阳馆", "海淀馆"][n % 2],
            )
            for n in range(1000)
        ]
    )
    progress.step(len(schedules))
    parents = User.objects.bulk_create([User(username=f"p{n}", wechat_openid=f"o{n}") for n in range(2000)])
    progress.step(len(parents))
    profiles = Profile.objects.bulk_create([Profile(owner=u, name=f"孩子{n}", level=2) for n, u in enumerate(parents)])
    progress.step(len(profiles))
    # 20,000 bookings: 20 per class for the first 1,000 classes → every class full.
    Booking.objects.bulk_create(
        [
            Booking(profile=profiles[(s * 20 + k) % 2000], schedule=schedules[s], active=True)
            for s in range(1000)
            for k in range(20)
        ],
        batch_size=5000,
    )
    progress.step(20 * 1000)
    WaitlistEntry.objects.bulk_create(
        [
            WaitlistEntry(
                profile=profiles[(s * 7 + k + 1000) % 2000], schedule=schedules[s], joined_at=now, active=True
            )
            for s in range(1000)
            for k in range(5)
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    progress.step(5 * 1000)
    progress.done(f"{progress.count:,} rows")
    # A pending make-up for the profiles the load uses.
    users = profiles[:200]
    for profile in users[:50]:
        booking = Booking.objects.filter(profile=profile, status="booked").order_by("schedule__starts_at").first()
        booking_leave(booking_id=booking.pk)
    return _run_data(rng, schedules, users)


def _existing_data() -> dict:
    import django

    django.setup()
    from accounts.models import Profile
    from courses.models import CourseSchedule

    return _run_data(
        random.Random(7),
        list(CourseSchedule.objects.order_by("pk")),
        list(Profile.objects.select_related("owner").order_by("pk")[:200]),
    )


def _run_data(rng, schedules, users) -> dict:
    from rest_framework_simplejwt.tokens import RefreshToken

    from makeup.models import MakeupBooking

    makeup_of = {m.profile_id: m.pk for m in MakeupBooking.objects.filter(status="pending")}
    tokens = [str(RefreshToken.for_user(p.owner).access_token) for p in users]

    endpoints = {
        "bare DRF (no database)": ("GET", "/api/bench/bare"),
        "one-query DRF (JWT user)": ("GET", "/api/bench/one-query"),
        "GET schedules": ("GET", "/api/v1/schedules?profile_id={profile}"),
        "GET waitlist/my": ("GET", "/api/v1/waitlist/my?profile_id={profile}"),
        "GET makeup/available": ("GET", f"/api/v1/makeup/available?makeup_id={next(iter(makeup_of.values()))}"),
        "POST waitlist/join": ("POST", "/api/v1/waitlist/join"),
    }
    return {
        "rng": rng,
        "schedules": schedules,
        "users": users,
        "makeup_of": makeup_of,
        "tokens": tokens,
        "endpoints": endpoints,
    }


def main() -> None:
    data = setup_data()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    rng, schedules, users, makeup_of, tokens, endpoints = (
        data[k] for k in ("rng", "schedules", "users", "makeup_of", "tokens", "endpoints")
    )
    # Queries per request, in-process (production settings, the same data): the first request, and the
    # same request repeated (a hot read then comes from the cache; a repeated join is refused).
    client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[0]}", HTTP_HOST="127.0.0.1")
    queries = {}
    for label, (method, path) in endpoints.items():
        url = path.replace("{profile}", str(users[0].pk))
        counts = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as ctx:
                if method == "GET":
                    client.get(url)
                else:
                    client.post(
                        url,
                        {"course_schedule_id": schedules[3].pk, "profile_id": users[0].pk},
                        content_type="application/json",
                    )
            counts.append(len(ctx.captured_queries))
        queries[label] = " → ".join(map(str, counts)) if counts[0] != counts[1] else str(counts[0])

    joined_in = rng.sample(schedules, 50)
    join_bodies = ",".join(f"'{{\"course_schedule_id\": {s.pk}, '" for s in joined_in)
    # The mixed run joins other classes, with room in their queues: its joins commit.
    mixed_bodies = ",".join(f"'{{\"course_schedule_id\": {s.pk}, '" for s in schedules if s not in joined_in)

    def measure(label, method, path, mix_join=False):
        # makeup/available needs each parent's own make-up: use the profiles that have one.
        makeup = "makeup/available" in path
        usable = [p for p in users if not makeup or p.pk in makeup_of]
        use_tokens = [tokens[users.index(p)] for p in usable]
        lua = LUA % {
            "tokens": ",".join(f'"{t}"' for t in use_tokens),
            "profiles": ",".join(str(p.pk) for p in usable),
            "bodies": mixed_bodies if mix_join else join_bodies,
            "method": method,
        }
        if makeup:
            lua = lua.replace(
                'local path = string.gsub(wrk.path, "{profile}", profiles[i])',
                'local path = "/api/v1/makeup/available?makeup_id=" .. makeups[i]',
            )
            lua = "makeups = {" + ",".join(str(makeup_of[p.pk]) for p in usable) + "}\n" + lua
        if mix_join:  # one request in ten is a join: every join that commits makes the cached reads stale
            lua = lua.replace(
                'if wrk.method == "POST" then',
                'if math.random(10) == 1 then return wrk.format("POST", "/api/v1/waitlist/join", nil, '
                "bodies[math.random(#bodies)] .. '\"profile_id\": ' .. profiles[i] .. '}') end\n"
                '  if wrk.method == "POST" then',
            )
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(lua)
        run = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{CONNECTIONS}",
                f"-d{DURATION}s",
                "-s",
                script.name,
                "--latency",
                f"http://127.0.0.1:{PORT}{path}",
            ],
            capture_output=True,
            text=True,
        )
        os.unlink(script.name)
        out = run.stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        lat = json.loads(re.search(r"JSON(\{.*\})", out).group(1))
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        results[label] = {
            "rps": rps,
            "p50_ms": round(lat["p50"], 1),
            "p90_ms": round(lat["p90"], 1),
            "p95_ms": round(lat["p95"], 1),
            "p99_ms": round(lat["p99"], 1),
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "queries": queries.get(label, ""),
        }

    cores = os.cpu_count() or 2
    results = {}
    uncached = ("GET schedules", "GET waitlist/my", "GET makeup/available")
    # Each run takes LOAD_SECONDS: the endpoints and the mixed run with the cache on, then the reads with it off.
    runs = Progress("wrk runs", total=len(endpoints) + 1 + len(uncached))
    for hot_reads in ("30", "0"):
        gunicorn = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "config.wsgi",
                "-b",
                f"127.0.0.1:{PORT}",
                "-w",
                str(2 * cores),
                "--log-level",
                "error",
            ],
            cwd=ROOT,
            env={**os.environ, "HOT_READS_SECONDS": hot_reads},
        )
        try:
            import urllib.request

            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            if hot_reads != "0":
                for label, (method, path) in endpoints.items():
                    measure(label, method, path)
                    runs.step()
                from waitlist.models import WaitlistEntry

                before = WaitlistEntry.objects.count()
                measure("GET schedules, 1 in 10 a join", "GET", endpoints["GET schedules"][1], mix_join=True)
                results["GET schedules, 1 in 10 a join"]["joins_committed"] = WaitlistEntry.objects.count() - before
                runs.step()
            else:  # the same reads computed every time: what the query shapes alone give
                for label in uncached:
                    queries[f"{label}, cache off"] = queries[label].split(" → ")[0]
                    measure(f"{label}, cache off", *endpoints[label])
                    runs.step()
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)

    ceiling = results["one-query DRF (JWT user)"]["rps"]
    runs.done(f"{len(results)} runs of {DURATION} s, one-query ceiling {ceiling:.0f} req/s")
    for row in results.values():
        row["vs_one_query_ceiling"] = round(row["rps"] / ceiling, 2)
    result = {
        "benchmark": "load",
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "setup": f"gunicorn {2 * cores} sync workers, production settings, MariaDB 10.11, Redis; "
        f"wrk -t2 -c{CONNECTIONS} "
        f"-d{DURATION}s on the same machine; 1,000 classes, 20,000 bookings, 5,000 waiting entries",
        "endpoints": results,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "load.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    rows = "".join(
        f"| {label} | {r['rps']:.0f} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['queries']} | "
        f"{r['vs_one_query_ceiling']:.0%} | {r['non_2xx']} |\n"
        for label, r in results.items()
    )
    (out / "load.md").write_text(
        f"# Load benchmark\n\n{result['date']} · {result['machine']}\n\n{result['setup']}.\n\n"
        f"| endpoint | req/s | p50 ms | p95 ms | p99 ms | queries/req | vs one-query ceiling | non-2xx |\n"
        f"|---|---|---|---|---|---|---|---|\n{rows}\n"
        f"Goal: every endpoint ≥ 50 % of the one-query ceiling. Queries: the first request → the same "
        f"request repeated (hot reads come from the cache until a write or a deadline changes them; "
        f'core/hot_reads.py). "cache off" rows: the same reads with HOT_READS_SECONDS=0. POST waitlist/join '
        f"mostly answers 409 (already waiting, queue full): the refusals are its common case under load. "
        f"In the mixed run, {results['GET schedules, 1 in 10 a join'].get('joins_committed', 0)} joins committed "
        f"(each one ends every cached read); the rest were refused, which writes nothing.\n"
    )
    print((out / "load.md").read_text())
    subprocess.run(["mariadb", "-uroot", "-h127.0.0.1", "-e", f"DROP DATABASE IF EXISTS {DB_NAME}"], check=False)


if __name__ == "__main__":
    main()
