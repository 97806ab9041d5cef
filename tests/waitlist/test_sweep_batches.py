"""The sweeper catches up many classes per transaction (waitlist_apply_overdue_many): the result is
the one of catching them up one by one, class after class (RULES §5.1, §12, §13)."""

import random
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from courses.locks import schedules_lock
from notifications.models import Notification
from tests.conftest import at, client_for
from tests.factories import BookingFactory, ScheduleFactory
from tests.waitlist.conftest import new_parent
from waitlist import services
from waitlist.models import WaitlistEntry, WaitlistNotification, WaitlistOffer

pytestmark = pytest.mark.django_db


def full_class(starts_at, capacity):
    schedule = ScheduleFactory(starts_at=starts_at, capacity=capacity)
    for _ in range(capacity):
        BookingFactory(schedule=schedule)
    return schedule


def cancel_one(schedule):
    booking = schedule.bookings.filter(status="booked").order_by("id").first()
    response = client_for(booking.profile.owner).post(f"/api/v1/bookings/{booking.pk}/cancel", {}, format="json")
    assert response.status_code == 200, response.json()


def catch_up(schedules, together: bool):
    groups = [schedules] if together else [[schedule] for schedule in schedules]
    for group in groups:
        with transaction.atomic():
            locked = schedules_lock(schedule_ids=[schedule.pk for schedule in group])
            services.waitlist_apply_overdue_many(schedules=locked, now=timezone.now())


def picture(schedule, queue):
    """A class's waitlist in terms of queue places, comparable between twin classes."""
    place = {entry_id: n for n, (_, entry_id) in enumerate(queue)}
    offers = [
        (o.phase, o.status, place.get(o.reserved_for_id), o.round, o.deadline, place.get(o.claimed_by_id))
        for o in WaitlistOffer.objects.filter(schedule=schedule).order_by("id")
    ]
    entries = [WaitlistEntry.objects.get(pk=entry_id).status for _, entry_id in queue]
    told = [
        list(Notification.objects.filter(profile=parent.profile).order_by("id").values_list("template", flat=True))
        for parent, _ in queue
    ]
    answers = [
        sorted(WaitlistNotification.objects.filter(entry_id=entry_id).values_list("kind", "status", "offer__round"))
        for _, entry_id in queue
    ]
    return offers, entries, told, answers


