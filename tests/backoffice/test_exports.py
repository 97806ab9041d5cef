"""Issue 14: what operators take to Excel, as .xlsx (and CSV) with Chinese headers and the list's
filters applied, through django-import-export (export only)."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Group

from compensation import services as compensation_services
from flows import offers
from flows.booking import booking_leave
from notifications.models import Notification
from tests.factories import BookingFactory, CourseFactory, ProfileFactory, ScheduleFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client):
    staff = StaffFactory()
    staff.groups.add(Group.objects.get(name="前台"))
    client.force_login(staff)
    return staff


def export(client, url, file_format="0"):
    response = client.post(url, {"resource": "0", "format": file_format})
    assert response.status_code == 200, response.content[:300]
    return response


def rows_of(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_a_class_roster_exports_with_chinese_headers_and_only_that_class(client, desk):
    swim = ScheduleFactory(course=CourseFactory(name="少儿游泳"))
    parent = UserFactory(nickname="乐乐妈妈", phone="13800000000")
    BookingFactory(schedule=swim, profile=ProfileFactory(name="乐乐", owner=parent))
    BookingFactory(schedule=ScheduleFactory(course=CourseFactory(name="别的课")))
    response = export(client, f"/admin/courses/booking/export/?schedule__id__exact={swim.pk}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = rows_of(response)
    assert rows[0] == ["学员", "家长", "电话", "课程", "上课时间", "类型", "状态", "预约时间", "请假原因"]
    assert [row[:4] + row[5:7] for row in rows[1:]] == [
        ["乐乐", "乐乐妈妈", "13800000000", "少儿游泳", "正常预约", "已预约"]
    ]


def test_the_waitlist_makeups_ledger_and_deliveries_export(client, desk):
    schedule = ScheduleFactory(capacity=1, course=CourseFactory(name="少儿游泳"))
    BookingFactory(schedule=schedule)
    offers.waitlist_join(profile=ProfileFactory(name="安安"), schedule_id=schedule.pk, auto_accept=True)
    waiting = rows_of(export(client, "/admin/waitlist/waitlistentry/export/?status__exact=waiting"))
    assert waiting[0] == [
        "学员",
        "家长",
        "电话",
        "课程",
        "上课时间",
        "状态",
        "加入时间",
        "优先原因",
        "自动递补",
        "结束原因",
    ]
    assert [row[0] for row in waiting[1:]] == ["安安"]
    assert waiting[1][8] == "是"

    child = ProfileFactory(name="乐乐")
    booking_leave(booking_id=BookingFactory(profile=child).pk)
    makeups = rows_of(export(client, "/admin/makeup/makeupbooking/export/"))
    assert makeups[0] == [
        "学员",
        "电话",
        "原课程",
        "原课程时长（分钟）",
        "状态",
        "请假时间",
        "补课课程",
        "时长差（分钟）",
    ]
    assert makeups[1][0] == "乐乐" and makeups[1][4] == "待补课"

    compensation_services.compensation_adjust(profile_id=child.pk, minutes=30, reason="老师调课补偿", by=desk)
    ledger = rows_of(export(client, "/admin/compensation/classcreditcompensation/export/"))
    assert ledger[0] == ["学员", "分钟", "剩余分钟", "来源", "状态", "发放时间", "过期时间", "操作人", "原因"]
    assert (ledger[1][0], ledger[1][1], ledger[1][3], ledger[1][8]) == ("乐乐", 30, "人工调整", "老师调课补偿")

    told = rows_of(export(client, "/admin/notifications/notification/export/?template=waitlist_seat_available"))
    assert told[0] == [
        "通知类型",
        "家长",
        "学员",
        "标题",
        "微信发送状态",
        "微信错误码",
        "短信发送状态",
        "短信错误码",
        "创建时间",
        "发送时间",
    ]
    assert len(told) == 1 + Notification.objects.filter(template="waitlist_seat_available").count()


def test_csv_too(client, desk):
    BookingFactory(profile=ProfileFactory(name="乐乐"))
    response = export(client, "/admin/courses/booking/export/", file_format="1")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "学员,家长,电话,课程,上课时间,类型,状态,预约时间,请假原因"
    assert "乐乐" in text


def test_export_needs_the_view_permission(client):
    client.force_login(StaffFactory())
    assert client.get("/admin/courses/booking/export/").status_code == 403


@pytest.mark.parametrize(
    "changelist",
    [
        "/admin/courses/booking/",
        "/admin/waitlist/waitlistentry/",
        "/admin/makeup/makeupbooking/",
        "/admin/compensation/classcreditcompensation/",
        "/admin/notifications/notification/",
    ],
)
def test_each_list_offers_its_export_with_the_filters_kept(client, desk, changelist):
    page = client.get(f"{changelist}?q=乐乐").content.decode()
    assert f'href="{changelist}export/?q=%E4%B9%90%E4%B9%90"' in page


def test_the_class_page_links_its_roster_and_waitlist_exports(client, desk):
    schedule = ScheduleFactory()
    page = client.get(f"/admin/courses/courseschedule/{schedule.pk}/change/").content.decode()
    assert f'href="/admin/courses/booking/export/?schedule__id__exact={schedule.pk}"' in page
    assert (
        f'href="/admin/waitlist/waitlistentry/export/?schedule__id__exact={schedule.pk}&amp;status__exact=waiting"'
        in page
    )
    roster = export(
        client, f"/admin/waitlist/waitlistentry/export/?schedule__id__exact={schedule.pk}&status__exact=waiting"
    )
    assert rows_of(roster)[1:] == []


@pytest.mark.parametrize(
    "url, make",
    [
        ("/admin/courses/booking/export/", lambda: BookingFactory()),
        (
            "/admin/waitlist/waitlistentry/export/?status__exact=waiting",
            lambda: offers.waitlist_join(profile=ProfileFactory(), schedule_id=_full_class().pk),
        ),
        ("/admin/makeup/makeupbooking/export/", lambda: booking_leave(booking_id=BookingFactory().pk)),
    ],
)
def test_an_export_reads_a_fixed_number_of_queries(client, desk, url, make):
    """Every column's relation is joined: ten rows cost what two cost (no query per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        make()
    with CaptureQueriesContext(connection) as two:
        export(client, url)
    for _ in range(8):
        make()
    with CaptureQueriesContext(connection) as ten:
        rows = rows_of(export(client, url))
    assert len(rows) == 11
    assert len(ten) == len(two)


def _full_class():
    schedule = ScheduleFactory(capacity=1)
    BookingFactory(schedule=schedule)
    return schedule
