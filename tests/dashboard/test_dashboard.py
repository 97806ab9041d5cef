"""The operators' dashboard (运营看板): the figures of a known three days, Shanghai day boundaries,
the SVG chart, and the admin page (staff only, bad dates, constant queries)."""

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from backoffice.charts import grouped_bar_chart
from backoffice.dashboard import dashboard_figures
from courses.models import CourseSchedule
from notifications.models import Notification
from tests.conftest import at
from tests.dashboard.conftest import NOW
from tests.factories import ProfileFactory, ScheduleFactory, StaffFactory, UserFactory
from waitlist.models import WaitlistEntry, WaitlistOffer

pytestmark = pytest.mark.django_db

DEC_1, DEC_2, DEC_3 = date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)
SVG = "{http://www.w3.org/2000/svg}"
URL = "/admin/dashboard/"


def figures(date_from=DEC_1, date_to=DEC_3, now=NOW):
    return dashboard_figures(date_from=date_from, date_to=date_to, now=now)


# --- the figures -----------------------------------------------------------------------------


def test_the_three_days_in_figures(studio):
    assert figures() == {
        "date_from": DEC_1,
        "date_to": DEC_3,
        # Joined 1-3 Dec: P1 P2 P3 (A), P5 P6 (B), P4 (C), P8 (D), P9 (E), P10 (F); not P0 (30 Nov 23:50)
        # nor P7 (4 Dec 07:00). Of them P2 and P3 won a seat: 2/9.
        "waitlist_joined": 9,
        "waitlist_booked": 2,
        "waitlist_conversion_rate": 0.2222,
        # Offer 1 claimed after 7 minutes, offer 2 after 10: the median of (7, 10).
        "claim_median_minutes": 8.5,
        # Offers 1, 2 (claimed) and 3 (lapsed after P4 declined); offer 4 was released on 4 Dec.
        "offers_opened": 3,
        "offers_claimed": 2,
        "offers_lapsed": 1,
        # Owed by the leaves of M1, M2, M3 (M0 left on 30 Nov); M1's is booked, M3's completed, M2's pending.
        "makeups_owed": 3,
        "makeups_used": 2,
        "makeup_usage_rate": 0.6667,
        # Granted: M3's 60-minute adjustment + M1's 30 minutes from the shorter make-up (M4's 20 were
        # granted on 10 Nov). Spent: 30 + 30 used by M3's two bookings − 30 restored by its cancel.
        # Expired: M4's 20 minutes, written off on 2 Dec.
        "compensation_minutes_granted": 90,
        "compensation_minutes_spent": 30,
        "compensation_minutes_expired": 20,
        "compensation_minutes_revoked": 0,  # no shorter make-up was cancelled
        # seat_available 3 + 2 + 1 (sent), waitlist_booked 2 (sent), makeup_booked 3 (failed),
        # waitlist_offer_taken 2 + 1 (in_app_only), waitlist_closed 2 (skipped), makeup_cancelled 1
        # (pending), session_cancelled 3 (skipped, then SMS); offer 4's three seat_available rows and
        # a fourth session_cancelled (4 Dec) are outside. Delivery: 8 / (8 + 3).
        "notifications_total": 20,
        "notifications_by_status": {
            "sent": 8,
            "failed": 3,
            "in_app_only": 3,
            "skipped_no_subscription": 5,
            "pending": 1,
        },
        "notification_delivery_rate": 0.7273,
        # The SMS fallback: F's three cancellations, two sent and one refused; rows that never
        # needed an SMS are not counted.
        "sms_total": 3,
        "sms_by_status": {"sent": 2, "failed": 1},
        "sms_delivery_rate": 0.6667,
        # P1 closed at 13:05 for A's 13:00 cutoff (late), P5 at 13:02 for B's (exactly 2 minutes: on time).
        "entries_closed": 2,
        "entries_closed_late": 1,
        # Nobody in these three days had 自动递补 on, or booked over another waiting entry.
        "entries_auto_booked": 0,
        "entries_conflict_ended": 0,
        # D (3 waiting, capacity 3); E's queue is full too but the class has started, F was cancelled.
        "queues_full_now": 1,
        "series": [
            {"day": DEC_1, "joined": 3, "booked": 1, "offers": 1},
            {"day": DEC_2, "joined": 2, "booked": 1, "offers": 1},
            {"day": DEC_3, "joined": 4, "booked": 0, "offers": 1},
        ],
    }


