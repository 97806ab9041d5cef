"""RULES §16: the dashboard's 需要处理 panel shows the conditions the alerts watch, each needing a
person beyond the same limit as its alert (tested at the limit and one second past it), with a link
that opens exactly the rows behind it, and only links the viewer may open."""

from datetime import timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group

from backoffice.monitoring import LIMITS
from compensation.models import ClassCreditCompensation, LedgerCheck
from core.models import Heartbeat
from tests.backoffice.test_business_gauges import NOW, message, offer, wait
from tests.conftest import at
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory, StaffFactory
from waitlist.models import WaitlistOffer

pytestmark = pytest.mark.django_db


def panel(client) -> dict:
    """The panel's rows by id: (value, state, link text, href), and its summary line."""
    response = client.get("/admin/dashboard/")
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    rows = {}
    for row in page.select("#attention tbody tr"):
        cells = [cell.get_text(strip=True) for cell in row.find_all("td")]
        anchor = row.find("a")
        rows[row["id"].removeprefix("attention-")] = (cells[1], cells[3], cells[4], anchor and anchor["href"])
    rows["summary"] = page.select_one("#attention-summary").get_text(strip=True)
    rows["order"] = [row["id"].removeprefix("attention-") for row in page.select("#attention tbody tr")]
    return rows


def healthy():
    Heartbeat.objects.create(name="worker", seen_at=NOW - timedelta(seconds=40))
    LedgerCheck.objects.create(checked_at=NOW - timedelta(minutes=4), credits_checked=10, violations=0)


def test_a_healthy_studio_shows_all_clear_without_links(admin_client):
    healthy()
    with time_machine.travel(NOW, tick=False):
        rows = panel(admin_client)
    assert rows["summary"] == "一切正常（12:30:00 检查）"
    assert rows["failed"] == ("0 条", "正常", "", None)
    assert rows["offer-lag"] == ("无", "正常", "", None)
    assert rows["cutoff-lag"] == ("无", "正常", "", None)
    assert rows["heartbeat"] == ("40秒前", "正常", "", None)
    assert rows["ledger"] == ("0 条", "正常", "", None)
    assert rows["ledger-check"] == ("4分钟前", "正常", "", None)
    assert rows["queues-full"] == ("0 节课", "正常", "", None)


def test_every_condition_needing_a_person_comes_first_with_its_link(admin_client):
    # A class whose queue is full (info), an offer 10 minutes overdue, an entry 30 minutes past its cutoff.
    wednesday = ScheduleFactory(starts_at=at("2026-12-02 19:00"), capacity=1, waitlist_capacity=1)
    BookingFactory(schedule=wednesday)
    wait(wednesday, 1)
    offer(wednesday, deadline=NOW - timedelta(minutes=10))
    evening = ScheduleFactory(starts_at=at("2026-12-02 18:00"))
    wait(evening, 1)
    message(NOW - timedelta(minutes=20), wechat_status="failed")
    credit = ClassCreditCompensation.objects.create(
        profile=ProfileFactory(), minutes=30, remaining=30, expires_at=NOW + timedelta(days=90), created_at=NOW
    )
    LedgerCheck.objects.create(
        checked_at=NOW - timedelta(hours=2), credits_checked=1, violations=1, credit_ids=[credit.pk]
    )
    # No heartbeat ever.
    with time_machine.travel(NOW, tick=False):
        rows = panel(admin_client)

    assert rows["summary"] == "6 项需要处理（12:30:00 检查）"
    assert rows["order"] == ["failed", "offer-lag", "cutoff-lag", "heartbeat", "ledger", "ledger-check", "queues-full"]
    assert rows["failed"] == ("1 条", "需要处理", "查看并重发", "/admin/notifications/notification/?failed=last_hour")
    assert rows["offer-lag"] == ("10分钟", "需要处理", "查看超时名额", "/admin/waitlist/waitlistoffer/?overdue=yes")
    assert rows["cutoff-lag"] == ("30分钟", "需要处理", "查看这些候补", "/admin/waitlist/waitlistentry/?overdue=yes")
    assert rows["heartbeat"] == ("从未运行", "需要处理", "查看定时任务", "/admin/django_celery_beat/periodictask/")
    assert rows["ledger"] == (
        "1 条",
        "需要处理",
        "查看异常补偿",
        f"/admin/compensation/classcreditcompensation/?id__in={credit.pk}",
    )
    assert rows["ledger-check"] == ("2小时0分前", "需要处理", "", None)
    assert rows["queues-full"] == ("1 节课", "提示", "查看这些课程", "/admin/courses/courseschedule/?queue=full")


