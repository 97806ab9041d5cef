"""RULES §14, the channel: the official Tencent Cloud SMS SDK against the loopback stub — what it
sends, and which refusals are worth another try."""

import pytest
from django.test import override_settings

from notifications.sms import ConsoleSmsChannel, SmsError, SmsMessage, sms_channel, sms_params

MESSAGE = SmsMessage(
    phone="13812345678", template_id="1234567", params=["少儿体能·基础", "12月2日 19:00"], notification_id=9
)


def test_one_message_goes_out_signed_with_the_template_and_its_parameters(sms_stub):
    serial = sms_channel().send(MESSAGE)
    assert serial.startswith("stub-serial-")
    (request,) = sms_stub.requests
    assert request["action"] == "SendSms"
    assert request["PhoneNumberSet"] == ["+8613812345678"]
    assert (request["SmsSdkAppId"], request["SignName"], request["TemplateId"]) == (
        "1400000000",
        "少儿运动馆",
        "1234567",
    )
    assert request["TemplateParamSet"] == ["少儿体能·基础", "12月2日 19:00"]
    assert request["SessionContext"] == "9"
    assert [sent["phone"] for sent in sms_stub.sent] == ["+8613812345678"]


@pytest.mark.parametrize(
    ("code", "transient"),
    [
        ("InternalError.Timeout", True),
        ("RequestLimitExceeded", True),
        ("LimitExceeded.DeliveryFrequencyLimit", True),
        ("LimitExceeded.PhoneNumberDailyLimit", False),
        ("FailedOperation.TemplateIncorrectOrUnapproved", False),
        ("AuthFailure.SecretIdNotFound", False),
    ],
)
def test_a_refused_request_keeps_tencents_code_and_says_whether_to_retry(sms_stub, code, transient):
    sms_stub.fail(code=code)
    with pytest.raises(SmsError) as refused:
        sms_channel().send(MESSAGE)
    assert (refused.value.code, refused.value.transient) == (code, transient)
    assert sms_stub.sent == []


def test_a_number_refused_in_the_answer_is_a_permanent_failure(sms_stub):
    sms_stub.fail_number("+8613812345678", code="FailedOperation.PhoneNumberInBlacklist")
    with pytest.raises(SmsError) as refused:
        sms_channel().send(MESSAGE)
    assert (refused.value.code, refused.value.transient) == ("FailedOperation.PhoneNumberInBlacklist", False)


def test_an_unreachable_or_slow_endpoint_is_transient(sms_stub, settings):
    sms_stub.set_latency(3)  # longer than the 2-second timeout of the fixture
    with pytest.raises(SmsError) as slow:
        sms_channel().send(MESSAGE)
    assert slow.value.transient
    sms_stub.set_latency(0)
    settings.TENCENT_SMS_ENDPOINT = "127.0.0.1:9"  # nothing listens there
    with pytest.raises(SmsError) as unreachable:
        sms_channel().send(MESSAGE)
    assert unreachable.value.transient and unreachable.value.code == "ClientNetworkError"


def test_long_parameters_are_cut_to_twelve_characters_by_default():
    assert sms_params(["少儿体能·进阶精练周末特训营班", "12月2日 19:00", "少儿体能·进阶精练周末特"]) == [
        "少儿体能·进阶精练周末…",
        "12月2日 19:00",
        "少儿体能·进阶精练周末特",  # exactly 12: whole
    ]


def test_a_company_account_sends_parameters_whole(settings):
    settings.TENCENT_SMS_PARAM_MAX_CHARS = 0
    assert sms_params(["少儿体能·进阶精练周末特训营班"]) == ["少儿体能·进阶精练周末特训营班"]


@override_settings(SMS_BACKEND="console")
def test_without_credentials_the_message_only_reaches_the_console(capsys):
    assert isinstance(sms_channel(), ConsoleSmsChannel)
    assert sms_channel().send(MESSAGE) == "console-9"
    assert "→ 13812345678 template 1234567" in capsys.readouterr().out
