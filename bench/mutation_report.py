"""The mutation testing report (issue 20): killed and surviving mutants per module, from mutmut's
results in mutants/ (written by `make mutation`).

    .venv/bin/python bench/mutation_report.py      # writes bench/results/mutation.json and .md
"""

import json
import os
import platform
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^\s*(?P<mutant>(?P<module>[\w.]+?)\.x[_ǁ]\S*__mutmut_\d+): (?P<status>[\w ]+)$")


def results() -> list[tuple[str, str, str]]:
    """(module, mutant, status) of every mutant mutmut has a result for."""
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    output = subprocess.run([mutmut, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True, check=True)
    found = []
    for line in output.stdout.splitlines():
        match = LINE.match(line)
        if match:
            found.append((match["module"], match["mutant"], match["status"].strip()))
    return found


def main() -> None:
    rows = results()
    by_module: dict[str, Counter] = defaultdict(Counter)
    survivors: dict[str, list[str]] = defaultdict(list)
    for module, mutant, status in rows:
        by_module[module][status] += 1
        if status == "survived":
            survivors[module].append(mutant)
    statuses = sorted({status for _, _, status in rows} - {"not checked"})
    result = {
        "benchmark": "mutation",
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "modules": {module: dict(counts) for module, counts in sorted(by_module.items())},
        "survivors": dict(sorted(survivors.items())),
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "mutation.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")

    def score(counts: Counter) -> str:
        run = sum(counts.values()) - counts["not checked"]
        return f"{counts['killed'] / run:.0%}" if run else "—"

    table = "".join(
        f"| {module} | {sum(counts.values())} | {sum(counts.values()) - counts['not checked']} | "
        + " | ".join(str(counts.get(status, 0)) for status in statuses)
        + f" | {score(counts)} |\n"
        for module, counts in sorted(by_module.items())
    )
    listed = "".join(
        f"\n### {module}\n\n" + "".join(f"- `{mutant}`\n" for mutant in mutants)
        for module, mutants in sorted(survivors.items())
    )
    (out / "mutation.md").write_text(
        f"# Mutation testing\n\n{result['date']} · {result['machine']}\n\n"
        "mutmut (pyproject.toml `[tool.mutmut]`) over the services and selectors of waitlist, makeup and "
        "compensation; each mutant runs the tests that reach the function it changes. `mutmut show <name>` "
        "shows a mutant; the survivors' review is in docs/decisions.md.\n\n"
        f"| module | mutants | run | {' | '.join(statuses)} | killed of run |\n"
        f"|---|---|---|{'---|' * len(statuses)}---|\n{table}\n"
        f"## Survivors\n{listed or chr(10) + 'None.' + chr(10)}"
    )
    print((out / "mutation.md").read_text())


if __name__ == "__main__":
    main()
