"""Production: every secret and connection must come from the environment; nothing insecure by default.

`manage.py check --deploy --fail-level WARNING` passes with the required variables set.
"""

from .base import *  # noqa: F403
from .base import LOGGING, env, env_bool, env_required

DEBUG = False
SECRET_KEY = env_required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in env_required("DJANGO_ALLOWED_HOSTS").split(",") if host.strip()]
DATABASE_URL = env_required("DATABASE_URL")
# The broker, the shared cache (throttles) and the WeChat token store: a folder broker or a
# per-process cache would silently split a multi-host deployment.
REDIS_URL = env_required("REDIS_URL")
WECHAT_APPID = env_required("WECHAT_APPID")
WECHAT_SECRET = env_required("WECHAT_SECRET")
WECHAT_LOGIN_BACKEND = "wechat"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)

# --- HTTPS (nginx terminates TLS and sets X-Forwarded-Proto) ---------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
# The load balancer probes /healthz over plain HTTP: answered, not redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# HSTS: browsers refuse plain HTTP for this long once they have seen the header over HTTPS.
# Preload only adds the `preload` token; joining the browsers' list is a separate, manual step.
SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
X_FRAME_OPTIONS = "DENY"

# --- Logs: JSON lines for the log shipper unless LOG_FORMAT says otherwise -------------------
LOG_FORMAT = env("LOG_FORMAT", "json")  # a value set in the environment was validated by base
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT
