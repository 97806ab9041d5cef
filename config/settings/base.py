"""Settings shared by every environment. Everything comes from the environment with a safe default.

Every business number of docs/rules.md is a setting here, so operators and tests can change it in one place.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = env(name)
    return default if value is None else [item.strip() for item in value.split(",") if item.strip()]


def env_required(name: str) -> str:
    value = env(name)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} must be set in production.")
    return value


DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")  # each environment module decides whether a default is allowed
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "backoffice.admin_site.StudioAdminConfig",  # django.contrib.admin with the studio's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from here: /api/docs/ works offline
    "django_celery_beat",
    "django_prometheus",  # /metrics: HTTP, database and cache series (core/metrics.py, RULES §16)
    "import_export",  # operators' exports (.xlsx, CSV); nothing is imported through it
    "core",
    "accounts",
    "courses",
    "notifications",
    "waitlist",
    "makeup",
    "flows",  # no models: its ready() lends the waitlist the auto-accept (waitlist/hooks.py)
    "compensation",
    "backoffice",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first and last: the whole request timed
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RequestIdMiddleware",  # X-Request-ID in, on every log record, and out
    "core.middleware.PayloadLimitMiddleware",  # 413 for an API body over DATA_UPLOAD_MAX_MEMORY_SIZE, unread
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL: unset -> a SQLite file under var/; mysql://user:pass@host:port/name -> mysqlclient.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=int(env("DB_CONN_MAX_AGE", "60")))
if _db["ENGINE"] == "django.db.backends.mysql":
    _db["OPTIONS"] = {
        "charset": "utf8mb4",
        # Services lock rows with SELECT ... FOR UPDATE; READ COMMITTED keeps gap locks (and deadlocks) rare.
        "isolation_level": "read committed",
        "init_command": "SET sql_mode='STRICT_TRANS_TABLES', time_zone='+00:00'",
    }
    _db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    # web, worker and beat share the file in development: wait for the write lock instead of failing.
    _db["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    _db["CONN_MAX_AGE"] = 0
DATABASE_IS_MYSQL = _db["ENGINE"] == "django.db.backends.mysql"
# django-prometheus' wrappers of the same backends count queries, their durations and errors.
_db["ENGINE"] = _db["ENGINE"].replace("django.db.backends.", "django_prometheus.db.backends.")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ATOMIC_REQUESTS = False  # services own their transactions

# --- Cache and Redis ------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # Django's Redis backend and its local-memory one, both counting gets, hits and misses (/metrics).
    CACHES = {"default": {"BACKEND": "core.cache_metrics.CountingRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache", "LOCATION": "studio"}}
# Hot reads (core/hot_reads.py): the longest a cached read is kept; 0 switches them off. Off without a
# shared cache: a worker's writes could not reach the web process's local memory.
HOT_READS_SECONDS = int(env("HOT_READS_SECONDS", "30" if REDIS_URL else "0"))

# --- Celery ---------------------------------------------------------------------------------
# Without a broker configured, kombu's filesystem transport under var/ needs no server and is
# shared by the web, worker and beat processes of `make run`.
# The embedded broker names a host only to keep kombu from warning "No hostname was supplied".
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost//")
CELERY_BROKER_FOLDER = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "store_processed": False,
        # kombu's default is ./control (the working directory): keep broadcast state under var/ too.
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
    }
    for _folder in ("queue", "processed", "control"):  # any command may publish, not only `make run`
        (CELERY_BROKER_FOLDER / _folder).mkdir(parents=True, exist_ok=True)
else:
    # A broker outage must not hang a request: publishing gives up quickly; the outbox resender
    # picks up whatever was not enqueued.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 1}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing during a broker outage gives up fast: the request is not held, the outbox row stays
# pending and the resender enqueues it when the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True  # a killed worker's task is delivered again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 30
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
DJANGO_CELERY_BEAT_TZ_AWARE = True

# --- Internationalisation -------------------------------------------------------------------
STUDIO_NAME = env("STUDIO_NAME", "少儿运动馆")  # shown in the back office's header and title
LANGUAGE_CODE = "zh-hans"  # parents and operators read Chinese; DRF's field messages follow
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- REST framework -------------------------------------------------------------------------
THROTTLE_RATES = {
    "write": env("THROTTLE_RATE_WRITE", "120/min"),  # per user, non-safe methods (RULES §9)
    "login": env("THROTTLE_RATE_LOGIN", "30/min"),  # per client address, the login endpoint
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # the admin's session, for staff endpoints
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["core.api.EnvelopeRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.StrictJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.api.EnvelopePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": ["core.api.WriteRateThrottle"],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    "EXCEPTION_HANDLER": "core.api.envelope_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # No OPTIONS metadata: it introspects querysets our viewsets do not have; OPTIONS answers 405.
    "DEFAULT_METADATA_CLASS": None,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=int(env("JWT_ACCESS_MINUTES", "120"))),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=int(env("JWT_REFRESH_DAYS", "30"))),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Waitlist & make-up API (mini-program)",
    "DESCRIPTION": (
        "Every response is wrapped in the envelope {code, message, data} (errors add `error`). "
        "Authenticate with `Authorization: Bearer <access>` from POST /api/v1/auth/wechat-login."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs pages load their scripts from this server (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "BookingStatusEnum": "courses.models.Booking.Status",
        "ScheduleStatusEnum": "courses.models.CourseSchedule.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.envelope_postprocessing_hook",
    ],
}

# --- WeChat ---------------------------------------------------------------------------------
WECHAT_APPID = env("WECHAT_APPID")
WECHAT_SECRET = env("WECHAT_SECRET")
WECHAT_API_BASE = env("WECHAT_API_BASE", "https://api.weixin.qq.com/")
WECHAT_TIMEOUT_SECONDS = float(env("WECHAT_TIMEOUT_SECONDS", "5"))
# `dev` trusts the code as the openid (for `make run` without WeChat credentials); `wechat` calls code2session.
WECHAT_LOGIN_BACKEND = env("WECHAT_LOGIN_BACKEND", "wechat" if WECHAT_APPID else "dev")

WECHAT_MINIPROGRAM_STATE = env("WECHAT_MINIPROGRAM_STATE", "formal")  # formal / trial / developer
WECHAT_LANG = env("WECHAT_LANG", "zh_CN")

# --- Notifications (docs/rules.md §8) ------------------------------------------------------------
# wechat (subscribe messages through wechatpy), console (prints), locmem (tests keep an outbox list).
NOTIFICATION_BACKEND = env("NOTIFICATION_BACKEND", "wechat" if WECHAT_APPID else "console")

# SMS fallback for urgent messages (RULES §14): Tencent Cloud SMS, or the console without credentials.
TENCENT_SMS_SECRET_ID = env("TENCENT_SMS_SECRET_ID", "")
TENCENT_SMS_SECRET_KEY = env("TENCENT_SMS_SECRET_KEY", "")
TENCENT_SMS_SDK_APP_ID = env("TENCENT_SMS_SDK_APP_ID", "")
TENCENT_SMS_SIGN_NAME = env("TENCENT_SMS_SIGN_NAME", "")
TENCENT_SMS_REGION = env("TENCENT_SMS_REGION", "ap-guangzhou")
TENCENT_SMS_ENDPOINT = env("TENCENT_SMS_ENDPOINT", "sms.tencentcloudapi.com")
TENCENT_SMS_PROTOCOL = env("TENCENT_SMS_PROTOCOL", "https")
TENCENT_SMS_TIMEOUT_SECONDS = int(env("TENCENT_SMS_TIMEOUT_SECONDS", "5"))
# Characters per template variable: 12 is Tencent's limit for accounts verified as a person, and safe
# for every account; a company-verified account has no limit (0 sends values whole).
TENCENT_SMS_PARAM_MAX_CHARS = int(env("TENCENT_SMS_PARAM_MAX_CHARS", "12"))
SMS_BACKEND = env("SMS_BACKEND", "tencent" if TENCENT_SMS_SECRET_ID else "console")
# A wave of more rows than this is published as tasks of this many rows each (services.notification_enqueue).
NOTIFICATION_SEND_CHUNK = int(env("NOTIFICATION_SEND_CHUNK", "10"))
NOTIFICATION_MAX_RETRIES = 5  # transient failures retried this many times after the first attempt
NOTIFICATION_RETRY_BASE_SECONDS = float(env("NOTIFICATION_RETRY_BASE_SECONDS", "2"))
NOTIFICATION_RESEND_PENDING_AFTER = timedelta(seconds=30)  # pending this long: the enqueue was lost
NOTIFICATION_RESEND_SENDING_AFTER = timedelta(minutes=5)  # sending this long: the worker died mid-send

# Each key of RULES §8: the WeChat subscribe template id (empty: in-app only), the mini-program page,
# the in-app title and body, and the template's fields. Texts are str.format templates over the
# payload the caller gives; a field's type is its name without the digits (thing1 -> thing), and
# values are cut to WeChat's length limit of that type.
NOTIFICATION_TEMPLATES = {
    "waitlist_seat_available": {
        "sms_template_id": env("TENCENT_SMS_TEMPLATE_WAITLIST_SEAT_AVAILABLE", ""),  # RULES §14: urgent
        "sms_params": ["{course_name}", "{starts_at}", "{deadline}"],
        "wechat_template_id": env("WECHAT_TEMPLATE_WAITLIST_SEAT_AVAILABLE", ""),
        "page": "pages/waitlist/status/index?id={entry_id}",
        "title": "候补有名额了",
        "body": "{course_name}（{starts_at}）有名额释放，请在{deadline}前确认预约。",
        "fields": {
            "thing1": "{course_name}",
            "time2": "{starts_at}",
            "time3": "{deadline}",
            "thing4": "名额有限，先确认先得",
        },
    },
    "waitlist_seat_reserved": {
        "sms_template_id": env("TENCENT_SMS_TEMPLATE_WAITLIST_SEAT_RESERVED", ""),  # RULES §14: urgent
        "sms_params": ["{course_name}", "{starts_at}", "{deadline}"],
        "wechat_template_id": env("WECHAT_TEMPLATE_WAITLIST_SEAT_RESERVED", ""),
        "page": "pages/waitlist/status/index?id={entry_id}",
        "title": "名额已为您保留",
        "body": "{course_name}（{starts_at}）的名额已为您保留，请在{deadline}前确认预约。",
        "fields": {
            "thing1": "{course_name}",
            "time2": "{starts_at}",
            "time3": "{deadline}",
            "thing4": "名额已为您保留，请及时确认",
        },
    },
    "waitlist_offer_taken": {  # in-app only (RULES §4)
        "wechat_template_id": "",
        "page": "pages/waitlist/detail/index?id={entry_id}",
        "title": "名额已被抢占",
        "body": "{course_name}（{starts_at}）的名额已被其他候补用户预约，您仍在候补队列中。",
        "fields": {},
    },
    "waitlist_booked": {
        "wechat_template_id": env("WECHAT_TEMPLATE_WAITLIST_BOOKED", ""),
        "page": "pages/waitlist/detail/index?id={entry_id}",
        "title": "候补成功",
        "body": "{profile_name}已成功预约{course_name}（{starts_at}）。",
        "fields": {
            "thing1": "{course_name}",
            "time2": "{starts_at}",
            "name3": "{profile_name}",
            "thing4": "候补成功，已为您预约",
        },
    },
    "waitlist_auto_booked": {  # RULES §12
        "sms_template_id": env("TENCENT_SMS_TEMPLATE_WAITLIST_AUTO_BOOKED", ""),  # RULES §14: urgent
        "sms_params": ["{profile_name}", "{course_name}", "{starts_at}"],
        "wechat_template_id": env("WECHAT_TEMPLATE_WAITLIST_AUTO_BOOKED", env("WECHAT_TEMPLATE_WAITLIST_BOOKED", "")),
        "page": "pages/waitlist/detail/index?id={entry_id}",
        "title": "已自动递补",
        "body": "已为{profile_name}自动预约{course_name}（{starts_at}），如不能参加请在开课前{hours}小时前请假",
        "fields": {
            "thing1": "{course_name}",
            "time2": "{starts_at}",
            "name3": "{profile_name}",
            "thing4": "已自动预约，不能参加请提前请假",
        },
    },
    "waitlist_conflict_ended": {  # RULES §13
        "wechat_template_id": env(
            "WECHAT_TEMPLATE_WAITLIST_CONFLICT_ENDED", env("WECHAT_TEMPLATE_WAITLIST_CLOSED", "")
        ),
        "page": "pages/waitlist/index/index",
        "title": "候补已自动取消",
        "body": "{profile_name}已预约{course_name}，时间冲突的候补已自动取消",
        "fields": {
            "thing1": "{waitlist_course_name}",
            "time2": "{waitlist_starts_at}",
            "thing3": "与已预约课程时间冲突，候补已取消",
        },
    },
    "waitlist_expired": {
        "wechat_template_id": env("WECHAT_TEMPLATE_WAITLIST_EXPIRED", ""),
        "page": "pages/waitlist/index/index",
        "title": "候补确认已过期",
        "body": "候补确认已过期，名额已顺位给下一位候补用户：{course_name}（{starts_at}）。",
        "fields": {"thing1": "{course_name}", "time2": "{starts_at}", "thing3": "确认已过期，名额已顺位"},
    },
    "waitlist_closed": {
        "wechat_template_id": env("WECHAT_TEMPLATE_WAITLIST_CLOSED", ""),
        "page": "pages/waitlist/index/index",
        "title": "候补已截止",
        "body": "候补已截止，本次未能候补成功：{course_name}（{starts_at}）。",
        "fields": {"thing1": "{course_name}", "time2": "{starts_at}", "thing3": "候补已截止，本次未能候补成功"},
    },
    # RULES §6.7: not waitlist_closed, whose text speaks of a cutoff. By default it goes through the same
    # WeChat template (course, time, outcome): an entry ends one way only, so the one subscription the
    # parent gave when joining covers whichever comes, and a join asks for at most 3 templates.
    "waitlist_session_cancelled": {
        "wechat_template_id": env(
            "WECHAT_TEMPLATE_WAITLIST_SESSION_CANCELLED", env("WECHAT_TEMPLATE_WAITLIST_CLOSED", "")
        ),
        "page": "pages/waitlist/index/index",
        "title": "课程已取消",
        "body": "{course_name}（{starts_at}）已取消，候补已结束",
        "fields": {"thing1": "{course_name}", "time2": "{starts_at}", "thing3": "课程已取消，候补已结束"},
    },
    "makeup_booked": {
        "wechat_template_id": env("WECHAT_TEMPLATE_MAKEUP_BOOKED", ""),
        "page": "pages/makeup/index/index",
        "title": "补课预约成功",
        "body": "{profile_name}的补课已预约：{course_name}（{starts_at}）。",
        "fields": {
            "thing1": "{course_name}",
            "time2": "{starts_at}",
            "name3": "{profile_name}",
            "thing4": "补课预约成功",
        },
    },
    "makeup_cancelled": {
        "wechat_template_id": env("WECHAT_TEMPLATE_MAKEUP_CANCELLED", ""),
        "page": "pages/makeup/index/index",
        "title": "补课已取消",
        "body": "{profile_name}的补课{course_name}（{starts_at}）已取消，可重新预约补课。",
        "fields": {
            "thing1": "{course_name}",
            "time2": "{starts_at}",
            "name3": "{profile_name}",
            "thing4": "补课已取消，可重新预约",
        },
    },
    "session_cancelled": {
        "sms_template_id": env("TENCENT_SMS_TEMPLATE_SESSION_CANCELLED", ""),  # RULES §14: urgent
        "sms_params": ["{course_name}", "{starts_at}", "{profile_name}"],
        "wechat_template_id": env("WECHAT_TEMPLATE_SESSION_CANCELLED", ""),
        "page": "pages/makeup/index/index",
        "title": "课程取消通知",
        "body": "{course_name}（{starts_at}）因故取消，{profile_name}的课时已转为待补课。",
        "fields": {
            "thing1": "{course_name}",
            "time2": "{starts_at}",
            "name3": "{profile_name}",
            "thing4": "课程取消，已转为待补课",
        },
    },
    "session_changed": {  # RULES §11.6: the studio moved a class, or changed its coach or venue
        "sms_template_id": env("TENCENT_SMS_TEMPLATE_SESSION_CHANGED", ""),  # RULES §14: urgent
        "sms_params": ["{course_name}", "{new}"],
        "wechat_template_id": env("WECHAT_TEMPLATE_SESSION_CHANGED", ""),
        "page": "pages/schedule/detail/index?id={schedule_id}",
        "title": "课程调整通知",
        "body": "{course_name}已由{old}调整为{new}",
        "fields": {"thing1": "{course_name}", "time2": "{starts_at}", "thing3": "{new}", "thing4": "课程已调整"},
    },
    "compensation_expiring": {
        "wechat_template_id": env("WECHAT_TEMPLATE_COMPENSATION_EXPIRING", ""),
        "page": "pages/makeup/compensation/index?profile_id={profile_id}",
        "title": "课时补偿即将过期",
        "body": "{profile_name}有{minutes}分钟课时补偿将于{expires_at}过期，请尽快使用。",
        "fields": {
            "name1": "{profile_name}",
            "number2": "{minutes}",
            "time3": "{expires_at}",
            "thing4": "课时补偿即将过期，请尽快使用",
        },
    },
}

# --- Monitoring (docs/rules.md §16, core/metrics.py) ----------------------------------------------
# /metrics answers to these addresses (single addresses or networks) and to `Bearer $METRICS_TOKEN`
# (unset: no token is accepted); anyone else gets 404.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
METRICS_TOKEN = env("METRICS_TOKEN", "")
# Where gunicorn workers and Celery processes write their series, one subdirectory per service,
# summed by /metrics (core/metrics_processes.py). Empty: each process serves only its own, and the
# worker's counters (notifications sent, Celery outcomes) never reach /metrics.
METRICS_MULTIPROC_DIR = env("METRICS_MULTIPROC_DIR", "")

# --- Business rules (docs/rules.md) --------------------------------------------------------------
LEAVE_DEADLINE = timedelta(minutes=int(env("LEAVE_DEADLINE_MINUTES", "120")))
WAITLIST_CUTOFF = timedelta(minutes=int(env("WAITLIST_CUTOFF_MINUTES", "360")))
WAITLIST_DEFAULT_CAPACITY = int(env("WAITLIST_DEFAULT_CAPACITY", "8"))
WAITLIST_RESPONSE_WINDOW = timedelta(minutes=int(env("WAITLIST_RESPONSE_WINDOW_MINUTES", "15")))
FLOW_GRACE = timedelta(minutes=int(env("FLOW_GRACE_MINUTES", "5")))
# RULES §12: auto-accept books only while the class starts at least this long after the release.
AUTO_ACCEPT_MIN_NOTICE = timedelta(minutes=int(env("AUTO_ACCEPT_MIN_NOTICE_MINUTES", "120")))
# RULES §13: waiting entries one child may hold at once.
WAITLIST_MAX_ACTIVE_PER_PROFILE = int(env("WAITLIST_MAX_ACTIVE_PER_PROFILE", "10"))
# Response windows count waking time only (RULES §5.4): ("22:00", "08:00") in Asia/Shanghai; "off" disables.
_quiet = env("WAITLIST_QUIET_HOURS", "22:00-08:00")
WAITLIST_QUIET_HOURS = None if _quiet.lower() in {"off", "none", ""} else tuple(_quiet.split("-", 1))
WAITLIST_PROMOTION_LOOKBACK_DAYS = 90
WAITLIST_PROMOTION_MIN_SCHEDULES = 10
WAITLIST_SWEEP_BATCH = int(env("WAITLIST_SWEEP_BATCH", "200"))  # schedules per sweep run
# Classes the sweeper catches up per transaction (waitlist/services/sweeps.py): 50 overdue classes
# take about 0.2 s on a 2-core machine, while a parent's request on one of them waits.
WAITLIST_SWEEP_CLASSES_PER_TRANSACTION = int(env("WAITLIST_SWEEP_CLASSES_PER_TRANSACTION", "50"))
COMPENSATION_VALIDITY_DAYS = int(env("COMPENSATION_VALIDITY_DAYS", "14"))
COMPENSATION_REMIND_BEFORE = timedelta(days=3)
_makeup_days = env("MAKEUP_VALIDITY_DAYS")  # unset: an owed make-up never expires
MAKEUP_VALIDITY_DAYS = int(_makeup_days) if _makeup_days else None
DEFAULT_SCHEDULE_CAPACITY = 6

# LOG_FORMAT: `plain` lines for people (development's default) or `json`, one object per line for the
# log shipper (production's default). Every record carries the request id ("-" outside a request).
LOG_FORMAT = env("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Celery's line per task received and succeeded, and beat's per job sent: a sweeper every
        # 15 s made some 40 lines a minute. Jobs say what they did themselves (core/jobs.py);
        # failures and retries are still WARNING/ERROR. CELERY_TASK_LOG_LEVEL=INFO brings them back.
        "celery.app.trace": {"level": env("CELERY_TASK_LOG_LEVEL", "WARNING")},
        "celery.worker.strategy": {"level": env("CELERY_TASK_LOG_LEVEL", "WARNING")},
        "celery.beat": {"level": env("CELERY_TASK_LOG_LEVEL", "WARNING")},
    },
}
if LOG_FORMAT not in LOGGING["formatters"]:
    raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(LOGGING['formatters'])}, not {LOG_FORMAT!r}.")

# Exports from the admin (django-import-export): Excel and CSV, for whoever may view the list.
from import_export.formats.base_formats import CSV, XLSX  # noqa: E402

EXPORT_FORMATS = [XLSX, CSV]
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
