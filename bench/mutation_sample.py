"""Mutation testing on a seeded sample of each module's mutants (issue 20; `make mutation`).

mutmut makes about 3,500 mutants of the rules' services and selectors, and each takes 10-40 s of
tests on a 2-core machine: the whole set is a day's run (`make mutation SAMPLE=0`). By default a
seeded random sample of SAMPLE mutants per module is run, enough to see each module's score and to
review what survives; runs add up (mutmut keeps its results in mutants/), so a later run with
another SEED covers more.

    .venv/bin/python bench/mutation_sample.py [--per-module 20] [--seed 1]
"""

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTMUT = str(Path(sys.executable).with_name("mutmut"))


def mutants_by_module() -> dict[str, list[str]]:
    """Every mutant's name, by the file it mutates (mutmut's .meta files under mutants/)."""
    found = {}
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        names = sorted(json.loads(meta.read_text()).get("exit_code_by_key", {}))
        if names:
            found[str(meta.relative_to(ROOT / "mutants"))[: -len(".meta")]] = names
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-module", type=int, default=20, help="mutants per module; 0: all of them")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-children", type=int, default=2)
    args = parser.parse_args()
    if not mutants_by_module():  # first run: mutmut makes the mutants and maps tests to functions
        subprocess.run([MUTMUT, "run", "--max-children", str(args.max_children), "no-mutant-has-this-name"], cwd=ROOT)
    rng = random.Random(args.seed)
    chosen = []
    for module, names in mutants_by_module().items():
        picked = names if not args.per_module else rng.sample(names, min(args.per_module, len(names)))
        print(f"{module}: {len(picked)} of {len(names)} mutants")
        chosen += picked
    subprocess.run([MUTMUT, "run", "--max-children", str(args.max_children), *chosen], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
