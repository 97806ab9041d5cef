"""The in-app message centre and subscription grants, through the HTTP API."""

import pytest

from notifications import services
from notifications.models import SubscriptionGrant

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "course_name": "少儿体能·基础",
    "starts_at": "2026年12月2日 19:00",
    "deadline": "2026年12月2日 12:45",
    "entry_id": 7,
}


def make(user, template="waitlist_closed"):
    return services.notification_create(user_id=user.pk, template=template, payload=PAYLOAD)


def test_message_centre_lists_my_notifications_newest_first(parent_client, parent, other_parent):
    first, second = make(parent), make(parent, "waitlist_seat_available")
    make(other_parent)
    data = parent_client.get("/api/v1/notifications").json()["data"]
    assert data["count"] == 2
    assert [item["id"] for item in data["items"]] == [second.pk, first.pk]
    assert data["items"][0] == {
        "id": second.pk,
        "template": "waitlist_seat_available",
        "title": "候补有名额了",
        "body": "少儿体能·基础（2026年12月2日 19:00）有名额释放，请在2026年12月2日 12:45前确认预约。",
        "page": "pages/waitlist/status/index?id=7",
        "created_at": data["items"][0]["created_at"],
        "read_at": None,
    }


def test_unread_filter_count_and_read(parent_client, parent):
    a, b = make(parent), make(parent)
    assert parent_client.get("/api/v1/notifications/unread-count").json()["data"] == {"count": 2}
    response = parent_client.post(f"/api/v1/notifications/{a.pk}/read")
    assert response.status_code == 200
    read_at = response.json()["data"]["read_at"]
    assert response.json()["data"]["id"] == a.pk and read_at
    assert parent_client.get("/api/v1/notifications/unread-count").json()["data"] == {"count": 1}
    assert [i["id"] for i in parent_client.get("/api/v1/notifications?unread=true").json()["data"]["items"]] == [b.pk]
    assert [i["id"] for i in parent_client.get("/api/v1/notifications?unread=false").json()["data"]["items"]] == [a.pk]
    # Reading again keeps the first time.
    assert parent_client.post(f"/api/v1/notifications/{a.pk}/read").json()["data"]["read_at"] == read_at


def test_reading_another_parents_notification_is_404_and_changes_nothing(parent_client, other_parent):
    theirs = make(other_parent)
    response = parent_client.post(f"/api/v1/notifications/{theirs.pk}/read")
    assert response.status_code == 404
    assert response.json()["message"] == "资源不存在"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_bad_unread_value_is_400(parent_client):
    assert parent_client.get("/api/v1/notifications?unread=maybe").status_code == 400


def test_notifications_query_count_is_constant(parent_client, parent, django_assert_max_num_queries):
    for _ in range(2):
        make(parent)
    with django_assert_max_num_queries(3) as small:
        parent_client.get("/api/v1/notifications?page_size=100")
    baseline = len(small.captured_queries)
    for _ in range(30):
        make(parent)
    with django_assert_max_num_queries(baseline):
        assert parent_client.get("/api/v1/notifications?page_size=100").json()["data"]["count"] == 32


def test_subscriptions_add_one_grant_per_accepted_template(parent_client, parent):
    body = {"accepted": ["tmpl-waitlist_seat_available", "tmpl-waitlist_closed", "tmpl-waitlist_closed"]}
    response = parent_client.post("/api/v1/notifications/subscriptions", body, format="json")
    assert response.status_code == 200
    assert response.json()["data"] == {"granted": {"waitlist_closed": 1, "waitlist_seat_available": 1}}
    parent_client.post("/api/v1/notifications/subscriptions", {"accepted": ["tmpl-waitlist_closed"]}, format="json")
    assert SubscriptionGrant.objects.get(user=parent, template="waitlist_closed").remaining == 2


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"accepted": []},
        {"accepted": "tmpl-waitlist_closed"},
        {"accepted": ["x"] * 21},
        {"accepted": ["tmpl-waitlist_closed", "not-ours"]},
    ],
)
def test_bad_subscriptions_are_400_and_grant_nothing(parent_client, body):
    response = parent_client.post("/api/v1/notifications/subscriptions", body, format="json")
    assert response.status_code == 400
    assert not SubscriptionGrant.objects.exists()


def test_unknown_template_id_is_named(parent_client):
    response = parent_client.post("/api/v1/notifications/subscriptions", {"accepted": ["not-ours"]}, format="json")
    assert response.json() == {
        "code": 400,
        "message": "包含未知的订阅消息模板",
        "error": "validation_error",
        "data": {"accepted": ["not-ours"]},
    }


def test_a_grant_from_the_api_lets_the_next_message_go_to_wechat(parent_client, parent, locmem_outbox):
    parent_client.post("/api/v1/notifications/subscriptions", {"accepted": ["tmpl-waitlist_closed"]}, format="json")
    assert services.notification_send(notification_id=make(parent).pk).status == "sent"
    assert len(locmem_outbox) == 1


def test_notification_endpoints_need_a_token(anon_client):
    for method, url in [
        ("get", "/api/v1/notifications"),
        ("get", "/api/v1/notifications/unread-count"),
        ("post", "/api/v1/notifications/1/read"),
        ("post", "/api/v1/notifications/subscriptions"),
    ]:
        assert getattr(anon_client, method)(url).status_code == 401
