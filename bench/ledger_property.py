"""The ledger's property test at full strength: 10,000 random histories of leave / book shorter /
book longer / cancel / expire / adjust, each checked against RULES §7's invariants at every step.

    make bench-ledger      # writes bench/results/ledger_property.json and .md (about 45 minutes on 2 cores)
"""

import json
import os
import platform
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from core.progress import Progress  # noqa: E402  (imports nothing from Django)


def main() -> None:
    env = {**os.environ, "HYPOTHESIS_PROFILE": "bench"}
    # One pytest run, one test: nothing to count while it runs, so a line now and the summary at the end.
    print("Ledger property test: 10,000 examples, about 45 minutes on 2 cores", file=sys.stderr, flush=True)
    progress = Progress("ledger property test", total=1)
    started = time.monotonic()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/compensation/test_ledger_properties.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    summary = (re.findall(r"^=*\s*(\d+ (?:passed|failed).*?)\s*=*$", run.stdout, re.MULTILINE) or [run.stdout[-300:]])[
        -1
    ]
    outcome = re.sub(r" in [\d.]+s\b.*", "", " ".join(summary.split()))  # the done line gives the time
    progress.done(f"{outcome} (pytest exit code {run.returncode})")
    result = {
        "benchmark": "ledger_property",
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "database": os.environ.get("DATABASE_URL", "sqlite (embedded default)").split("@")[-1],
        "examples": 10_000,
        "steps_per_example": 15,
        "seconds": round(seconds, 1),
        "pytest": summary,
        "invariant_violations": 0 if run.returncode == 0 else "see pytest output",
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "ledger_property.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    (out / "ledger_property.md").write_text(
        f"# Ledger property test at full strength\n\n{result['date']} · {result['machine']} · {result['database']}\n\n"
        f"| examples | steps each | seconds | result | violations |\n|---|---|---|---|---|\n"
        f"| {result['examples']:,} | {result['steps_per_example']} | {result['seconds']} | {summary} | "
        f"{result['invariant_violations']} |\n"
    )
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if run.returncode:
        print(run.stdout[-5000:])
    sys.exit(run.returncode)


if __name__ == "__main__":
    main()
