"""Issue 14: every screen of the back office reads in Chinese. A superuser walks every list and one
object's page of each model of the studio (demo data plus a waitlist with an offer, flows and
notifications) and the dashboard; no raw id (`#7 1@7`), snake_case key (template names, field
names), English field name or stored choice value (`waiting`, `booked`) may be visible."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command

from courses.models import CourseType
from flows import offers
from flows.booking import booking_cancel
from tests.backoffice.admin_text import raw_findings, visible_text
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory, StaffFactory
from waitlist import services as waitlist_services

pytestmark = pytest.mark.django_db
STUDIO_APPS = ("accounts", "courses", "waitlist", "makeup", "compensation", "notifications", "core")


def stored_values() -> frozenset[str]:
    values = set()
    for label in STUDIO_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.fields:
                values.update(value for value, _ in (field.choices or []) if isinstance(value, str))
    # A course type's code is the studio's own short name for it (`regular`, `vip`): data, not a key.
    return frozenset(values - set(CourseType.objects.values_list("code", flat=True)))


def studio_with_a_waitlist():
    from notifications.models import SubscriptionGrant

    schedule = ScheduleFactory(capacity=1)
    seat = BookingFactory(schedule=schedule)
    for _ in range(2):
        offers.waitlist_join(profile=ProfileFactory(), schedule_id=schedule.pk)
    booking_cancel(booking_id=seat.pk)
    entry = schedule.waitlist_entries.order_by("id").first()
    waitlist_services.waitlist_offer_start(entry_id=entry.pk)
    SubscriptionGrant.objects.create(user=entry.profile.owner, template="waitlist_seat_available", remaining=1)
    return schedule, entry.profile


def pages(schedule, child) -> list[str]:
    urls = [
        "/admin/",
        "/admin/dashboard/",
        f"/admin/accounts/profile/{child.pk}/desk/",  # the family desk
        f"/admin/accounts/profile/{child.pk}/compensation/",  # the ledger
        f"/admin/courses/courseschedule/{schedule.pk}/family/",  # 为学员办理
        f"/admin/courses/courseschedule/{schedule.pk}/adjust/",  # 调整课程
    ]
    for model in admin.site._registry:
        label, name = model._meta.app_label, model._meta.model_name
        if label not in STUDIO_APPS:
            continue
        urls.append(f"/admin/{label}/{name}/")
        last = model.objects.order_by("-pk").first()
        if last is not None:
            urls.append(f"/admin/{label}/{name}/{last.pk}/change/")
    return urls


def test_every_studio_screen_reads_in_chinese(client, settings):
    settings.DEBUG = True  # seed_demo runs only in development
    call_command("seed_demo", stdout=StringIO())
    schedule, child = studio_with_a_waitlist()
    client.force_login(StaffFactory(is_superuser=True))
    raw_values = stored_values()
    found, visited = [], 0
    for url in pages(schedule, child):
        response = client.get(url)
        assert response.status_code == 200, url
        visited += 1
        found += [f"{url}: {finding}" for finding in sorted(set(raw_findings(response.content.decode(), raw_values)))]
    assert visited >= 25
    assert found == [], "\n".join(found)


def test_the_checker_sees_each_raw_pattern():
    html = "<table><tr><td>#7 1@7 booked</td><td>waitlist_seat_available</td><th>以 created at</th></tr></table>"
    findings = raw_findings(html, frozenset({"booked"}))
    assert [finding.split(":")[0] for finding in findings] == ["raw id", "raw value", "snake_case key", "field name"]
    assert raw_findings('<p title="waitlist_seat_available">候补有名额了</p><script>var a_b = 1;</script>') == []


def test_the_back_office_carries_the_studios_name_not_djangos(client, settings):
    client.force_login(StaffFactory(is_superuser=True))
    page = client.get("/admin/").content.decode()
    assert "少儿运动馆 · 候补与补课管理" in page and "<title>今日工作 | 少儿运动馆管理后台</title>" in page
    assert "Django" not in "".join(visible_text(page))
