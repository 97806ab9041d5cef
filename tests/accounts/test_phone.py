"""RULES §14, the number and the switch: POST auth/phone exchanges a getPhoneNumber code through
wechatpy (against the loopback WeChat stub), GET/PATCH auth/me show the number masked and switch SMS."""

import pytest

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_phone_code_stores_the_number_and_answers_it_masked(parent_client, parent, wechat_stub):
    wechat_stub.add_phone("phone-code-1", "13812345678")
    response = parent_client.post("/api/v1/auth/phone", {"code": "phone-code-1"}, format="json")
    assert response.status_code == 200
    assert response.json()["message"] == "已绑定手机号"
    assert response.json()["data"] == {
        "id": parent.pk,
        "nickname": parent.nickname,
        "phone": "138****5678",
        "sms_enabled": False,
    }
    assert User.objects.get(pk=parent.pk).phone == "13812345678"
    (call,) = wechat_stub.calls_to("wxa/business/getuserphonenumber")
    assert call.body == {"code": "phone-code-1"} and call.params["access_token"].startswith("stub-token-")


def test_a_bad_code_is_400_and_keeps_the_old_number(parent_client, parent, wechat_stub):
    User.objects.filter(pk=parent.pk).update(phone="13900000000")
    response = parent_client.post("/api/v1/auth/phone", {"code": "made-up"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_code" and response.json()["message"] == "手机号授权失败，请重试"
    assert User.objects.get(pk=parent.pk).phone == "13900000000"


def test_wechat_busy_is_503_and_a_number_abroad_is_refused(parent_client, parent, wechat_stub):
    wechat_stub.fail("wxa/business/getuserphonenumber", errcode=-1)
    busy = parent_client.post("/api/v1/auth/phone", {"code": "any"}, format="json")
    assert busy.status_code == 503 and busy.json()["message"] == "微信服务繁忙，请稍后再试"
    wechat_stub.add_phone("abroad", "6591234567", country="65")
    abroad = parent_client.post("/api/v1/auth/phone", {"code": "abroad"}, format="json")
    assert abroad.status_code == 400 and abroad.json()["message"] == "暂仅支持中国大陆手机号"
    assert User.objects.get(pk=parent.pk).phone == ""


def test_a_token_wechat_revoked_is_fetched_again_once(parent_client, wechat_stub):
    wechat_stub.add_phone("code-a", "13800000001")
    wechat_stub.add_phone("code-b", "13800000002")
    assert parent_client.post("/api/v1/auth/phone", {"code": "code-a"}, format="json").status_code == 200
    wechat_stub.expire_tokens()
    response = parent_client.post("/api/v1/auth/phone", {"code": "code-b"}, format="json")
    assert response.status_code == 200 and response.json()["data"]["phone"] == "138****0002"


def test_development_login_takes_the_number_as_the_code(parent_client, parent, settings):
    settings.WECHAT_LOGIN_BACKEND = "dev"
    assert parent_client.post("/api/v1/auth/phone", {"code": "13700001111"}, format="json").status_code == 200
    assert User.objects.get(pk=parent.pk).phone == "13700001111"
    assert parent_client.post("/api/v1/auth/phone", {"code": "abc"}, format="json").status_code == 400


def test_sms_needs_a_number_then_switches_on_and_off(parent_client, parent):
    refused = parent_client.patch("/api/v1/auth/me", {"sms_enabled": True}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"] == "phone_required" and refused.json()["message"] == "请先授权手机号"
    assert User.objects.get(pk=parent.pk).sms_enabled is False

    User.objects.filter(pk=parent.pk).update(phone="13812345678")
    on = parent_client.patch("/api/v1/auth/me", {"sms_enabled": True}, format="json")
    assert on.status_code == 200 and on.json()["message"] == "已开启短信提醒"
    assert on.json()["data"]["sms_enabled"] is True and on.json()["data"]["phone"] == "138****5678"
    assert parent_client.get("/api/v1/auth/me").json()["data"]["sms_enabled"] is True
    off = parent_client.patch("/api/v1/auth/me", {"sms_enabled": False}, format="json")
    assert off.json()["message"] == "已关闭短信提醒"
    assert User.objects.get(pk=parent.pk).sms_enabled is False


@pytest.mark.parametrize("body", [{}, {"sms_enabled": "sometimes"}, {"sms_enabled": None}])
def test_a_bad_switch_is_400_and_changes_nothing(parent_client, parent, body):
    response = parent_client.patch("/api/v1/auth/me", body, format="json")
    assert response.status_code == 400 and response.json()["error"] == "validation_error"
    assert User.objects.get(pk=parent.pk).sms_enabled is False


def test_a_parent_sees_no_number_before_giving_one(parent_client, parent):
    assert parent_client.get("/api/v1/auth/me").json()["data"] == {
        "id": parent.pk,
        "nickname": parent.nickname,
        "phone": "",
        "sms_enabled": False,
    }
