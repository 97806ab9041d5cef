"""Authorization matrix (RULES §9): every operation of the API, tried with no token, an expired
token, another parent's ids, and (staff endpoints) a parent's token — all refused, nothing changed.
A new operation without a row here fails the coverage test."""

from datetime import timedelta

import pytest
import yaml
from django.utils import timezone

from accounts.models import Profile
from compensation.models import ClassCreditCompensation, CompensationUsage
from courses.models import Booking
from makeup.models import MakeupBooking
from notifications.models import Notification
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.security.families import family_with_everything
from waitlist.models import WaitlistEntry, WaitlistOffer

pytestmark = pytest.mark.django_db
PUBLIC = {("post", "/api/v1/auth/wechat-login"), ("post", "/api/v1/auth/refresh")}


@pytest.fixture
def victim(db):
    """Another family's data: a child with a booking, a waiting entry, a make-up, a credit, a message."""
    return family_with_everything(UserFactory())


def operations(v):
    """(method, schema path, concrete url, body) for every operation, aimed at the victim's data."""
    p = v["profile"]
    return [
        ("get", "/api/v1/profiles", "/api/v1/profiles", None),
        ("post", "/api/v1/profiles", "/api/v1/profiles", {"name": "x", "level": 1}),
        ("patch", "/api/v1/profiles/{id}", f"/api/v1/profiles/{p}", {"name": "改名"}),
        ("get", "/api/v1/course-types", "/api/v1/course-types", None),
        ("post", "/api/v1/auth/phone", "/api/v1/auth/phone", {"code": "13800000000"}),
        ("get", "/api/v1/auth/me", "/api/v1/auth/me", None),
        ("patch", "/api/v1/auth/me", "/api/v1/auth/me", {"sms_enabled": False}),
        ("get", "/api/v1/schedules", f"/api/v1/schedules?profile_id={p}", None),
        ("get", "/api/v1/schedules/{id}", f"/api/v1/schedules/{v['schedule']}?profile_id={p}", None),
        (
            "get",
            "/api/v1/schedules/{id}/alternatives",
            f"/api/v1/schedules/{v['schedule']}/alternatives?profile_id={p}",
            None,
        ),
        ("post", "/api/v1/bookings", "/api/v1/bookings", {"course_schedule_id": v["schedule"], "profile_id": p}),
        ("get", "/api/v1/bookings/my", f"/api/v1/bookings/my?profile_id={p}", None),
        ("post", "/api/v1/bookings/{id}/cancel", f"/api/v1/bookings/{v['booking']}/cancel", None),
        ("post", "/api/v1/bookings/{id}/leave", f"/api/v1/bookings/{v['booking']}/leave", {}),
        (
            "post",
            "/api/v1/waitlist/join",
            "/api/v1/waitlist/join",
            {"course_schedule_id": v["schedule"], "profile_id": p},
        ),
        ("get", "/api/v1/waitlist/my", f"/api/v1/waitlist/my?profile_id={p}", None),
        ("get", "/api/v1/waitlist/{id}", f"/api/v1/waitlist/{v['entry']}", None),
        ("patch", "/api/v1/waitlist/{id}", f"/api/v1/waitlist/{v['entry']}", {"auto_accept": True}),
        ("delete", "/api/v1/waitlist/{id}", f"/api/v1/waitlist/{v['entry']}", None),
        ("get", "/api/v1/waitlist/position/{entry_id}", f"/api/v1/waitlist/position/{v['entry']}", None),
        ("put", "/api/v1/waitlist/{id}/respond", f"/api/v1/waitlist/{v['entry']}/respond", {"action": "decline"}),
        ("get", "/api/v1/waitlist/{id}/notifications", f"/api/v1/waitlist/{v['entry']}/notifications", None),
        ("post", "/api/v1/waitlist/notify", "/api/v1/waitlist/notify", {"course_schedule_id": v["schedule"]}),
        ("get", "/api/v1/makeup/my", f"/api/v1/makeup/my?profile_id={p}", None),
        ("get", "/api/v1/makeup/available", f"/api/v1/makeup/available?makeup_id={v['makeup']}", None),
        (
            "post",
            "/api/v1/makeup/book",
            "/api/v1/makeup/book",
            {"course_schedule_id": v["schedule"], "profile_id": p, "original_booking_id": v["original_booking"]},
        ),
        ("delete", "/api/v1/makeup/{id}/cancel", f"/api/v1/makeup/{v['makeup']}/cancel", None),
        ("get", "/api/v1/compensation/balance", f"/api/v1/compensation/balance?profile_id={p}", None),
        ("get", "/api/v1/compensation/history", f"/api/v1/compensation/history?profile_id={p}", None),
        ("get", "/api/v1/notifications", "/api/v1/notifications", None),
        ("get", "/api/v1/notifications/unread-count", "/api/v1/notifications/unread-count", None),
        ("post", "/api/v1/notifications/{id}/read", f"/api/v1/notifications/{v['notification']}/read", None),
        (
            "post",
            "/api/v1/notifications/subscriptions",
            "/api/v1/notifications/subscriptions",
            {"accepted": ["tmpl-waitlist_closed"]},
        ),
    ]