def test_auto_bookings_and_conflict_endings_count_on_the_day_they_happened(db, time_machine):
    """RULES §12-13: a seat freed on 2 December books A's entry by 自动递补, which ends A's entry in
    an overlapping class: one of each on 2 December, none on 3 December."""
    from flows import booking as booking_flows
    from flows import offers
    from tests.factories import BookingFactory

    time_machine.move_to(at("2026-12-02 10:00"), tick=False)
    child = ProfileFactory()
    x = ScheduleFactory(starts_at=at("2026-12-05 19:00"), capacity=1)
    y = ScheduleFactory(starts_at=at("2026-12-05 19:30"), capacity=1)
    holder = BookingFactory(schedule=x)
    BookingFactory(schedule=y)
    offers.waitlist_join(profile=child, schedule_id=x.pk, auto_accept=True)
    offers.waitlist_join(profile=child, schedule_id=y.pk)
    booking_flows.booking_cancel(booking_id=holder.pk)

    counted = figures(now=at("2026-12-04 12:00"))
    assert (counted["entries_auto_booked"], counted["entries_conflict_ended"]) == (1, 1)
    later = figures(date_from=DEC_3, date_to=DEC_3, now=at("2026-12-04 12:00"))
    assert (later["entries_auto_booked"], later["entries_conflict_ended"]) == (0, 0)


def test_days_are_shanghai_days(studio):
    """P1 joined at 00:30 on 1 Dec (16:30 on 30 Nov in UTC), P7 at 07:00 on 4 Dec (still 3 Dec in UTC)."""
    first = figures(DEC_1, DEC_1)
    assert (first["waitlist_joined"], first["series"]) == (3, [{"day": DEC_1, "joined": 3, "booked": 1, "offers": 1}])
    before = figures(date(2026, 11, 30), date(2026, 11, 30))
    assert (before["waitlist_joined"], before["makeups_owed"], before["offers_opened"]) == (1, 1, 0)  # P0, M0's leave
    after = figures(date(2026, 12, 4), date(2026, 12, 4))
    # P7, offer 4 (three seat_available rows and a cancellation whose SMS is pending)
    assert (after["waitlist_joined"], after["offers_opened"], after["notifications_total"]) == (1, 1, 4)
    assert after["sms_by_status"] == {"pending": 1}
    assert after["series"] == [{"day": date(2026, 12, 4), "joined": 1, "booked": 0, "offers": 1}]


def test_queues_full_depend_on_now(studio):
    """At 07:59 on 4 Dec class E (08:00) has not started: its queue of 1 at capacity 1 counts as well."""
    assert figures(now=at("2026-12-04 07:59"))["queues_full_now"] == 2
    assert figures(now=at("2026-12-10 19:00"))["queues_full_now"] == 0  # D has started too


def test_a_queue_above_its_lowered_capacity_is_full(studio):
    CourseSchedule.objects.filter(pk=studio.schedules["D"].pk).update(waitlist_capacity=2)
    CourseSchedule.objects.filter(pk=studio.schedules["C"].pk).update(waitlist_capacity=0)  # 0 waiting ≥ 0
    assert figures()["queues_full_now"] == 2


def test_a_quiet_range_has_counts_of_zero_and_no_rates(studio):
    quiet = figures(date(2026, 10, 1), date(2026, 10, 3))
    assert quiet["waitlist_conversion_rate"] is None
    assert quiet["claim_median_minutes"] is None
    assert quiet["makeup_usage_rate"] is None
    assert quiet["notification_delivery_rate"] is None
    assert quiet["notifications_by_status"] == {}
    assert quiet["sms_delivery_rate"] is None
    assert quiet["sms_by_status"] == {}
    assert (
        quiet["compensation_minutes_granted"],
        quiet["compensation_minutes_spent"],
        quiet["compensation_minutes_expired"],
        quiet["compensation_minutes_revoked"],
    ) == (0, 0, 0, 0)
    assert [row["day"] for row in quiet["series"]] == [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)]
    assert {(row["joined"], row["booked"], row["offers"]) for row in quiet["series"]} == {(0, 0, 0)}


def test_a_single_claim_is_its_own_median(studio):
    assert figures(DEC_1, DEC_1)["claim_median_minutes"] == 7.0
    assert figures(DEC_2, DEC_2)["claim_median_minutes"] == 10.0


# --- the chart -------------------------------------------------------------------------------


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - the SVG under test is our own output, not untrusted input


def bars(svg: str) -> list[ET.Element]:
    return [rect for rect in parse(svg).iter(f"{SVG}rect") if rect.get("class") == "bar"]


