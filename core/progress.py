"""Progress of long work for a person at a terminal: seed_demo --scale, cleanup_data, benchmarks.

    progress = Progress("bookings", total=len(classes), out=self.stdout)
    for schedule in classes:
        ...
        progress.step()
    progress.done("1,234 bookings")      # the summary line

A line at every tenth of the way (and at the end), never one per item: the output stays readable
in a CI log as in a terminal.
"""

import sys
import time


class Progress:
    def __init__(self, label: str, *, total: int, out=None, parts: int = 10) -> None:
        self.label = label
        self.total = max(total, 0)
        self.out = out if out is not None else sys.stderr
        self.count = 0
        self.started = time.monotonic()
        self._marks = sorted({max(1, round(self.total * n / parts)) for n in range(1, parts + 1)}) if total else []

    def step(self, n: int = 1) -> None:
        before, self.count = self.count, self.count + n
        if any(before < mark <= self.count for mark in self._marks):
            percent = 100 * self.count // self.total if self.total else 100
            self._write(f"  {self.label}: {self.count}/{self.total} ({percent}%)")

    def done(self, summary: str) -> None:
        self._write(f"{self.label}: {summary} in {time.monotonic() - self.started:.1f} s")

    def _write(self, line: str) -> None:
        self.out.write(line + ("" if hasattr(self.out, "style_func") else "\n"))
        flush = getattr(self.out, "flush", None)
        if flush:
            flush()
