"""manage.py waitlist_status: the seed's Wednesday as an operator sees it."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import BookingFactory, ScheduleFactory, StaffFactory
from waitlist import services
from waitlist.models import WaitlistOffer

pytestmark = pytest.mark.django_db


def status_of(schedule) -> str:
    out = StringIO()
    call_command("waitlist_status", str(schedule.pk), stdout=out)
    return out.getvalue()


def table(output: str, title: str) -> list[dict]:
    """The rows of the table under the line starting with `title`, as {header: cell}."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    headers = [cell.strip() for cell in lines[start + 1].split("|")]
    rows = []
    for line in lines[start + 3 :]:
        if not line.strip() or line == "(none)":
            break
        rows.append(dict(zip(headers, [cell.strip() for cell in line.split("|")], strict=True)))
    return rows


def class_fields(output: str) -> dict:
    return {row["field"]: row["value"] for row in table(output, "Class #")}


def test_status_shows_the_class_the_queue_in_position_order_the_open_offer_and_the_flow(
    wednesday_class, queue_of, free_a_seat, clock
):
    p1, p2, p3 = queue_of(wednesday_class, 3)
    services.waitlist_entry_prioritize(entry_id=p3.entry_id, reason="老学员优先", by=StaffFactory(username="ops"))
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:40")
    assert p1.respond("start").status_code == 200
    offer = WaitlistOffer.objects.get()

    output = status_of(wednesday_class)

    assert class_fields(output) == {
        "course": wednesday_class.course.name,
        "starts_at": "2026-12-02 19:00:00 (Asia/Shanghai)",
        "status": "open",
        "capacity": "6",
        "booked": "5",
        "held for the waitlist": "1",
        "available": "0",
        "waitlist": "3/8",
        "cutoff": "2026-12-02 13:00:00",
        "waitlist open": "yes",
        "now": "2026-12-02 12:40:00",
    }
    queue = table(output, "Queue")
    assert [(row["position"], row["entry"]) for row in queue] == [
        ("1", str(p3.entry_id)),
        ("2", str(p1.entry_id)),
        ("3", str(p2.entry_id)),
    ]
    assert [row["child"] for row in queue] == [p3.profile.name, p1.profile.name, p2.profile.name]
    assert (queue[0]["priority"], queue[0]["priority_reason"]) == ("1", "老学员优先（ops）")
    assert (queue[1]["priority"], queue[1]["priority_reason"]) == ("0", "-")
    assert {row["status"] for row in queue} == {"waiting"}
    assert queue[1]["joined_at"] == "2026-12-02 10:00:00"
    assert table(output, "Offers") == [
        {
            "offer": str(offer.pk),
            "reason": "cancel",
            "phase": "broadcast",
            "status": "open",
            "released_at": "2026-12-02 12:30:00",
            "deadline": "2026-12-02 12:45:00",
            "reserved_for": "-",
            "claimed_by": "-",
            "round": "1",
        }
    ]
    (flow,) = table(output, "Active flows")
    assert (flow["entry"], flow["offer"], flow["round"], flow["started_at"], flow["grace_until"], flow["status"]) == (
        str(p1.entry_id),
        str(offer.pk),
        "1",
        "2026-12-02 12:40:00",
        "2026-12-02 12:45:00",
        "started",
    )


def test_status_follows_claims_and_the_hand_over(wednesday_class, queue_of, free_a_seat, clock):
    p1, p2, p3 = queue_of(wednesday_class, 3)
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:35")
    assert p2.respond("accept").status_code == 200  # claimed in the broadcast
    clock.go("2026-12-02 12:40")
    free_a_seat(wednesday_class)
    clock.go("2026-12-02 12:50")
    assert p3.respond("start").status_code == 200
    assert [row["entry"] for row in table(status_of(wednesday_class), "Active flows")] == [str(p3.entry_id)]
    clock.go("2026-12-02 12:56")
    services.waitlist_offers_sweep()  # nobody confirmed the second seat by 12:55: reserved for #1 until the cutoff
    first, second = WaitlistOffer.objects.order_by("id")

    output = status_of(wednesday_class)
    assert table(output, "Active flows") == []  # p3's flow was abandoned with the broadcast round
    offers = table(output, "Offers")
    assert [
        (r["offer"], r["phase"], r["status"], r["reserved_for"], r["claimed_by"], r["round"], r["deadline"])
        for r in offers
    ] == [
        (str(second.pk), "reserved", "open", str(p1.entry_id), "-", "2", "2026-12-02 13:00:00"),
        (str(first.pk), "broadcast", "claimed", "-", str(p2.entry_id), "1", "2026-12-02 12:45:00"),
    ]

    clock.go("2026-12-02 12:58")
    assert p1.respond("accept").status_code == 200
    output = status_of(wednesday_class)
    assert [(r["offer"], r["status"], r["reserved_for"], r["claimed_by"]) for r in table(output, "Offers")] == [
        (str(second.pk), "claimed", str(p1.entry_id), str(p1.entry_id)),  # newest closed first
        (str(first.pk), "claimed", "-", str(p2.entry_id)),
    ]
    assert [(row["position"], row["entry"]) for row in table(output, "Queue")] == [("1", str(p3.entry_id))]
    assert (class_fields(output)["booked"], class_fields(output)["waitlist"]) == ("6", "1/8")
    assert table(output, "Active flows") == []


