"""The operator commands run against the seed's Wednesday (19:00 class, cutoff 13:00)."""

from tests.waitlist.conftest import clock, free_a_seat, make_parent, queue_of, wednesday_class  # noqa: F401
