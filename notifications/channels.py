"""Where a WeChat subscribe message goes, chosen by NOTIFICATION_BACKEND like Django's e-mail backends.

A channel either returns the message id or raises SendError saying whether trying again may help.
"""

import logging
from dataclasses import dataclass

import requests
from django.conf import settings
from wechatpy.exceptions import WeChatClientException

from core.wechat import wechat_client

logger = logging.getLogger(__name__)

# RULES §8: worth another try (busy, rate limits, token trouble left after wechatpy's own refresh).
TOKEN_ERRCODES = {40001, 40014, 42001}
TRANSIENT_ERRCODES = {-1, 43108, 45011} | TOKEN_ERRCODES
# Never worth another try: no subscription, bad openid, bad template/page, user refused, quota.
PERMANENT_ERRCODES = {43101, 40003, 40037, 47003, 43107, 45168, 45009}


@dataclass(frozen=True)
class Message:
    openid: str
    template_id: str
    page: str
    data: dict  # {"thing1": {"value": "…"}, …}
    notification_id: int


class SendError(Exception):
    def __init__(self, *, transient: bool, errcode: int | None, message: str) -> None:
        super().__init__(message)
        self.transient = transient
        self.errcode = errcode
        self.message = message


class WeChatChannel:
    """subscribeMessage.send through wechatpy's client.post, so miniprogram_state and lang can be set."""

    def send(self, message: Message) -> str:
        body = {
            "touser": message.openid,
            "template_id": message.template_id,
            "page": message.page,
            "data": message.data,
            "miniprogram_state": settings.WECHAT_MINIPROGRAM_STATE,
            "lang": settings.WECHAT_LANG,
        }
        try:
            result = self._post(body)
        except WeChatClientException as exc:
            if exc.errcode is None:  # wechatpy's wrapper of an HTTP error status (e.g. 502)
                status = getattr(exc.response, "status_code", None)
                raise SendError(transient=True, errcode=None, message=f"HTTP {status}") from exc
            transient = exc.errcode in TRANSIENT_ERRCODES
            if not transient and exc.errcode not in PERMANENT_ERRCODES:
                logger.warning("subscribe/send: unknown errcode %s treated as permanent", exc.errcode)
            raise SendError(transient=transient, errcode=exc.errcode, message=str(exc.errmsg)[:200]) from exc
        except requests.RequestException as exc:  # wechatpy lets connection errors and timeouts through
            raise SendError(transient=True, errcode=None, message=f"{type(exc).__name__}: {exc}"[:200]) from exc
        return str(result.get("msgid", ""))

    def _post(self, body: dict) -> dict:
        client = wechat_client()
        try:
            return client.post("message/subscribe/send", data=body)
        except WeChatClientException as exc:
            if exc.errcode not in TOKEN_ERRCODES:
                raise
            # The cached token was revoked or expired early: fetch a new one and try exactly once more.
            client.fetch_access_token()
            return client.post("message/subscribe/send", data=body)


class ConsoleChannel:
    """Development: prints what would be sent."""

    def send(self, message: Message) -> str:
        print(
            f"[notification {message.notification_id}] → {message.openid} {message.template_id} "  # noqa: T201
            f"{message.page} {message.data}",
            flush=True,
        )
        return f"console-{message.notification_id}"


class LocmemChannel:
    """Tests: keeps every message in `outbox`; `failures` (errcode or SendError) answer the next sends."""

    outbox: list[Message] = []
    failures: list[SendError] = []

    def send(self, message: Message) -> str:
        if LocmemChannel.failures:
            raise LocmemChannel.failures.pop(0)
        LocmemChannel.outbox.append(message)
        return f"locmem-{message.notification_id}"


CHANNELS = {"wechat": WeChatChannel, "console": ConsoleChannel, "locmem": LocmemChannel}


def channel():
    try:
        return CHANNELS[settings.NOTIFICATION_BACKEND]()
    except KeyError as exc:
        raise ValueError(f"Unknown NOTIFICATION_BACKEND {settings.NOTIFICATION_BACKEND!r}") from exc
