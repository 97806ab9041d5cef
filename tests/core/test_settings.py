"""Production refuses to start without its secrets; development starts on embedded defaults."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x" * 50,
    "DATABASE_URL": "sqlite:////tmp/prod-check.sqlite3",
    "DJANGO_ALLOWED_HOSTS": "studio.example.com",
    "WECHAT_APPID": "wx1",
    "WECHAT_SECRET": "s1",
    "REDIS_URL": "redis://127.0.0.1:6379/5",
}


def load_settings(module: str, extra: dict) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "WECHAT_", "DATABASE_", "REDIS_", "CELERY_"))
    }
    env.update(extra, DJANGO_SETTINGS_MODULE=module)
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG, settings.WECHAT_LOGIN_BACKEND)"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_production_starts_with_every_secret():
    result = load_settings("config.settings.production", PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "wechat"]


def test_production_refuses_each_missing_secret():
    for missing in PRODUCTION_ENV:
        env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}
        result = load_settings("config.settings.production", env)
        assert result.returncode != 0, missing
        assert f"The environment variable {missing} must be set in production" in result.stderr


def test_development_starts_on_embedded_defaults():
    result = load_settings("config.settings.dev", {})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "dev"]


def template_ids(extra: dict) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "WECHAT_"))}
    env.update(extra, DJANGO_SETTINGS_MODULE="config.settings.dev")
    code = (
        "import django; django.setup(); from django.conf import settings; t = settings.NOTIFICATION_TEMPLATES; "
        "print(t['waitlist_closed']['wechat_template_id'], t['waitlist_session_cancelled']['wechat_template_id'])"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_a_cancelled_class_uses_the_closed_waitlist_template_unless_given_its_own():
    """The mini-program's join asks for 3 templates at most; a waiting entry ends closed or cancelled,
    never both, so by default both messages go through the template the parent subscribed to."""
    assert template_ids({"WECHAT_TEMPLATE_WAITLIST_CLOSED": "TC"}) == ["TC", "TC"]
    both = {"WECHAT_TEMPLATE_WAITLIST_CLOSED": "TC", "WECHAT_TEMPLATE_WAITLIST_SESSION_CANCELLED": "TX"}
    assert template_ids(both) == ["TC", "TX"]
