"""docs/rules.md §9-10: the envelope on every answer, errors with machine codes and Chinese messages."""

import pytest

pytestmark = pytest.mark.django_db


def test_success_is_wrapped_in_the_envelope_with_default_message(parent_client, profile):
    response = parent_client.get("/api/v1/profiles")
    body = response.json()
    assert response.status_code == 200
    assert body["code"] == 200
    assert body["message"] == "操作成功"
    assert "error" not in body
    assert body["data"]["items"][0]["name"] == "乐乐"


def test_list_shape_is_items_count_next_previous(parent_client, parent):
    for n in range(3):
        parent_client.post("/api/v1/profiles", {"name": f"孩子{n}", "level": 1}, format="json")
    body = parent_client.get("/api/v1/profiles?page_size=2").json()["data"]
    assert set(body) == {"items", "count", "next", "previous"}
    assert body["count"] == 3
    assert len(body["items"]) == 2
    assert body["next"].endswith("page=2&page_size=2")
    assert body["previous"] is None


def test_page_beyond_the_end_is_404_in_the_envelope(parent_client, profile):
    response = parent_client.get("/api/v1/profiles?page=99")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "页码无效", "error": "not_found", "data": None}


def test_without_token_answers_401_not_authenticated(anon_client):
    response = anon_client.get("/api/v1/profiles")
    assert response.status_code == 401
    assert response.json() == {"code": 401, "message": "请先登录", "error": "not_authenticated", "data": None}


def test_garbage_token_answers_401_not_authenticated(anon_client):
    anon_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    response = anon_client.get("/api/v1/schedules")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert response.json()["message"] == "请先登录"


def test_expired_token_answers_401(parent, time_machine):
    from tests.conftest import client_for

    client = client_for(parent)
    time_machine.move_to("2099-01-01T00:00:00+08:00")
    response = client.get("/api/v1/profiles")
    assert response.status_code == 401
    assert response.json()["message"] == "请先登录"


def test_validation_error_is_400_with_field_details_in_chinese(parent_client):
    response = parent_client.post("/api/v1/profiles", {"level": "high"}, format="json")
    body = response.json()
    assert response.status_code == 400
    assert body["code"] == 400
    assert body["error"] == "validation_error"
    assert body["message"] == "参数错误"
    assert body["data"]["name"] == ["该字段是必填项。"]
    assert "level" in body["data"]


def test_malformed_json_is_400_not_500(parent_client):
    response = parent_client.post("/api/v1/profiles", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert response.json()["message"] == "请求格式错误"


def test_unknown_api_path_is_404_envelope(parent_client):
    response = parent_client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "资源不存在", "error": "not_found", "data": None}


def test_wrong_method_is_405_in_the_envelope(parent_client):
    response = parent_client.delete("/api/v1/profiles")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


def test_unexpected_exception_is_a_500_envelope_not_an_html_page(parent_client, monkeypatch):
    from accounts import selectors

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "profiles_of", explode)
    response = parent_client.get("/api/v1/profiles")
    assert response.status_code == 500
    assert response.json() == {"code": 500, "message": "服务器繁忙，请稍后再试", "error": "server_error", "data": None}


def test_writes_are_throttled_per_user_with_429(parent_client, other_client, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "write": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [
            parent_client.post("/api/v1/profiles", {"name": "a", "level": 1}, format="json").status_code
            for _ in range(4)
        ]
        reads = parent_client.get("/api/v1/profiles")
        other = other_client.post("/api/v1/profiles", {"name": "b", "level": 1}, format="json")
    finally:
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [200, 200, 200, 429]
    assert reads.status_code == 200  # reads are not throttled
    assert other.status_code == 200  # the limit is per user


def test_throttled_answer_is_the_envelope(parent_client, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "write": "1/min"}
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        parent_client.post("/api/v1/profiles", {"name": "a", "level": 1}, format="json")
        response = parent_client.post("/api/v1/profiles", {"name": "b", "level": 1}, format="json")
    finally:
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    body = response.json()
    assert response.status_code == 429
    assert body["code"] == 429
    assert body["error"] == "throttled"
    assert body["message"] == "操作过于频繁，请稍后再试"
    assert body["data"]["wait_seconds"] > 0


def test_a_lone_surrogate_in_a_json_body_is_400_not_500(parent_client):
    body = '{"name": "\\ud800", "level": 1}'  # legal JSON, but no character
    response = parent_client.post("/api/v1/profiles", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert parent_client.get("/api/v1/profiles").json()["data"]["count"] == 0
