from io import StringIO

from core.progress import Progress


def test_a_line_at_every_tenth_and_a_summary():
    out = StringIO()
    progress = Progress("bookings", total=25, out=out)
    for _ in range(25):
        progress.step()
    progress.done("25 bookings")
    lines = out.getvalue().splitlines()
    assert lines[:3] == ["  bookings: 2/25 (8%)", "  bookings: 5/25 (20%)", "  bookings: 8/25 (32%)"]
    assert lines[9] == "  bookings: 25/25 (100%)" and len(lines) == 11
    assert lines[10].startswith("bookings: 25 bookings in ") and lines[10].endswith(" s")


def test_big_steps_and_nothing_to_do():
    out = StringIO()
    progress = Progress("rows", total=1000, out=out)
    progress.step(1000)  # one batch past every mark: one line
    assert out.getvalue().splitlines() == ["  rows: 1000/1000 (100%)"]
    empty = Progress("rows", total=0, out=StringIO())
    empty.step()
    empty.done("nothing")
    assert empty.out.getvalue().startswith("rows: nothing in ")
