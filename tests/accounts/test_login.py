"""WeChat login through code2session (wechatpy against the loopback stub), JWT refresh, profiles."""

import pytest

from accounts.models import Profile, User
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/wechat-login"


def test_first_login_creates_the_parent_and_answers_tokens(anon_client, wechat_stub):
    wechat_stub.add_session("code-1", openid="o-new-parent", unionid="u-1")
    response = anon_client.post(LOGIN, {"code": "code-1"}, format="json")
    body = response.json()
    assert response.status_code == 200
    assert body["message"] == "操作成功"
    user = User.objects.get(wechat_openid="o-new-parent")
    assert user.wechat_unionid == "u-1"
    assert body["data"]["user"] == {"id": user.pk, "nickname": ""}
    assert body["data"]["access"] and body["data"]["refresh"]
    # The code went to WeChat's jscode2session with our appid and secret, and no token was fetched.
    (call,) = wechat_stub.calls_to("sns/jscode2session")
    assert call.params == {
        "appid": "wx-test-appid",
        "secret": "wx-test-secret",
        "js_code": "code-1",
        "grant_type": "authorization_code",
    }
    assert wechat_stub.calls_to("cgi-bin/token") == []


def test_access_token_from_login_opens_the_api(anon_client, wechat_stub):
    access = anon_client.post(LOGIN, {"code": "abc"}, format="json").json()["data"]["access"]
    anon_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert anon_client.get("/api/v1/profiles").status_code == 200


def test_returning_parent_gets_the_same_account(anon_client, wechat_stub):
    wechat_stub.add_session("first", openid="o-returning")
    wechat_stub.add_session("second", openid="o-returning")
    first = anon_client.post(LOGIN, {"code": "first"}, format="json").json()["data"]["user"]["id"]
    second = anon_client.post(LOGIN, {"code": "second"}, format="json").json()["data"]["user"]["id"]
    assert first == second
    assert User.objects.filter(wechat_openid="o-returning").count() == 1


def test_invalid_code_is_400_with_chinese_message(anon_client, wechat_stub):
    response = anon_client.post(LOGIN, {"code": "invalid-code"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": 400,
        "message": "微信登录凭证无效，请重新登录",
        "error": "invalid_code",
        "data": None,
    }
    assert User.objects.count() == 0


def test_code_used_twice_is_refused(anon_client, wechat_stub):
    assert anon_client.post(LOGIN, {"code": "once"}, format="json").status_code == 200
    again = anon_client.post(LOGIN, {"code": "once"}, format="json")
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_code"


def test_wechat_busy_is_503_and_creates_nobody(anon_client, wechat_stub):
    wechat_stub.fail("sns/jscode2session", errcode=-1)
    response = anon_client.post(LOGIN, {"code": "code-busy"}, format="json")
    assert response.status_code == 503
    assert response.json()["error"] == "wechat_unavailable"
    assert response.json()["message"] == "微信服务繁忙，请稍后再试"
    assert User.objects.count() == 0


def test_wechat_http_500_is_503(anon_client, wechat_stub):
    wechat_stub.fail("sns/jscode2session", http_status=502)
    response = anon_client.post(LOGIN, {"code": "code-x"}, format="json")
    assert response.status_code == 503
    assert response.json()["error"] == "wechat_unavailable"


def test_wechat_unreachable_is_503(anon_client, settings):
    settings.WECHAT_API_BASE = "http://127.0.0.1:9/"  # nothing listens on the discard port
    response = anon_client.post(LOGIN, {"code": "code-y"}, format="json")
    assert response.status_code == 503
    assert response.json()["error"] == "wechat_unavailable"


def test_wechat_timeout_is_503(anon_client, wechat_stub, settings):
    settings.WECHAT_TIMEOUT_SECONDS = 0.2
    wechat_stub.set_latency("sns/jscode2session", 1.0)
    response = anon_client.post(LOGIN, {"code": "slow"}, format="json")
    assert response.status_code == 503


def test_missing_code_is_validation_error(anon_client, wechat_stub):
    response = anon_client.post(LOGIN, {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert response.json()["data"]["code"] == ["该字段是必填项。"]
    assert wechat_stub.calls == []


def test_dev_backend_needs_no_wechat(anon_client, settings):
    settings.WECHAT_LOGIN_BACKEND = "dev"
    response = anon_client.post(LOGIN, {"code": "parent1"}, format="json")
    assert response.status_code == 200
    assert User.objects.filter(wechat_openid="dev_parent1").exists()


def test_refresh_gives_a_new_access_token(anon_client, wechat_stub):
    refresh = anon_client.post(LOGIN, {"code": "r1"}, format="json").json()["data"]["refresh"]
    response = anon_client.post("/api/v1/auth/refresh", {"refresh": refresh}, format="json")
    assert response.status_code == 200
    access = response.json()["data"]["access"]
    anon_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert anon_client.get("/api/v1/profiles").status_code == 200


def test_bad_refresh_token_is_401(anon_client):
    response = anon_client.post("/api/v1/auth/refresh", {"refresh": "nope"}, format="json")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_profiles_are_created_and_listed_for_their_owner_only(parent_client, other_client, parent):
    created = parent_client.post(
        "/api/v1/profiles", {"name": "乐乐", "level": 3, "birth_date": "2019-05-01"}, format="json"
    )
    assert created.status_code == 200
    data = created.json()["data"]
    assert data["name"] == "乐乐" and data["level"] == 3 and data["birth_date"] == "2019-05-01"
    assert Profile.objects.get(pk=data["id"]).owner == parent
    assert parent_client.get("/api/v1/profiles").json()["data"]["count"] == 1
    assert other_client.get("/api/v1/profiles").json()["data"]["count"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "level": 1},
        {"name": "x", "level": 0},
        {"name": "x", "level": 10**12},
        {"name": "x" * 65, "level": 1},
        {"name": "x", "level": 1, "birth_date": "yesterday"},
    ],
)
def test_bad_profile_input_is_400_and_writes_nothing(parent_client, body):
    response = parent_client.post("/api/v1/profiles", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert Profile.objects.count() == 0


def test_inactive_user_token_is_refused(parent):
    client = client_for(parent)
    parent.is_active = False
    parent.save()
    assert client.get("/api/v1/profiles").status_code == 401


def test_an_over_long_openid_from_wechat_is_refused_not_stored(anon_client, wechat_stub):
    wechat_stub.add_session("long", openid="o" * 65)
    response = anon_client.post(LOGIN, {"code": "long"}, format="json")
    assert response.status_code == 503 and response.json()["error"] == "wechat_unavailable"
    assert User.objects.count() == 0


def test_dev_login_refuses_a_code_too_long_for_an_openid(anon_client, settings):
    settings.WECHAT_LOGIN_BACKEND = "dev"
    response = anon_client.post(LOGIN, {"code": "c" * 61}, format="json")
    assert response.status_code == 400 and response.json()["error"] == "invalid_code"
    assert anon_client.post(LOGIN, {"code": "c" * 60}, format="json").status_code == 200