def state(caller=None):
    """Everything a request could have changed."""
    return (
        # Every child that is not the caller's own (POST profiles may add one to the caller's).
        list(Profile.objects.exclude(owner=caller).order_by("pk").values_list("pk", "name", "level", "birth_date")),
        list(Booking.objects.order_by("pk").values_list("pk", "status")),
        list(WaitlistEntry.objects.order_by("pk").values_list("pk", "status", "auto_accept")),
        WaitlistOffer.objects.count(),
        list(MakeupBooking.objects.order_by("pk").values_list("pk", "status")),
        list(ClassCreditCompensation.objects.order_by("pk").values_list("pk", "remaining")),
        CompensationUsage.objects.count(),
        list(Notification.objects.order_by("pk").values_list("pk", "read_at")),
    )


def send(client, method, url, body):
    return getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)


def test_the_matrix_covers_every_operation_of_the_schema(anon_client, victim):
    schema = yaml.safe_load(anon_client.get("/api/schema/").content)
    defined = {(method, path) for path, ops in schema["paths"].items() for method in ops if path.startswith("/api/v1/")}
    covered = {(method, path) for method, path, _, _ in operations(victim)}
    assert defined - PUBLIC == covered


def test_no_token_is_401_everywhere_and_changes_nothing(anon_client, victim):
    before = state()
    for method, path, url, body in operations(victim):
        response = send(anon_client, method, url, body)
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["error"] == "not_authenticated"
    assert state() == before


def test_an_expired_token_is_401_everywhere(victim, time_machine):
    stale = client_for(UserFactory())
    time_machine.move_to(timezone.now() + timedelta(days=400), tick=False)
    for method, path, url, body in operations(victim):
        assert send(stale, method, url, body).status_code == 401, (method, path)


def test_another_parents_ids_are_404_and_change_nothing(victim, wechat_stub):
    wechat_stub.add_phone("13800000000", "13800000000")  # the attacker's own number: a write of one's own
    attacker_user = UserFactory()
    attacker = client_for(attacker_user)
    before = state(attacker_user)
    own_only = {
        ("get", "/api/v1/profiles"),
        ("post", "/api/v1/profiles"),
        ("get", "/api/v1/course-types"),
        ("post", "/api/v1/auth/phone"),
        ("get", "/api/v1/auth/me"),
        ("patch", "/api/v1/auth/me"),
        ("get", "/api/v1/notifications"),
        ("get", "/api/v1/notifications/unread-count"),
        ("post", "/api/v1/notifications/subscriptions"),
    }
    for method, path, url, body in operations(victim):
        response = send(attacker, method, url, body)
        if (method, path) in own_only:
            # Lists and writes of one's own: never the victim's data.
            assert response.status_code == 200, (method, path)
            data = response.json()["data"]
            if path in ("/api/v1/profiles", "/api/v1/notifications") and method == "get":
                assert data["count"] == 0, (method, path)  # the victim's rows are not in the attacker's lists
            if path == "/api/v1/notifications/unread-count":
                assert data == {"count": 0}
        elif path == "/api/v1/waitlist/notify":
            assert response.status_code == 403 and response.json()["message"] == "无权限", (method, path)
        else:
            assert response.status_code == 404, (method, path, response.status_code, response.json())
            assert response.json()["error"] == "not_found"
    assert state(attacker_user) == before


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/v1/waitlist/join", {"course_schedule_id": 1, "profile_id": 1}),
        ("put", "/api/v1/waitlist/1/respond", {"action": "accept"}),
        ("post", "/api/v1/makeup/book", {"course_schedule_id": 1, "profile_id": 1}),
    ],
)
def test_writes_are_throttled_on_join_respond_and_book(method, url, body):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    SimpleRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "write": "1/min"}
    try:
        client = client_for(UserFactory())
        assert send(client, method, url, body).status_code != 429
        response = send(client, method, url, body)
    finally:
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert response.status_code == 429
    assert response.json()["error"] == "throttled" and response.json()["message"] == "操作过于频繁，请稍后再试"
