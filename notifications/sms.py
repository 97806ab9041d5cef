"""The SMS channel (RULES §14): Tencent Cloud SMS through its official SDK, or the console.

`TencentSmsChannel` sends one message to one mainland number with the template's parameters and
answers the serial number; a refusal raises `SmsError`, transient (worth another try: Tencent's
internal errors, rate limits, the network) or permanent (a bad number, a blacklist, a daily limit,
a template or signature the account does not have, credentials), with Tencent's code kept. The
endpoint is a setting, so tests and benchmarks talk to the loopback stub (tests/sms_stub.py).
"""

import logging
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

logger = logging.getLogger(__name__)

# Tencent's codes worth another try; every other code is permanent.
TRANSIENT_PREFIXES = ("InternalError", "ClientNetworkError", "ServerNetworkError")
TRANSIENT_CODES = {"RequestLimitExceeded", "LimitExceeded.DeliveryFrequencyLimit"}


@dataclass(frozen=True)
class SmsMessage:
    phone: str  # 11 digits, mainland China
    template_id: str
    params: list[str]
    notification_id: int


class SmsError(Exception):
    def __init__(self, *, transient: bool, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.transient = transient
        self.code = code
        self.message = message


def sms_params(values: list[str], limit: int | None = None) -> list[str]:
    """Template variables as Tencent takes them: at most `limit` characters each (the setting
    TENCENT_SMS_PARAM_MAX_CHARS: 12 for an account verified as a person, 0 for no limit, as for an
    account verified as a company), cut cleanly with "…"."""
    limit = settings.TENCENT_SMS_PARAM_MAX_CHARS if limit is None else limit
    if not limit:
        return list(values)
    return [value if len(value) <= limit else value[: limit - 1] + "…" for value in values]


def _transient(code: str) -> bool:
    return code in TRANSIENT_CODES or code.startswith(TRANSIENT_PREFIXES)


@lru_cache(maxsize=4)
def _client(secret_id: str, secret_key: str, region: str, endpoint: str, protocol: str, timeout: float):
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.sms.v20210111 import sms_client

    http = HttpProfile(protocol=protocol, endpoint=endpoint, reqTimeout=timeout)
    profile = ClientProfile(httpProfile=http, disable_region_breaker=True)  # one endpoint: the studio's (or the stub)
    return sms_client.SmsClient(credential.Credential(secret_id, secret_key), region, profile)


class TencentSmsChannel:
    def send(self, message: SmsMessage) -> str:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        client = _client(
            settings.TENCENT_SMS_SECRET_ID,
            settings.TENCENT_SMS_SECRET_KEY,
            settings.TENCENT_SMS_REGION,
            settings.TENCENT_SMS_ENDPOINT,
            settings.TENCENT_SMS_PROTOCOL,
            settings.TENCENT_SMS_TIMEOUT_SECONDS,
        )
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{message.phone}"]
        request.SmsSdkAppId = settings.TENCENT_SMS_SDK_APP_ID
        request.SignName = settings.TENCENT_SMS_SIGN_NAME
        request.TemplateId = message.template_id
        request.TemplateParamSet = sms_params(message.params)
        request.SessionContext = str(message.notification_id)
        try:
            response = client.SendSms(request)
        except TencentCloudSDKException as exc:
            code = exc.get_code() or "ClientError"
            raise SmsError(transient=_transient(code), code=code, message=str(exc.get_message())[:200]) from exc
        status = (response.SendStatusSet or [None])[0]
        if status is None:
            raise SmsError(transient=True, code="EmptyResponse", message="no SendStatusSet in the answer")
        if status.Code != "Ok":
            raise SmsError(transient=_transient(status.Code), code=status.Code, message=status.Message or "")
        return status.SerialNo or ""


class ConsoleSmsChannel:
    """Development and any setup without Tencent Cloud credentials: prints what would be sent."""

    def send(self, message: SmsMessage) -> str:
        print(  # noqa: T201
            f"[sms {message.notification_id}] → {message.phone} template {message.template_id or '-'} {message.params}",
            flush=True,
        )
        return f"console-{message.notification_id}"


class LocmemSmsChannel:
    """Tests: keeps what was sent in `outbox`; `failures` (SmsError) answer the next sends."""

    outbox: list[SmsMessage] = []
    failures: list[SmsError] = []

    def send(self, message: SmsMessage) -> str:
        if LocmemSmsChannel.failures:
            raise LocmemSmsChannel.failures.pop(0)
        LocmemSmsChannel.outbox.append(message)
        return f"locmem-{len(LocmemSmsChannel.outbox)}"


def sms_channel():
    backend = settings.SMS_BACKEND
    if backend == "tencent":
        return TencentSmsChannel()
    if backend == "locmem":
        return LocmemSmsChannel()
    return ConsoleSmsChannel()
