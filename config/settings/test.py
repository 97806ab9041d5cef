"""pytest: the same settings as development, with fast hashing and tasks run in-process when called."""

from datetime import timedelta

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-key-long-enough-for-hmac-sha256-signing"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WECHAT_APPID = "wx-test-appid"
WECHAT_SECRET = "wx-test-secret"
WECHAT_LOGIN_BACKEND = "wechat"  # tests log in through the WeChat stub, exercising wechatpy
WECHAT_API_BASE = env("WECHAT_API_BASE", "http://127.0.0.1:9/")  # the stub fixture overrides this
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Tests travel days ahead within one test; a token minted at its start must still be valid.
SIMPLE_JWT = {**SIMPLE_JWT, "ACCESS_TOKEN_LIFETIME": timedelta(days=30)}  # noqa: F405

# Hot reads on in every test (one process: the local-memory cache is shared), so that every test
# that writes and then reads checks that the write reached the reads.
HOT_READS_SECONDS = 30

NOTIFICATION_BACKEND = "locmem"
SMS_BACKEND = "locmem"
# Every template has a WeChat id in tests, except the one RULES keeps in-app only; every urgent one
# an SMS template id (RULES §14), so that the Tencent channel can be driven against its stub.
NOTIFICATION_TEMPLATES = {
    key: {
        **template,
        "wechat_template_id": f"tmpl-{key}" if key != "waitlist_offer_taken" else "",
        **({"sms_template_id": f"sms-{key}"} if "sms_template_id" in template else {}),
    }
    for key, template in NOTIFICATION_TEMPLATES.items()  # noqa: F405
}
