"""The hostile-input corpus's counts (tests/security/test_hostile_input.py), shown after the run."""

from collections import Counter

import pytest

HOSTILE_COUNTS = pytest.StashKey[Counter]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts = config.stash.get(HOSTILE_COUNTS, None)
    if counts:
        classes = ", ".join(f"{name} {counts[name]}" for name in sorted(counts))
        terminalreporter.write_line(f"hostile input: {sum(counts.values())} requests ({classes})")