def test_chart_is_well_formed_svg_with_a_bar_per_day_and_series():
    svg = grouped_bar_chart(
        title="每日候补",
        labels=["12-01", "12-02", "12-03"],
        series=[("加入候补", [3, 2, 4]), ("名额释放", [1, 0, 1])],
        description="三天",
    )
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == "每日候补"
    assert root.get("role") == "img"
    drawn = bars(svg)
    assert len(drawn) == 6
    assert [bar.find(f"{SVG}title").text for bar in drawn] == [
        "12-01 加入候补：3",
        "12-01 名额释放：1",
        "12-02 加入候补：2",
        "12-02 名额释放：0",
        "12-03 加入候补：4",
        "12-03 名额释放：1",
    ]
    heights = [float(bar.get("height")) for bar in drawn]
    assert heights[3] == 0  # a zero is drawn, flat
    assert heights[4] == max(heights)  # the 4 is the tallest
    assert heights[0] == pytest.approx(heights[4] * 3 / 4)


def test_chart_escapes_its_texts():
    svg = grouped_bar_chart(
        title='<script>alert("x")</script> & co',
        labels=["a<b", 'q"uote'],
        series=[("</title><svg>", [1, 2])],
        description="&amp;",
    )
    root = parse(svg)  # still well-formed
    assert root.find(f"{SVG}title").text == '<script>alert("x")</script> & co'
    assert root.find(f"{SVG}desc").text == "&amp;"
    assert "<script>" not in svg
    assert [group.get("data-label") for group in root.iter(f"{SVG}g")] == ["a<b", 'q"uote']


def test_chart_of_a_year_has_366_groups_and_sparse_labels():
    labels = [f"d{n}" for n in range(366)]
    svg = grouped_bar_chart(title="一年", labels=labels, series=[("a", [n % 7 for n in range(366)])])
    assert len(bars(svg)) == 366
    axis_labels = [text.text for text in parse(svg).iter(f"{SVG}text") if text.text and text.text.startswith("d")]
    assert axis_labels[:3] == ["d0", "d4", "d8"]  # 12-pixel groups: one label every 40 pixels or more


# --- the admin page --------------------------------------------------------------------------


def card(page: str, card_id: str) -> str:
    """The value shown on one card."""
    match = re.search(rf'id="card-{card_id}">\s*<h3>[^<]*</h3>\s*<p class="dash-value">([^<]*)</p>', page)
    assert match, card_id
    return match.group(1)


def test_staff_see_the_figures_and_the_chart(studio, staff_client):
    response = staff_client.get(URL, {"date_from": "2026-12-01", "date_to": "2026-12-03"})
    assert response.status_code == 200
    page = response.content.decode()
    for label in (
        "候补转化率",
        "名额释放到预约中位时长（分钟）",
        "失效名额",
        "补课使用率",
        "课时补偿（分钟）：发放 / 使用 / 过期 / 撤销",
        "通知送达率",
        "短信送达率",
        "截止延迟关闭",
        "当前满员候补队列",
    ):
        assert label in page
    assert card(page, "conversion") == "22.22%"
    assert card(page, "claim-median") == "8.5"
    assert card(page, "offers") == "3"
    assert card(page, "offers-lapsed") == "1"
    assert card(page, "makeup-usage") == "66.67%"
    assert card(page, "compensation") == "90 / 30 / 20 / 0"
    assert card(page, "delivery") == "72.73%"
    assert card(page, "closed-late") == "1 / 2"
    assert card(page, "queues-full") == "1"
    assert "通知 20：待发送 1 · 已发送 8 · 发送失败 3 · 未订阅，仅站内信 5 · 仅站内信（模板未配置微信模板） 3" in page
    assert card(page, "sms-delivery") == "66.67%"
    assert "短信 3：已发送 2 · 发送失败 1" in page
    chart = re.search(r'<div class="dash-chart" id="dashboard-chart">(.*?)</div>', page, re.S).group(1)
    assert len(bars(chart)) == 3 * 3  # three days, three series
    assert "12-01 加入候补：3" in chart
    assert "<td>2026-12-03</td><td>4</td><td>0</td><td>1</td>" in page
    assert 'value="2026-12-01"' in page and 'value="2026-12-03"' in page


def test_default_range_is_the_30_days_ending_today(studio, staff_client):
    page = staff_client.get(URL).content.decode()
    assert "统计区间：2026-11-05 至 2026-12-04" in page  # NOW is 4 Dec 12:00 in Shanghai
    assert 'value="2026-11-05"' in page and 'value="2026-12-04"' in page
    chart = re.search(r'<div class="dash-chart" id="dashboard-chart">(.*?)</div>', page, re.S).group(1)
    assert len(bars(chart)) == 30 * 3


