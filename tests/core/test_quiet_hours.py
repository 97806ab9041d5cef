"""Quiet hours as the SMS fallback reads them (RULES §14): when the night containing a moment ends."""

from datetime import UTC

import pytest

from core.quiet_hours import quiet_hours_end
from tests.conftest import at


@pytest.mark.parametrize(
    ("moment", "ends"),
    [
        ("2026-12-02 21:59", None),  # still awake
        ("2026-12-02 22:00", "2026-12-03 08:00"),  # the first quiet instant
        ("2026-12-03 03:30", "2026-12-03 08:00"),
        ("2026-12-03 07:59", "2026-12-03 08:00"),
        ("2026-12-03 08:00", None),  # 08:00 itself is awake
    ],
)
def test_the_night_containing_a_moment_ends_at_eight(moment, ends):
    assert quiet_hours_end(at(moment)) == (at(ends) if ends else None)


def test_one_second_before_eight_is_still_night_and_quiet_hours_can_be_off(settings):
    from datetime import timedelta

    assert quiet_hours_end(at("2026-12-03 08:00") - timedelta(seconds=1)) == at("2026-12-03 08:00")
    settings.WAITLIST_QUIET_HOURS = None
    assert quiet_hours_end(at("2026-12-03 03:30")) is None


def test_a_moment_in_another_zone_is_read_in_shanghai():
    from datetime import datetime

    utc_night = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    assert quiet_hours_end(utc_night) == at("2026-12-03 08:00")
