"""Where an endpoint's time goes: the load benchmark's data, the endpoints called in-process
(production settings, MariaDB, Redis), each N times; per endpoint the mean wall time, the SQL
time and query count, and optionally a pyinstrument profile.

    .venv/bin/python bench/profile_endpoints.py [--repeat 200] [--profile "GET schedules"]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402  (sets the environment before Django starts)

from core.progress import Progress  # noqa: E402  (load put the project root on sys.path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile", help="endpoint label to profile with pyinstrument")
    parser.add_argument("--reuse", action="store_true", help="use the data a previous run left")
    parser.add_argument("--only", help="just this endpoint label")
    parser.add_argument("--warm", action="store_true", help="measure repeated requests (hot reads from the cache)")
    args = parser.parse_args()
    data = load.setup_data(reuse=args.reuse)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    users, tokens, schedules, makeup_of = data["users"], data["tokens"], data["schedules"], data["makeup_of"]
    with_makeup = [i for i, p in enumerate(users) if p.pk in makeup_of]
    # A step per endpoint, after its requests: nothing is added inside the measured (or profiled) loop.
    chosen = [label for label in data["endpoints"] if not args.only or args.only == label]
    progress = Progress("endpoints", total=len(chosen))
    for label, (method, path) in data["endpoints"].items():
        if args.only and args.only != label:
            continue
        walls, sqls, counts = [], [], []
        profiler = None
        if args.profile == label:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
        for n in range(-args.repeat if args.warm else 0, args.repeat):
            if n == 0 and profiler is not None:
                profiler.start()  # the measured requests only
            i = with_makeup[n % len(with_makeup)] if label == "GET makeup/available" else n % len(users)
            client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[i]}", HTTP_HOST="127.0.0.1")
            url = path.replace("{profile}", str(users[i].pk))
            if label == "GET makeup/available":
                url = f"/api/v1/makeup/available?makeup_id={makeup_of[users[i].pk]}"
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                if method == "GET":
                    response = client.get(url)
                else:
                    response = client.post(
                        url,
                        {"course_schedule_id": schedules[n % 1000].pk, "profile_id": users[i].pk},
                        content_type="application/json",
                    )
                if n >= 0:
                    walls.append(time.perf_counter() - started)
            assert response.status_code < 500, response.content[:300]
            if n >= 0:
                sqls.append(sum(float(q["time"]) for q in ctx.captured_queries))
                counts.append(len(ctx.captured_queries))
        if profiler is not None:
            profiler.stop()
            out = Path(load.ROOT, "bench", "results", "profile.html")
            out.write_text(profiler.output_html())
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        print(
            f"{label:28} wall {statistics.mean(walls) * 1000:6.2f} ms  p50 {statistics.median(walls) * 1000:6.2f}  "
            f"sql {statistics.mean(sqls) * 1000:6.2f} ms  queries {statistics.mean(counts):.1f}"
        )
        progress.step()
    progress.done(f"{len(chosen)} endpoints × {args.repeat} requests" + (", warm" if args.warm else ""))


if __name__ == "__main__":
    main()