def test_a_refused_flow_shows_while_it_protects_and_not_after_the_seat_is_taken(
    wednesday_class, queue_of, free_a_seat, clock
):
    p1, p2 = queue_of(wednesday_class, 2)
    BookingFactory(profile=p1.profile, schedule=ScheduleFactory(starts_at=wednesday_class.starts_at))  # a clash
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)
    assert p1.respond("start").status_code == 200
    refused = p1.respond("accept")
    assert refused.status_code == 409 and refused.json()["error"] == "time_conflict"
    assert [(r["entry"], r["status"]) for r in table(status_of(wednesday_class), "Active flows")] == [
        (str(p1.entry_id), "rejected")
    ]
    clock.go("2026-12-02 12:32")
    assert p2.respond("accept").status_code == 200
    assert table(status_of(wednesday_class), "Active flows") == []


def test_a_class_without_a_waitlist_shows_empty_tables(db):
    schedule = ScheduleFactory(capacity=4)
    output = status_of(schedule)
    assert (class_fields(output)["available"], class_fields(output)["waitlist"]) == ("4", "0/8")
    assert output.count("(none)") == 3


def test_unknown_class_is_a_command_error(db):
    with pytest.raises(CommandError, match="Class \\(schedule\\) 987654 does not exist"):
        call_command("waitlist_status", "987654", stdout=StringIO())


@pytest.mark.parametrize("argument", ["abc", "0", "-3", "1.5", str(2**53 + 1)])
def test_an_id_that_is_not_a_positive_integer_is_refused_before_any_query(db, argument, django_assert_num_queries):
    with django_assert_num_queries(0), pytest.raises(CommandError, match="argument schedule_id: expected a class"):
        call_command("waitlist_status", argument, stdout=StringIO())


def test_queries_do_not_grow_with_the_queue(wednesday_class, queue_of, free_a_seat, make_parent):
    queue_of(wednesday_class, 2)
    free_a_seat(wednesday_class)
    with CaptureQueriesContext(connection) as short:
        status_of(wednesday_class)
    queue_of(wednesday_class, 5)
    with CaptureQueriesContext(connection) as long:
        output = status_of(wednesday_class)
    assert len(table(output, "Queue")) == 7
    assert len(long) == len(short)


# --- without an argument: the overview --------------------------------------------------------


def overview() -> str:
    out = StringIO()
    call_command("waitlist_status", stdout=out)
    return out.getvalue()


def test_the_overview_lists_todays_and_tomorrows_full_classes_open_offers_and_stuck_messages(
    wednesday_class, queue_of, free_a_seat, clock
):
    from notifications.models import Notification
    from tests.conftest import at

    queue_of(wednesday_class, 2)
    thursday = ScheduleFactory(starts_at=at("2026-12-03 10:00"), capacity=1)
    BookingFactory(schedule=thursday)
    friday = ScheduleFactory(starts_at=at("2026-12-04 10:00"), capacity=1)  # the day after tomorrow
    BookingFactory(schedule=friday)
    ScheduleFactory(starts_at=at("2026-12-02 20:00"), capacity=5)  # seats left: not listed
    clock.go("2026-12-02 12:30")
    free_a_seat(wednesday_class)  # a broadcast offer until 12:45
    stuck = Notification.objects.filter(template="waitlist_seat_available").first()
    Notification.objects.filter(pk=stuck.pk).update(wechat_status="pending", next_attempt_at=None)
    Notification.objects.exclude(pk=stuck.pk).update(wechat_status="sent")

    clock.go("2026-12-02 12:46")
    output = overview()
    assert output.startswith("Waitlist overview at 2026-12-02 12:46:00 (Asia/Shanghai)")
    full = table(output, "Full classes today and tomorrow")
    assert [(row["class"], row["starts_at"], row["waiting"]) for row in full] == [
        (str(wednesday_class.pk), "2026-12-02 19:00:00", "2/8"),  # its freed seat is held for the waitlist
        (str(thursday.pk), "2026-12-03 10:00:00", "0/8"),
    ]
    offer = WaitlistOffer.objects.get()
    [row] = table(output, "Open offers")
    assert (row["offer"], row["class"], row["phase"], row["deadline"], row["when"]) == (
        str(offer.pk),
        str(wednesday_class.pk),
        "broadcast",
        "2026-12-02 12:45:00",
        "overdue 1m00s",  # the sweeper has not run: the operator sees it
    )
    assert "Stuck notifications (wechat pending 1, wechat sending 0, sms pending 0, sms sending 0;" in output
    assert [row["notification"] for row in table(output, "Stuck notifications")] == [str(stuck.pk)]


def test_a_quiet_studio_has_empty_tables(db):
    output = overview()
    for title in ("Full classes today and tomorrow (0)", "Open offers (0", "Stuck notifications (wechat pending 0"):
        assert title in output
    assert output.count("(none)") == 3
