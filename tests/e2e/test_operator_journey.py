"""An operator's day in a real browser (headless Chromium driven by Playwright): log in, raise a
class's capacity, move a waiting child to the front with a reason, resend a failed notification,
adjust a balance, open the class page and the dashboard. A screenshot of each screen goes to
tests/e2e/screenshots/ (not committed)."""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from flows import offers
from notifications.models import Notification
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory, StaffFactory
from waitlist.models import WaitlistEntry, WaitlistOffer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).parent / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM reads are synchronous
    # and safe, so Django's guard against async callers is lifted for this test only.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
        yield context.new_page()
        browser.close()


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
    return {"staff": staff, "schedule": schedule, "entries": entries, "failed": failed, "child": entries[1].profile}


def shot(page, name):
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


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
