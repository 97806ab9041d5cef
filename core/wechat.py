"""The WeChat API client, built on wechatpy, pointed at WECHAT_API_BASE (WeChat, a gateway or a stub).

wechatpy hard-codes https://api.weixin.qq.com for the access token and for the mini-program
(wxa) endpoints, and its code_to_session fetches an access token that jscode2session does not
need; this subclass fixes both so the same code talks to WeChat or to the loopback stub.
"""

from django.conf import settings
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage


class StudioWeChatClient(WeChatClient):
    def __init__(self, *, appid: str, secret: str, api_base: str, timeout: float, session=None) -> None:
        # auto_retry off: wechatpy retries token errors by recursion without a bound; callers that
        # want a token refresh do exactly one (see notifications.channels).
        super().__init__(appid, secret, session=session or MemoryStorage(), timeout=timeout, auto_retry=False)
        self.api_root = api_base.rstrip("/") + "/"
        # Instance attributes win over wechatpy's class constants.
        self.API_BASE_URL = self.api_root + "cgi-bin/"
        self.wxa.API_BASE_URL = self.api_root

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=self.api_root + "cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )

    def user_phone_number(self, code: str) -> dict:
        """getuserphonenumber (a `getPhoneNumber` button's code): {phoneNumber, purePhoneNumber,
        countryCode}. Raises WeChatClientException on errcode; a token WeChat revoked early is
        fetched again once."""
        url = self.api_root + "wxa/business/getuserphonenumber"
        try:
            return self.post(url, data={"code": code}).get("phone_info") or {}
        except WeChatClientException as exc:
            if exc.errcode not in (40001, 40014, 42001):
                raise
            self.fetch_access_token()
            return self.post(url, data={"code": code}).get("phone_info") or {}

    def code_to_session(self, js_code: str) -> dict:
        """code2session: {openid, session_key, unionid?}. Raises WeChatClientException on errcode.

        Params as a list of pairs: wechatpy then does not add (and fetch) an access token.
        """
        params = [
            ("appid", self.appid),
            ("secret", self.secret),
            ("js_code", js_code),
            ("grant_type", "authorization_code"),
        ]
        return self.get(self.api_root + "sns/jscode2session", params=params)


def _token_storage():
    """Access tokens shared by every process through Redis when configured (wechatpy's RedisStorage)."""
    if settings.REDIS_URL:
        import redis
        from wechatpy.session.redisstorage import RedisStorage

        return RedisStorage(redis.Redis.from_url(settings.REDIS_URL), prefix="wechatpy")
    return MemoryStorage()


_client: StudioWeChatClient | None = None
_client_key: tuple | None = None


def wechat_client() -> StudioWeChatClient:
    """One client per process and configuration (settings can change in tests)."""
    global _client, _client_key
    key = (
        settings.WECHAT_APPID,
        settings.WECHAT_SECRET,
        settings.WECHAT_API_BASE,
        settings.REDIS_URL,
        settings.WECHAT_TIMEOUT_SECONDS,
    )
    if _client is None or _client_key != key:
        _client = StudioWeChatClient(
            appid=settings.WECHAT_APPID or "",
            secret=settings.WECHAT_SECRET or "",
            api_base=settings.WECHAT_API_BASE,
            timeout=settings.WECHAT_TIMEOUT_SECONDS,
            session=_token_storage(),
        )
        _client_key = key
    return _client


def wechat_client_reset() -> None:
    """Forget the process's client (and its in-memory token); tests use it between stub resets."""
    global _client, _client_key
    _client = _client_key = None
