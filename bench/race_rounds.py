"""Race rounds (issue 8): randomized rounds of real threads on one full class, invariants after each.

A round: a class with 2..6 seats, all booked, and 3..12 waiting entries (sometimes one of them a
make-up waiting with `use_compensation`; 40 % with 自动递补), 0..2 of its seats already released into
offers; a full class overlapping it (half of those children wait there too) and one with free seats; a child
with owed make-ups and a small compensation balance (sometimes one make-up already booked with
it). Then 8..20 threads released by one barrier do a random mix of: respond (accept / start /
decline) on waiting entries, join (new profiles), cancel and leave of seats (of the overlapping class
too), a waiting child booking the free class next door (RULES §13), the offer sweeper with `now`
around the offers' deadlines, and make-up bookings spending the shared balance. Every call
gets an explicit `now`: the moment it "read the clock", as a request does before it waits for a lock.

After each round (and again after a final single-threaded sweep an hour later) the invariants are
checked: booked ≤ capacity; booked + open offers ≤ capacity; each claimed offer has exactly one
booking (kind waitlist/makeup) and one claimer; no waiting entry holds two open reservations and no
open reservation belongs to an entry that left; waiting positions are 1..n; no child is booked in two
overlapping classes nor waits for a class overlapping its seat; the ledger
(remaining = minutes − use + restore − expire − revoke, 0 ≤ remaining ≤ minutes, the history's last
balance = the sum); a make-up's net spend equals what its booking owes. Any exception other than a
4xx BusinessError is an unexpected error (a 503 `busy` is a 5xx too, counted separately).

    make bench-races                              # 1,000 rounds; bench/results/race_rounds.json and .md
    python bench/race_rounds.py --rounds 200 --seed 7

The round logic and the invariants live in tests/races/rounds.py (`run_rounds`, `check_invariants`):
the CI test tests/drills/test_race_rounds.py runs a few rounds; this script runs many on their own
database and writes the report. bench imports tests, never the reverse.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
DB_NAME = "bench_races"
# --- the benchmark ---------------------------------------------------------------------------


def _markdown(result: dict) -> str:
    rows = "".join(
        f"| {label} | {sum(c.values()):,} | {', '.join(f'{k} {v}' for k, v in c.items())} |\n"
        for label, c in result["outcomes"].items()
    )
    samples = "".join(f"- `{s[:300]}`\n" for s in result["violation_samples"] + result["unexpected_samples"])
    return (
        f"# Race rounds\n\n{result['date']} · {result['machine']} · {result['database']}, in-process threads\n\n"
        f"| rounds | operations | violations | unexpected exceptions | of which 503 busy | hung threads | seconds |\n"
        f"|---|---|---|---|---|---|---|\n"
        f"| {result['rounds']:,} | {result['operations']:,} | {result['violations']} | "
        f"{result['unexpected_exceptions']} | "
        f"{result['busy_503']} | {result['hung_threads']} | {result['seconds']} |\n\n"
        f"Seed {result['seed']}. Each round: one class (2..6 seats) full, 3..12 waiting, 0..2 seats already offered; "
        "8..20 threads behind one barrier. Invariants are checked after the threads and again after a sweep "
        "an hour later.\n\n"
        f"自动递补 booked {result.get('auto_booked_entries', 0)} entries; "
        f"{result.get('conflict_ended_entries', 0)} waiting entries ended for a time conflict (RULES §13).\n\n"
        f"Lock conflicts retried by `core.db.retry_on_deadlock` (service, MySQL error): "
        f"{', '.join(f'{k}: {v}' for k, v in sorted(result['lock_conflicts_retried'].items())) or 'none'}.\n\n"
        f"| operation | calls | answers |\n|---|---|---|\n{rows}" + (f"\n## Samples\n\n{samples}" if samples else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default="race_rounds", help="file name under bench/results/ (without extension)")
    args = parser.parse_args()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": f"mysql://root@127.0.0.1:3306/{DB_NAME}",
            "LOG_LEVEL": "ERROR",
            "CELERY_BROKER_URL": "memory://",  # outbox rows are written and enqueued; delivery is not raced here
            "NOTIFICATION_BACKEND": "locmem",
        }
    )
    os.environ.pop("REDIS_URL", None)
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
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from tests.races.rounds import run_rounds  # the round logic and its invariants live with the tests

        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT VERSION()")
            version = cursor.fetchone()[0]
        print(f"Race rounds: {args.rounds} rounds, seed {args.seed}", file=sys.stderr, flush=True)
        result = {
            "benchmark": "race_rounds",
            "date": datetime.now().isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "database": f"MariaDB {version.split('-')[0]}",
            **run_rounds(args.rounds, args.seed, progress=max(1, args.rounds // 20)),
        }
        out = ROOT / "bench" / "results"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{args.output}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        (out / f"{args.output}.md").write_text(_markdown(result))
        print(json.dumps({k: v for k, v in result.items() if k != "outcomes"}, ensure_ascii=False, indent=2))
        failed = result["violations"] or result["unexpected_exceptions"] or result["hung_threads"]
    finally:
        subprocess.run(["mariadb", "-uroot", "-h127.0.0.1", "-e", f"DROP DATABASE IF EXISTS {DB_NAME}"], check=False)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