def test_today_is_the_shanghai_day(db, staff_client, time_machine):
    time_machine.move_to(at("2026-12-05 07:30"), tick=False)  # 4 Dec 23:30 in UTC
    page = staff_client.get(URL).content.decode()
    assert "统计区间：2026-11-06 至 2026-12-05" in page


def test_a_single_date_from_runs_to_today(studio, staff_client):
    page = staff_client.get(URL, {"date_from": "2026-12-01"}).content.decode()
    assert "统计区间：2026-12-01 至 2026-12-04" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2026-13-01"}, "开始日期：输入一个有效的日期。"),
        ({"date_to": "yesterday"}, "结束日期：输入一个有效的日期。"),
        ({"date_from": "2026-12-05", "date_to": "2026-12-01"}, "结束日期不能早于开始日期"),
        ({"date_from": "2025-01-01", "date_to": "2026-01-02"}, "日期范围不能超过366天"),
        ({"date_to": "9999-12-31"}, "结束日期：日期超出范围"),
        ({"date_from": "1900-01-01"}, "开始日期：日期超出范围"),
    ],
)
def test_bad_dates_show_the_form_error(studio, staff_client, query, message):
    response = staff_client.get(URL, query)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "card-conversion" not in page  # no figures for a range that does not stand


def test_a_leap_year_of_366_days_is_allowed(studio, staff_client):
    response = staff_client.get(URL, {"date_from": "2028-01-01", "date_to": "2028-12-31"})
    assert response.status_code == 200
    assert "统计区间：2028-01-01 至 2028-12-31" in response.content.decode()


def test_parents_are_sent_to_the_admin_login(db, client):
    client.force_login(UserFactory())
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={URL}"


def test_the_front_desk_gets_403(db, client):
    from django.contrib.auth.models import Group

    desk = StaffFactory()
    desk.groups.add(Group.objects.get(name="前台"))
    client.force_login(desk)
    assert client.get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_the_admin_login(db, client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_index_links_to_the_dashboard(db, staff_client):
    page = staff_client.get("/admin/").content.decode()
    assert f'<a href="{URL}" id="ops-dashboard-link">运营看板</a>' in page
    assert "content-main" in page  # the app list is still there


def more_activity(n: int) -> None:
    """n more of everything in the range, written directly: the query count must not notice."""
    day = at("2026-12-02 11:00")
    schedules = [
        ScheduleFactory(starts_at=at("2026-12-09 19:00") + timedelta(hours=n), capacity=1, waitlist_capacity=1)
        for n in range(n)
    ]
    for schedule in schedules:
        profile = ProfileFactory()
        entry = WaitlistEntry.objects.create(profile=profile, schedule=schedule, joined_at=day)
        WaitlistEntry.objects.create(
            profile=ProfileFactory(), schedule=schedule, joined_at=day, status="closed", active=None, ended_at=day
        )
        WaitlistOffer.objects.create(
            schedule=schedule,
            released_at=day,
            deadline=day + timedelta(minutes=15),
            status="claimed",
            claimed_by=entry,
            closed_at=day + timedelta(minutes=n),
        )
        Notification.objects.create(
            user=profile.owner, template="waitlist_booked", title="候补成功", body="…", wechat_status="sent"
        )


def test_the_page_reads_a_fixed_number_of_queries(studio, staff_client, django_assert_max_num_queries):
    query = {"date_from": "2026-12-01", "date_to": "2026-12-03"}
    with django_assert_max_num_queries(30) as first:
        assert staff_client.get(URL, query).status_code == 200
    baseline = len(first.captured_queries)
    more_activity(15)
    with django_assert_max_num_queries(baseline):
        page = staff_client.get(URL, query).content.decode()
    assert card(page, "offers") == str(3 + 15)  # the new data was read
    assert card(page, "queues-full") == str(1 + 15)


def test_revoked_minutes_are_counted_apart(studio):
    """A credit taken back when the shorter make-up that earned it is cancelled is 撤销, not 过期."""
    from compensation.models import ClassCreditCompensation, CompensationUsage

    credit = ClassCreditCompensation.objects.filter(remaining__gt=0).first() or ClassCreditCompensation.objects.first()
    CompensationUsage.objects.create(credit=credit, minutes=15, kind="revoke", created_at=at("2026-12-02 10:00"))
    assert figures()["compensation_minutes_revoked"] == 15
    assert figures()["compensation_minutes_expired"] == 20
