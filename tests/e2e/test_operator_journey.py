"""An operator's day in a real browser (headless Chromium driven by Playwright): log in, raise a
class's capacity, move a waiting child to the front with a reason, resend a failed notification,
adjust a balance, open the class page and the dashboard; then the front desk (role 前台) takes a
leave by phone and arranges the make-up, and the studio manager (运营主管) moves a class. A
screenshot of each screen, at 1366 px wide, goes to var/screenshots/ (CI keeps it as an artifact;
not committed)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from flows import offers
from notifications.models import Notification
from tests.e2e.conftest import shot
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory, StaffFactory
from waitlist.models import WaitlistEntry, WaitlistOffer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def studio(db):
    staff = StaffFactory(username="operator", is_superuser=True)
    schedule = ScheduleFactory(starts_at=timezone.now() + timedelta(days=2), capacity=2)
    for _ in range(2):
        BookingFactory(schedule=schedule)
    entries = [
        offers.waitlist_join(profile=ProfileFactory(name=name), schedule_id=schedule.pk).entry
        for name in ("甲甲", "乙乙", "丙丙")
    ]
    failed = Notification.objects.create(
        user=entries[0].profile.owner,
        template="waitlist_closed",
        title="候补已截止",
        body="候补已截止，本次未能候补成功",
        wechat_status="failed",
        errcode=-1,
        last_error="-1: system busy",
        attempts=6,
    )
    parent = entries[1].profile.owner
    parent.phone, parent.sms_enabled = "13812345678", True
    parent.save(update_fields=["phone", "sms_enabled"])
    sms_failed = Notification.objects.create(
        user=parent,
        template="session_cancelled",
        title="课程取消通知",
        body="课程因故取消",
        wechat_status="skipped_no_subscription",
        sms_status="failed",
        sms_error="FailedOperation.PhoneNumberInBlacklist",
        sms_attempts=1,
        payload={"course_name": "少儿体能·基础", "starts_at": "2026年12月5日 19:00", "profile_name": "乙乙"},
    )
    return {
        "staff": staff,
        "schedule": schedule,
        "entries": entries,
        "failed": failed,
        "sms_failed": sms_failed,
        "child": entries[1].profile,
    }


def test_an_operators_day(page, live_server, studio):
    base = live_server.url
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", "staff-pass")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    shot(page, "01-admin-index")

    # Raise the class's capacity in the list: the new seat is offered to the waitlist at once.
    schedule = studio["schedule"]
    page.goto(f"{base}/admin/courses/courseschedule/")
    row = page.locator(f"input[name=_selected_action][value='{schedule.pk}']").locator("xpath=ancestor::tr")
    row.locator("input[name$='-capacity']").fill("3")
    shot(page, "02-capacity-edit")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    schedule.refresh_from_db()
    assert schedule.capacity == 3
    assert WaitlistOffer.objects.filter(schedule=schedule, reason="capacity", status="open").count() == 1
    assert f"{schedule}：座位数 2 → 3：名额已发给3位候补" in page.locator(".messagelist").inner_text()

    # Move the third child to the front, with a reason.
    last = studio["entries"][2]
    page.goto(f"{base}/admin/waitlist/waitlistentry/")
    page.check(f"input[name=_selected_action][value='{last.pk}']")
    page.select_option("select[name=action]", "_prioritize")
    page.click("button[name=index]")
    page.wait_for_selector("textarea[name=reason]")
    page.fill("textarea[name=reason]", "老学员续报优先")
    shot(page, "03-move-to-front-reason")
    page.click("input[type=submit].default")
    page.wait_for_load_state()
    shot(page, "04-queue-after-move")
    last.refresh_from_db()
    assert last.priority == 1 and last.priority_reason.startswith("老学员续报优先")

    # Resend a failed WeChat message through the outbox.
    failed = studio["failed"]
    page.goto(f"{base}/admin/notifications/notification/?wechat_status__exact=failed")
    shot(page, "05-failed-notifications")
    page.check(f"input[name=_selected_action][value='{failed.pk}']")
    page.select_option("select[name=action]", "resend")
    page.click("button[name=index]")
    page.wait_for_load_state()
    failed.refresh_from_db()
    assert failed.wechat_status != "failed" and failed.attempts <= 1

    # The SMS that Tencent refused (the number is unblocked now): 重新发送短信 from the failure's link.
    sms_failed = studio["sms_failed"]
    page.goto(f"{base}/admin/notifications/notification/")
    assert "发送失败：1" in page.locator("#sms-summary").inner_text().replace(" ", "").replace("\n", "")
    page.click("#sms-summary a:has-text('FailedOperation.PhoneNumberInBlacklist')")
    page.wait_for_load_state()
    shot(page, "05b-failed-sms")
    page.check(f"input[name=_selected_action][value='{sms_failed.pk}']")
    page.select_option("select[name=action]", "resend_sms")
    page.click("button[name=index]")
    page.wait_for_load_state()
    assert page.locator(".messagelist").inner_text() == "已重新加入短信发送队列：1 条"
    sms_failed.refresh_from_db()
    assert (sms_failed.sms_status, sms_failed.sms_error) == ("sent", "")

    # Adjust a child's compensation balance.
    child = studio["child"]
    page.goto(f"{base}/admin/accounts/profile/{child.pk}/compensation/")
    page.fill("#id_minutes", "30")
    page.fill("#id_reason", "老师调课补偿")
    page.click("#adjust-form input[type=submit]")
    page.wait_for_load_state()
    shot(page, "06-ledger-after-adjust")
    assert page.locator("#balance").inner_text() == "30"

    # The class page: its queue in order and the open offer.
    page.goto(f"{base}/admin/courses/courseschedule/{schedule.pk}/change/")
    shot(page, "07-class-queue-and-offers")
    assert page.locator("text=候补队列").count() >= 1
    assert WaitlistEntry.objects.filter(schedule=schedule, status="waiting").count() == 3

    # The dashboard, from the admin index's link.
    page.goto(f"{base}/admin/")
    page.click("text=运营看板")
    page.wait_for_load_state()
    shot(page, "08-dashboard")
    assert page.locator("text=候补转化率").count() >= 1
    assert page.locator("svg").count() >= 1
    # Its 需要处理 panel: no worker ran here, so the heartbeat row needs a person and leads to the jobs.
    assert page.locator("#attention-heartbeat.alert").count() == 1
    page.click("#attention-heartbeat a")
    page.wait_for_load_state()
    assert "/admin/django_celery_beat/periodictask/" in page.url


@pytest.fixture
def front_desk_day(db):
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    from courses.models import Course

    # A transactional test starts from a flushed database: the roles migration's groups are made again.
    importlib.import_module("backoffice.migrations.0001_roles").create_roles(apps, None)
    importlib.import_module("backoffice.migrations.0002_dashboard_role").grant_dashboard(apps, None)
    desk = StaffFactory(username="desk", is_superuser=False)
    desk.groups.add(Group.objects.get(name="前台"))
    manager = StaffFactory(username="manager", is_superuser=False)
    manager.groups.add(Group.objects.get(name="运营主管"))
    course = Course.objects.create(
        name="少儿游泳", course_type=ScheduleFactory().course.course_type, level=2, duration_minutes=60, price=180
    )
    tomorrow = timezone.localtime(timezone.now() + timedelta(days=1)).replace(hour=19, minute=0, second=0)
    evening = ScheduleFactory(starts_at=tomorrow, course=course, capacity=2, coach="王教练", venue="朝阳馆")
    child = ProfileFactory(name="乐乐", level=2)
    seat = BookingFactory(schedule=evening, profile=child)
    BookingFactory(schedule=evening)
    waiting = ProfileFactory(name="安安")
    offers.waitlist_join(profile=waiting, schedule_id=evening.pk)
    session = ScheduleFactory(starts_at=tomorrow + timedelta(days=2), course=course, coach="李教练", venue="海淀馆")
    # Today's view lists the whole Shanghai day, so the class is put inside it whatever the hour CI runs at.
    now = timezone.localtime(timezone.now())
    today = ScheduleFactory(starts_at=min(now + timedelta(hours=1), now.replace(hour=23, minute=0)), course=course)
    basketball = Course.objects.create(
        name="少儿篮球", course_type=course.course_type, level=2, duration_minutes=60, price=180
    )
    full = ScheduleFactory(starts_at=tomorrow + timedelta(days=3), course=basketball, capacity=1)
    BookingFactory(schedule=full)
    return {
        "evening": evening,
        "seat": seat,
        "child": child,
        "waiting": waiting,
        "session": session,
        "today": today,
        "full": full,
    }


def autocomplete(page, field_id, text):
    """Choose in one of the admin's autocomplete (select2) fields by typing a name."""
    page.click(f"#{field_id} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", text)
    page.wait_for_selector(f".select2-results__option:has-text('{text}')")
    page.click(f".select2-results__option:has-text('{text}')")


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "staff-pass")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def test_the_front_desk_and_the_manager(page, live_server, front_desk_day):
    from makeup.models import MakeupBooking

    base, day = live_server.url, front_desk_day
    login(page, base, "desk")
    assert page.locator("#today-module").locator("text=少儿游泳").count() >= 1
    shot(page, "10-today")

    # A parent phones: 乐乐 has a fever. The desk records the leave from the child's page.
    page.goto(f"{base}/admin/accounts/profile/")
    page.click(f"a[href='/admin/accounts/profile/{day['child'].pk}/desk/']")
    page.wait_for_selector("#desk-leave")
    page.select_option("#id_leave-booking", str(day["seat"].pk))
    page.fill("#id_leave-reason", "家长来电：孩子发烧")
    page.click("#desk-leave input[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".messagelist").inner_text() == "已为乐乐记录请假：生成待补课1条，名额已发给1位候补"
    shot(page, "11-child-desk-after-leave")

    # Then the make-up: pick it, preview the session, confirm.
    makeup = MakeupBooking.objects.get(original_booking=day["seat"])
    page.select_option("#id_choose_makeup", str(makeup.pk))
    page.click("#desk-makeup-choose input[type=submit]")
    page.wait_for_selector("#id_makeup-session")
    page.select_option("#id_makeup-session", str(day["session"].pk))
    page.fill("#id_makeup-reason", "家长请前台安排补课")
    page.click("#desk-makeup input[name=preview]")
    page.wait_for_selector("#makeup-preview")
    shot(page, "12-makeup-preview")
    page.click("#desk-makeup input[type=submit].default")
    page.wait_for_load_state()
    assert page.locator(".messagelist").inner_text().startswith("已为乐乐安排补课：少儿游泳")
    makeup.refresh_from_db()
    assert makeup.status == "booked"

    # 11.2: the make-up seat is cancelled again for the family.
    page.select_option("#id_cancel-booking", str(makeup.booking_id))
    page.fill("#id_cancel-reason", "家长改变主意")
    page.click("#desk-cancel input[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".messagelist").inner_text().startswith("已为乐乐取消预约：少儿游泳")

    # 11.5: 乐乐 waits for the full basketball class, chosen by name.
    autocomplete(page, "id_waitlist-schedule", "少儿篮球")
    page.fill("#id_waitlist-reason", "家长电话登记候补")
    page.click("#desk-waitlist input[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".messagelist").inner_text().startswith("已为乐乐加入候补：少儿篮球")
    assert page.locator("#desk-waiting").locator("text=少儿篮球").count() == 1

    # 11.3: from a class's page, 安安 is found by name and booked into it.
    page.goto(f"{base}/admin/courses/courseschedule/{day['session'].pk}/change/")
    page.click("text=为学员办理")
    page.wait_for_selector("#class-family-form")
    autocomplete(page, "id_profile", "安安")
    page.select_option("#id_action", "book")
    page.fill("#id_reason", "到店报名")
    shot(page, "17-class-family-form")
    page.click("#class-family-form input[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".messagelist").inner_text().startswith("已为安安预约：少儿游泳")

    # The desk cannot move a class: no 调整课程 link.
    page.goto(f"{base}/admin/courses/courseschedule/{day['evening'].pk}/change/")
    assert page.locator("text=调整课程").count() == 0

    # The manager moves the evening class an hour earlier; its families are told.
    login(page, base, "manager")
    page.goto(f"{base}/admin/courses/courseschedule/")
    shot(page, "13-class-list")
    for column in ("booked", "available_seats", "waiting", "status"):  # visible without scrolling at 1366 px
        box = page.locator(f"#result_list th.column-{column}").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1366, (column, box)
    page.goto(f"{base}/admin/courses/courseschedule/{day['evening'].pk}/change/")
    shot(page, "14-class-page")
    page.click("text=调整课程")
    page.wait_for_selector("#class-change-form")
    page.fill("#id_starts_at_1", "18:00:00")
    page.fill("#id_ends_at_1", "19:00:00")
    page.fill("#id_reason", "泳池维护，提前一小时")
    shot(page, "15-adjust-form")
    page.click("#class-change-form input[type=submit]")
    page.wait_for_load_state()
    assert "已通知2个家庭" in page.locator(".messagelist").inner_text()
    page.goto(f"{base}/admin/notifications/notification/")
    shot(page, "16-families-told")
    assert page.locator("text=课程调整通知").count() >= 2
