"""RULES §5.4: response windows count waking time only, capped at the cutoff."""

from datetime import timedelta

import pytest

from tests.conftest import at
from waitlist.clock import waking_deadline


@pytest.mark.parametrize(
    ("start", "deadline"),
    [
        ("2026-12-02 12:30", "2026-12-02 12:45"),  # the seed's release at 12:30
        ("2026-12-02 23:00", "2026-12-03 08:15"),  # freed at night: counts from 08:00
        ("2026-12-02 22:00", "2026-12-03 08:15"),  # 22:00 is already quiet
        ("2026-12-02 21:59", "2026-12-03 08:14"),  # one waking minute, fourteen after 08:00
        ("2026-12-02 21:50", "2026-12-03 08:05"),  # a window spanning 22:00 pauses over the night
        ("2026-12-02 21:45", "2026-12-02 22:00"),  # ends exactly when the quiet hours begin
        ("2026-12-03 07:59", "2026-12-03 08:15"),
        ("2026-12-03 08:00", "2026-12-03 08:15"),  # 08:00 is awake
        ("2026-12-03 00:30", "2026-12-03 08:15"),  # after midnight, still the same night
    ],
)
def test_fifteen_waking_minutes(start, deadline):
    assert waking_deadline(at(start)) == at(deadline)


def test_capped_at_the_cutoff():
    assert waking_deadline(at("2026-12-02 12:50"), cap=at("2026-12-02 13:00")) == at("2026-12-02 13:00")
    assert waking_deadline(at("2026-12-02 23:00"), cap=at("2026-12-03 07:00")) == at("2026-12-03 07:00")


def test_quiet_hours_off(settings):
    settings.WAITLIST_QUIET_HOURS = None
    assert waking_deadline(at("2026-12-02 23:00")) == at("2026-12-02 23:15")


def test_other_window_and_daytime_quiet_hours(settings):
    settings.WAITLIST_QUIET_HOURS = ("12:00", "13:30")  # a lunch break that does not cross midnight
    assert waking_deadline(at("2026-12-02 11:50")) == at("2026-12-02 13:35")
    assert waking_deadline(at("2026-12-02 12:10"), window=timedelta(minutes=30)) == at("2026-12-02 14:00")
    assert waking_deadline(at("2026-12-02 14:00")) == at("2026-12-02 14:15")


def test_works_from_utc_input():
    start = at("2026-12-02 23:00").astimezone(__import__("datetime").timezone.utc)
    assert waking_deadline(start) == at("2026-12-03 08:15")
