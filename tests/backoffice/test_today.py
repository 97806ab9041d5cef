"""今日课程 opens the back office: today's classes with seats, waiting and open offers' deadlines."""

import pytest

from flows import offers
from flows.booking import booking_cancel
from tests.conftest import at
from tests.factories import BookingFactory, CourseFactory, ProfileFactory, ScheduleFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(at("2026-12-02 12:30"), tick=False)


def test_the_index_lists_todays_classes_with_seats_waiting_and_offer_deadlines(client, django_assert_max_num_queries):
    evening = ScheduleFactory(starts_at=at("2026-12-02 19:00"), capacity=2, course=CourseFactory(name="少儿游泳"))
    seats = [BookingFactory(schedule=evening) for _ in range(2)]
    for name in ("乐乐", "安安"):
        offers.waitlist_join(profile=ProfileFactory(name=name), schedule_id=evening.pk, now=at("2026-12-02 09:00"))
    booking_cancel(booking_id=seats[0].pk)  # 12:30: a broadcast offer until 12:45
    ScheduleFactory(starts_at=at("2026-12-03 19:00"), course=CourseFactory(name="明天的课"))
    client.force_login(StaffFactory(is_superuser=True))
    with django_assert_max_num_queries(12):
        response = client.get("/admin/")
    rows = response.context["today"]
    assert [(r.schedule.course.name, r.booked, r.free, r.waiting) for r in rows] == [("少儿游泳", 1, 0, 2)]
    assert [(o.phase, o.deadline) for o in rows[0].offers] == [("broadcast", at("2026-12-02 12:45"))]
    page = response.content.decode()
    assert "今日课程（12月2日）" in page and "明天的课" not in page
    assert f'href="/admin/courses/courseschedule/{evening.pk}/change/"' in page
    assert "<td>广播 12:45</td>" in page