def test_classes_caught_up_together_end_as_caught_up_one_by_one(clock):
    """Twelve pairs of twin classes (same capacity, queue, freed seats, 自动递补 flags and start; one
    starts soon enough that its deadlines stop at the cutoff): one of each pair is caught up alone,
    the other with all its twins in one transaction, over three rounds of hand-overs.

    Two children wait first in two overlapping classes each (RULES §13): the first child's seat in
    class 1 is only offered (no 自动递补 there) while class 2 books it at once, which ends the entry
    told of class 1's seat; the second child has 自动递补 in classes 3 and 4, so the booking in 3 ends
    its entry in 4, whose seat must go to the next in line."""
    rng = random.Random(20261203)
    sets = {"alone": [], "together": []}
    shapes = []
    for n in range(12):
        starts_at = at("2026-12-02 16:20") if n == 0 else at("2026-12-03 09:00") + timedelta(hours=2 * n)
        if n in (2, 4):
            starts_at = shapes[n - 1][0]  # overlaps the class before it
        shapes.append((starts_at, rng.randint(2, 4), rng.randint(1, 6), rng.randint(1, 3)))
    flags = [[rng.random() < 0.3 for _ in range(8)] for _ in shapes]
    flags[1] = [False] * 8  # class 1 is offered as usual: only class 2 books the first child at once
    for name in sets:
        children = {1: new_parent(), 2: None, 3: new_parent(), 4: None}
        children[2], children[4] = children[1], children[3]
        for n, (starts_at, capacity, waiting, freed) in enumerate(shapes):
            schedule = full_class(starts_at, capacity)
            parents = [children[n]] if n in children else []
            parents += [new_parent() for _ in range(waiting)]
            for parent in parents:
                response = parent.join(schedule)
                assert response.status_code == 200, response.json()
            entries = WaitlistEntry.objects.filter(schedule=schedule).order_by("id")  # in join order
            sets[name].append((schedule, [(parent, entry.pk) for parent, entry in zip(parents, entries, strict=True)]))
            for _ in range(min(freed, capacity)):
                cancel_one(schedule)
        for n, (_, queue) in enumerate(sets[name]):
            for (_, entry_id), auto in zip(queue, flags[n], strict=False):  # flags: 8 per class
                WaitlistEntry.objects.filter(pk=entry_id).update(auto_accept=auto)
            if n in (2, 3, 4):
                WaitlistEntry.objects.filter(pk=queue[0][1]).update(auto_accept=True)
            if n == 1:
                WaitlistEntry.objects.filter(pk=queue[0][1]).update(auto_accept=False)

    for moment in ("2026-12-02 10:16", "2026-12-02 10:32", "2026-12-02 10:48"):
        clock.go(moment)
        catch_up([schedule for schedule, _ in sets["alone"]], together=False)
        catch_up([schedule for schedule, _ in sets["together"]], together=True)
        for (alone, alone_queue), (together, together_queue) in zip(sets["alone"], sets["together"], strict=True):
            assert picture(together, together_queue) == picture(alone, alone_queue)
    together = [queue for _, queue in sets["together"]]
    assert WaitlistOffer.objects.filter(schedule__in=[s for s, _ in sets["together"]], round__gt=2).exists()
    first_child = [WaitlistEntry.objects.get(pk=together[n][0][1]) for n in (1, 2)]
    assert [(e.status, e.end_reason) for e in first_child] == [
        ("cancelled", "time_conflict"),
        ("booked", "auto_accept"),
    ]
    second_child = [WaitlistEntry.objects.get(pk=together[n][0][1]) for n in (3, 4)]
    assert [(e.status, e.end_reason) for e in second_child] == [
        ("booked", "auto_accept"),
        ("cancelled", "time_conflict"),
    ]


def test_one_update_gives_each_class_its_own_deadline(clock, django_assert_max_num_queries):
    """Two classes handed over in one statement: the one starting at 16:20 (cutoff 10:20) stops its
    reservation's deadline at the cutoff, the other gets the full 15 minutes."""
    soon, later = full_class(at("2026-12-02 16:20"), 1), full_class(at("2026-12-03 19:00"), 1)
    for schedule in (soon, later):
        for _ in range(2):
            parent = new_parent()
            assert parent.join(schedule).status_code == 200
        cancel_one(schedule)
    clock.go("2026-12-02 10:16")
    catch_up([soon, later], together=True)
    assert WaitlistOffer.objects.get(schedule=soon).deadline == at("2026-12-02 10:20")
    assert WaitlistOffer.objects.get(schedule=later).deadline == at("2026-12-02 10:31")
    clock.go("2026-12-02 10:20", seconds=1)  # one second after the cutoff: the soon class has closed
    catch_up([soon, later], together=True)
    assert WaitlistOffer.objects.get(schedule=soon).status == "lapsed"
    assert WaitlistOffer.objects.get(schedule=later).phase == "reserved"


def test_many_classes_cost_a_fixed_number_of_statements(clock, django_assert_max_num_queries):
    """Set-based: the statements of a catch-up do not grow with the number of classes."""
    classes = [full_class(at("2026-12-03 09:00") + timedelta(hours=n), 2) for n in range(10)]
    for schedule in classes:
        for _ in range(3):
            parent = new_parent()
            assert parent.join(schedule).status_code == 200
        cancel_one(schedule)
        cancel_one(schedule)
    clock.go("2026-12-02 10:16")
    with django_assert_max_num_queries(16):  # one by one: about 9 per class
        catch_up(classes, together=True)
    assert WaitlistOffer.objects.filter(phase="reserved", status="open").count() == 20
    assert WaitlistNotification.objects.filter(kind="seat_reserved", status="open").count() == 20
