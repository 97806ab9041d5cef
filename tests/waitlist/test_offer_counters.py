"""RULES §16: studio_waitlist_offers_total counts each phase an offer opens and how it ends, by phase,
once the transaction commits; a refused answer (rolled back) counts nothing."""

import pytest

from tests.metrics import CounterDelta
from waitlist import services

pytestmark = pytest.mark.django_db


def test_broadcast_then_reservation_then_claim(
    wednesday_class, queue_of, free_a_seat, clock, django_capture_on_commit_callbacks
):
    counted = CounterDelta("studio_waitlist_offers")
    p1, p2 = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 10:00")
    with django_capture_on_commit_callbacks(execute=True):
        free_a_seat(wednesday_class)
    assert counted() == {("broadcast", "opened"): 1}
    clock.go("2026-12-02 10:16")
    with django_capture_on_commit_callbacks(execute=True):
        services.waitlist_offers_sweep()  # nobody answered: reserved for p1
    assert counted() == {("broadcast", "opened"): 1, ("reserved", "opened"): 1}
    clock.go("2026-12-02 10:20")
    with django_capture_on_commit_callbacks(execute=True):
        assert p2.respond("accept").status_code == 410  # reserved for p1: refused, counts nothing
    assert counted() == {("broadcast", "opened"): 1, ("reserved", "opened"): 1}
    with django_capture_on_commit_callbacks(execute=True):
        assert p1.respond("accept").status_code == 200
    assert counted() == {("broadcast", "opened"): 1, ("reserved", "opened"): 1, ("reserved", "claimed"): 1}


def test_an_offer_nobody_is_left_for_lapses(
    wednesday_class, queue_of, free_a_seat, clock, django_capture_on_commit_callbacks
):
    counted = CounterDelta("studio_waitlist_offers")
    (p1,) = queue_of(wednesday_class, 1)
    clock.go("2026-12-02 10:00")
    with django_capture_on_commit_callbacks(execute=True):
        free_a_seat(wednesday_class)
    clock.go("2026-12-02 10:16")
    with django_capture_on_commit_callbacks(execute=True):
        services.waitlist_offers_sweep()  # reserved for p1
    with django_capture_on_commit_callbacks(execute=True):
        assert p1.respond("decline").status_code == 200  # nobody else waits: the seat is public
    assert counted() == {("broadcast", "opened"): 1, ("reserved", "opened"): 1, ("reserved", "lapsed"): 1}


def test_nothing_is_counted_before_the_commit(
    wednesday_class, queue_of, free_a_seat, django_capture_on_commit_callbacks
):
    counted = CounterDelta("studio_waitlist_offers")
    queue_of(wednesday_class, 1)
    with django_capture_on_commit_callbacks(execute=False):
        free_a_seat(wednesday_class)
    assert counted() == {}
