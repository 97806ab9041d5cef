"""Writes of accounts: WeChat login (code2session) and child profiles."""

import logging
import re
from dataclasses import dataclass
from datetime import date

import requests
from django.conf import settings
from django.db import transaction
from rest_framework_simplejwt.tokens import RefreshToken
from wechatpy.exceptions import WeChatClientException

from accounts import messages
from accounts.models import Profile, User
from core import messages as core_messages
from core.errors import BusinessError
from core.wechat import wechat_client

logger = logging.getLogger(__name__)

# code2session errors that mean "this code is no good": used, expired or made up.
INVALID_CODE_ERRCODES = {40029, 40163}
OPENID_MAX_LENGTH = User._meta.get_field("wechat_openid").max_length


@dataclass(frozen=True)
class LoginResult:
    user: User
    created: bool
    access: str
    refresh: str


def _wechat_identity(code: str) -> dict:
    if settings.WECHAT_LOGIN_BACKEND == "dev":
        # Development without WeChat credentials (`make run`): the code stands for the openid.
        if len(code) > OPENID_MAX_LENGTH - 4:
            raise BusinessError.bad_request("invalid_code", messages.LOGIN_CODE_INVALID)
        return {"openid": f"dev_{code}"}
    try:
        identity = wechat_client().code_to_session(code)
    except WeChatClientException as exc:
        if exc.errcode in INVALID_CODE_ERRCODES:
            raise BusinessError.bad_request("invalid_code", messages.LOGIN_CODE_INVALID) from exc
        logger.warning("code2session failed: errcode=%s errmsg=%s", exc.errcode, exc.errmsg)
        raise BusinessError.unavailable("wechat_unavailable", messages.WECHAT_UNAVAILABLE) from exc
    except requests.RequestException as exc:  # wechatpy lets connection errors and timeouts through
        logger.warning("code2session unreachable: %s", exc)
        raise BusinessError.unavailable("wechat_unavailable", messages.WECHAT_UNAVAILABLE) from exc
    if not _well_formed(identity):
        logger.warning("code2session answered an unusable identity: %r", identity)
        raise BusinessError.unavailable("wechat_unavailable", messages.WECHAT_UNAVAILABLE)
    return identity


def _well_formed(identity) -> bool:
    """An openid (and unionid) that fits our columns: WeChat's are 28 characters; anything longer or
    missing is a broken answer, refused before it reaches the database."""
    if not isinstance(identity, dict):
        return False
    openid, unionid = identity.get("openid"), identity.get("unionid") or ""
    return (
        isinstance(openid, str)
        and 0 < len(openid) <= OPENID_MAX_LENGTH
        and isinstance(unionid, str)
        and len(unionid) <= OPENID_MAX_LENGTH
    )


def user_login_wechat(*, code: str) -> LoginResult:
    """Exchanges a wx.login code for the parent's account (created on first login) and JWTs."""
    identity = _wechat_identity(code)
    openid = identity["openid"]
    with transaction.atomic():
        # get_or_create survives two first logins racing: the loser reads the winner's row.
        user, created = User.objects.get_or_create(
            wechat_openid=openid,
            defaults={"username": f"wx_{openid}"[:150], "wechat_unionid": identity.get("unionid", "")},
        )
        unionid = identity.get("unionid")
        if not created and unionid and user.wechat_unionid != unionid:
            user.wechat_unionid = unionid
            user.save(update_fields=["wechat_unionid"])
    if not user.is_active:
        raise BusinessError(401, "not_authenticated", core_messages.NOT_AUTHENTICATED)
    refresh = RefreshToken.for_user(user)
    return LoginResult(user=user, created=created, access=str(refresh.access_token), refresh=str(refresh))


def profile_create(*, owner: User, name: str, level: int, birth_date: date | None = None) -> Profile:
    return Profile.objects.create(owner=owner, name=name, level=level, birth_date=birth_date)


PROFILE_EDITABLE = ("name", "level", "birth_date")


def profile_update(*, profile: Profile, **changes) -> Profile:
    """PATCH profiles/{id}: the parent corrects a child's name, level or birth date. Only the fields
    given change; bookings and waitlists already made keep the class they are for."""
    fields = [name for name in PROFILE_EDITABLE if name in changes]
    for name in fields:
        setattr(profile, name, changes[name])
    if fields:
        profile.save(update_fields=[*fields, "updated_at"])
    return profile


MAINLAND_MOBILE = re.compile(r"1\d{10}")
PHONE_CODE_ERRCODES = {40029, 40163, 1400001}  # a getPhoneNumber code that is bad, used or expired


def _wechat_phone(code: str) -> str:
    """The mobile number behind a `getPhoneNumber` code. Development without WeChat credentials
    (`make run`): the code is the number itself."""
    if settings.WECHAT_LOGIN_BACKEND == "dev":
        if MAINLAND_MOBILE.fullmatch(code):
            return code
        raise BusinessError.bad_request("invalid_code", messages.PHONE_CODE_INVALID)
    try:
        info = wechat_client().user_phone_number(code)
    except WeChatClientException as exc:
        if exc.errcode in PHONE_CODE_ERRCODES:
            raise BusinessError.bad_request("invalid_code", messages.PHONE_CODE_INVALID) from exc
        logger.warning("getuserphonenumber failed: errcode=%s errmsg=%s", exc.errcode, exc.errmsg)
        raise BusinessError.unavailable("wechat_unavailable", messages.WECHAT_UNAVAILABLE) from exc
    except requests.RequestException as exc:
        logger.warning("getuserphonenumber unreachable: %s", exc)
        raise BusinessError.unavailable("wechat_unavailable", messages.WECHAT_UNAVAILABLE) from exc
    number = str(info.get("purePhoneNumber") or "")
    if str(info.get("countryCode") or "") != "86" or not MAINLAND_MOBILE.fullmatch(number):
        raise BusinessError.bad_request("phone_unsupported", messages.PHONE_UNSUPPORTED)
    return number


def user_phone_set(*, user: User, code: str) -> User:
    """POST auth/phone (RULES §14): the number WeChat vouches for replaces the one stored."""
    user.phone = _wechat_phone(code)
    user.save(update_fields=["phone"])
    return user


def user_sms_set(*, user: User, enabled: bool) -> User:
    """PATCH auth/me {sms_enabled} (RULES §14): SMS needs a number first (409 phone_required)."""
    if enabled and not user.phone:
        raise BusinessError.conflict("phone_required", messages.PHONE_REQUIRED)
    if user.sms_enabled != enabled:
        user.sms_enabled = enabled
        user.save(update_fields=["sms_enabled"])
    return user
