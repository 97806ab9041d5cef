"""Production: every secret and connection must come from the environment; nothing insecure by default."""

from .base import *  # noqa: F403
from .base import env_bool, env_required

DEBUG = False
SECRET_KEY = env_required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in env_required("DJANGO_ALLOWED_HOSTS").split(",") if host.strip()]
DATABASE_URL = env_required("DATABASE_URL")
WECHAT_APPID = env_required("WECHAT_APPID")
WECHAT_SECRET = env_required("WECHAT_SECRET")
WECHAT_LOGIN_BACKEND = "wechat"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
