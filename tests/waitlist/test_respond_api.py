"""PUT waitlist/{id}/respond through the API: the success message names what happened (issue 12,
RULES §10): accept → 预约成功, decline → 已放弃本次名额; start keeps 操作成功."""

import pytest

from courses.models import Booking
from waitlist.models import WaitlistFlow, WaitlistNotification, WaitlistOffer

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(wednesday_class, queue_of, free_a_seat, clock):
    """Two parents wait for the Wednesday class; a seat is freed at 12:30 (deadline 12:45); 12:40 now."""
    parents = queue_of(wednesday_class, 2)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:40")
    return parents


def test_accept_answers_booked(wednesday_class, offered):
    winner, other = offered
    response = winner.respond("accept")
    assert response.status_code == 200
    booking = Booking.objects.get(profile=winner.profile, schedule=wednesday_class, status="booked")
    assert response.json() == {
        "code": 200,
        "message": "预约成功",
        "data": {"booking_id": booking.pk, "kind": "waitlist"},
    }
    assert winner.entry.status == "booked"
    assert WaitlistOffer.objects.get().status == "claimed"
    assert WaitlistNotification.objects.get(entry_id=other.entry_id, kind="seat_available").status == "superseded"
    assert other.entry.status == "waiting"


def test_accept_after_a_flow_also_answers_booked(wednesday_class, offered):
    winner, _ = offered
    assert winner.respond("start").status_code == 200
    response = winner.respond("accept")
    assert (response.status_code, response.json()["message"]) == (200, "预约成功")
    assert WaitlistFlow.objects.get(entry_id=winner.entry_id).status == "completed"


def test_decline_answers_seat_given_up(wednesday_class, offered):
    quitter, other = offered
    response = quitter.respond("decline")
    assert response.status_code == 200
    assert response.json() == {
        "code": 200,
        "message": "已放弃本次名额",
        "data": {"id": quitter.entry_id, "status": "declined"},
    }
    assert quitter.entry.status == "declined"
    assert not Booking.objects.filter(profile=quitter.profile).exists()
    # the seat is still offered to the one left waiting
    assert other.respond("accept").json()["message"] == "预约成功"


def test_start_still_answers_ok(offered):
    parent, _ = offered
    response = parent.respond("start")
    assert response.status_code == 200
    assert response.json()["message"] == "操作成功"
    assert response.json()["data"]["prompt"] == "确认预约？还剩5分钟决策时间"
    assert WaitlistFlow.objects.get(entry_id=parent.entry_id).status == "started"


def test_a_refused_accept_keeps_its_error_message(offered, clock):
    """Only success answers changed: a late accept still answers the seed's 410 text (at 12:46 the
    seat is reserved for the first in line, so the second is too late)."""
    _, second = offered
    clock.go("2026-12-02 12:46")
    response = second.respond("accept")
    assert response.status_code == 410
    assert response.json()["message"] == "候补确认已过期，名额已顺位给下一位候补用户"
