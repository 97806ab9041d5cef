"""Health check, OpenAPI schema, periodic jobs, heartbeat, admin screens."""

from datetime import datetime
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from core.tasks import heartbeat_task
from tests.conftest import admin_list_edit
from tests.factories import BookingFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_redis_and_broker(anon_client, settings):
    response = anon_client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["db"] == "ok"
    assert body["redis"] == ("ok" if settings.REDIS_URL else "absent")
    assert body["broker"] == "ok"


def test_healthz_shows_the_last_worker_heartbeat(anon_client):
    assert anon_client.get("/healthz").json()["worker_heartbeat"] is None
    stamp = heartbeat_task()
    shown = anon_client.get("/healthz").json()["worker_heartbeat"]
    assert datetime.fromisoformat(shown) == datetime.fromisoformat(stamp)
    assert shown.endswith("+08:00") and stamp.endswith("+08:00")  # Shanghai time, like the rest of the API


def test_schema_describes_every_endpoint_with_the_envelope(anon_client):
    response = anon_client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    expected = {
        ("/api/v1/auth/wechat-login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/profiles", "get"),
        ("/api/v1/profiles", "post"),
        ("/api/v1/schedules", "get"),
        ("/api/v1/schedules/{id}", "get"),
        ("/api/v1/bookings", "post"),
        ("/api/v1/bookings/my", "get"),
        ("/api/v1/bookings/{id}/cancel", "post"),
        ("/api/v1/bookings/{id}/leave", "post"),
        ("/api/v1/waitlist/join", "post"),
        ("/api/v1/waitlist/my", "get"),
        ("/api/v1/waitlist/{id}", "delete"),
        ("/api/v1/waitlist/position/{entry_id}", "get"),
        ("/api/v1/waitlist/{id}/respond", "put"),
        ("/api/v1/waitlist/{id}/notifications", "get"),
        ("/api/v1/waitlist/notify", "post"),
        ("/api/v1/notifications", "get"),
        ("/api/v1/notifications/unread-count", "get"),
        ("/api/v1/notifications/{id}/read", "post"),
        ("/api/v1/notifications/subscriptions", "post"),
        ("/api/v1/makeup/my", "get"),
        ("/api/v1/makeup/available", "get"),
        ("/api/v1/makeup/book", "post"),
        ("/api/v1/makeup/{id}/cancel", "delete"),
        ("/api/v1/compensation/balance", "get"),
        ("/api/v1/compensation/history", "get"),
    }
    assert expected <= {(path, method) for path, ops in paths.items() for method in ops}
    booking = paths["/api/v1/bookings"]["post"]
    assert "requestBody" in booking
    ok_schema = booking["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(ok_schema["properties"]) == {"code", "message", "data"}
    assert booking["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorEnvelope")
    listing = paths["/api/v1/schedules"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][listing["properties"]["data"]["$ref"].rsplit("/", 1)[-1]]
    assert set(page["properties"]) == {"items", "count", "next", "previous"}
    assert paths["/api/v1/bookings/my"]["get"]["responses"]["200"]["content"]["application/json"]["schema"][
        "properties"
    ]["data"]["$ref"].endswith("PaginatedBookingOutputList")


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_api_docs_load_everything_from_this_server(anon_client, url):
    """Swagger UI and Redoc come with the app (drf-spectacular-sidecar): no CDN, which is slow or
    blocked for many users in mainland China, and nothing unpinned."""
    import re

    from django.contrib.staticfiles import finders

    response = anon_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page)
    references += re.findall(r"""["']((?:https?:)?//[^"']+)["']""", page)
    assert references, page[:300]
    outside = [ref for ref in references if ref.startswith(("http:", "https:", "//"))]
    assert outside == []
    static = [ref.removeprefix("/static/") for ref in references if ref.startswith("/static/")]
    assert static and all(finders.find(path) for path in static), static


def test_setup_periodic_tasks_is_idempotent_and_keeps_a_paused_job_paused():
    call_command("setup_periodic_tasks", stdout=StringIO())
    call_command("setup_periodic_tasks", stdout=StringIO())
    task = PeriodicTask.objects.get(name="heartbeat")
    assert task.task == "core.tasks.heartbeat_task"
    assert task.interval.every == 60 and task.interval.period == "seconds"
    task.enabled = False
    task.save()
    out = StringIO()
    call_command("setup_periodic_tasks", stdout=out)
    assert PeriodicTask.objects.filter(name="heartbeat").count() == 1
    assert PeriodicTask.objects.get(name="heartbeat").enabled is False
    assert "paused" in out.getvalue()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/accounts/profile/",
        "/admin/courses/coursetype/",
        "/admin/courses/course/",
        "/admin/courses/courseschedule/",
        "/admin/courses/booking/",
        "/admin/django_celery_beat/periodictask/",
        "/admin/notifications/notification/",
        "/admin/notifications/subscriptiongrant/",
        "/admin/makeup/makeupbooking/",
        "/admin/compensation/classcreditcompensation/",
    ],
)
def test_admin_screens_open_for_staff(client, url):
    BookingFactory()
    client.force_login(StaffFactory(is_superuser=True))
    assert client.get(url).status_code == 200


def test_admin_schedule_change_page_shows_bookings(client):
    booking = BookingFactory()
    client.force_login(StaffFactory(is_superuser=True))
    response = client.get(f"/admin/courses/courseschedule/{booking.schedule_id}/change/")
    assert response.status_code == 200
    assert booking.profile.name in response.content.decode()


def test_admin_needs_staff(client, parent):
    client.force_login(parent)
    assert client.get("/admin/courses/courseschedule/").status_code == 302


def test_staff_edits_capacity_and_waitlist_override_in_the_list(client):
    booking = BookingFactory()
    schedule = booking.schedule
    client.force_login(StaffFactory(is_superuser=True))
    response = admin_list_edit(client, "/admin/courses/courseschedule/", schedule.pk, capacity=9, waitlist_capacity=3)
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.capacity, schedule.waitlist_capacity) == (9, 3)