@pytest.mark.parametrize(
    ("condition", "limit"),
    [
        ("offer-lag", LIMITS.offer_overdue_seconds),
        ("cutoff-lag", LIMITS.cutoff_overdue_seconds),
        ("heartbeat", LIMITS.heartbeat_age_seconds),
        ("ledger-check", LIMITS.ledger_check_age_seconds),
    ],
)
@pytest.mark.parametrize(("past", "state"), [(0, "正常"), (1, "需要处理")])
def test_each_lag_needs_a_person_only_past_its_limit(admin_client, condition, limit, past, state):
    """At the limit itself the row is still 正常; one second later it needs a person (the alerts' `>`)."""
    healthy()
    age = timedelta(seconds=limit + past)
    if condition == "offer-lag":
        offer(ScheduleFactory(starts_at=at("2026-12-02 19:00")), deadline=NOW - age)
    elif condition == "cutoff-lag":
        wait(ScheduleFactory(starts_at=at("2026-12-02 18:30") - age), 1)  # cutoff 6 h before the class
    elif condition == "heartbeat":
        Heartbeat.objects.filter(name="worker").update(seen_at=NOW - age)
    else:
        LedgerCheck.objects.update(checked_at=NOW - age)
    with time_machine.travel(NOW, tick=False):
        assert panel(admin_client)[condition][1] == state


def test_the_links_open_exactly_the_rows_behind_each_condition(admin_client):
    wednesday = ScheduleFactory(starts_at=at("2026-12-02 19:00"), capacity=1, waitlist_capacity=1)
    BookingFactory(schedule=wednesday)
    late = offer(wednesday, deadline=NOW - timedelta(minutes=2))
    offer(wednesday, deadline=NOW + timedelta(minutes=5))  # open, not late
    offer(wednesday, deadline=NOW - timedelta(hours=1), status=WaitlistOffer.Status.LAPSED)
    (stuck,) = wait(ScheduleFactory(starts_at=at("2026-12-02 18:00")), 1)
    wait(wednesday, 1)  # still before its cutoff
    failed = message(NOW - timedelta(minutes=30), wechat_status="failed")
    message(NOW - timedelta(minutes=30))
    message(NOW - timedelta(hours=2), wechat_status="failed")
    child = ProfileFactory()
    broken = [
        ClassCreditCompensation.objects.create(
            profile=child, minutes=30, remaining=30, expires_at=NOW + timedelta(days=90), created_at=NOW
        ).pk
        for _ in range(3)
    ]

    def listed(url: str) -> set[int]:
        """The rows of a change list, by the links to their change pages."""
        page = BeautifulSoup(admin_client.get(url).content, "html.parser")
        rows = page.select("#result_list tbody tr")
        return {int(row.select_one("a[href*='/change/']")["href"].split("/")[-3]) for row in rows}

    with time_machine.travel(NOW, tick=False):
        assert listed("/admin/waitlist/waitlistoffer/?overdue=yes") == {late.pk}
        assert listed("/admin/waitlist/waitlistentry/?overdue=yes") == {stuck.pk}
        assert listed("/admin/notifications/notification/?failed=last_hour") == {failed.pk}
        assert listed("/admin/courses/courseschedule/?queue=full") == {wednesday.pk}
        assert listed(f"/admin/compensation/classcreditcompensation/?id__in={broken[0]},{broken[2]}") == {
            broken[0],
            broken[2],
        }


def test_a_manager_sees_the_panel_and_only_the_links_of_rows_they_may_open(client):
    manager = StaffFactory()
    manager.groups.add(Group.objects.get(name="运营主管"))
    client.force_login(manager)
    with time_machine.travel(NOW, tick=False):
        rows = panel(client)
    assert rows["heartbeat"] == ("从未运行", "需要处理", "", None)  # periodic tasks are the superuser's
    assert rows["summary"].startswith("2 项需要处理")  # no heartbeat, no ledger check yet
