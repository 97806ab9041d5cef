"""Runs the project in a child process with a clean environment (like tests/core/test_settings.py):
nothing from this test run's DATABASE_URL, REDIS_URL, LOG_* or DJANGO_* leaks in."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LEAKY = ("DJANGO_", "WECHAT_", "DATABASE_", "REDIS_", "CELERY_", "LOG_", "GUNICORN_", "VAR_DIR", "DB_")


def production_env(tmp_path: Path, **extra: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(LEAKY)}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),  # 67 random characters: check --deploy's W009 wants 50+
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "DJANGO_ALLOWED_HOSTS": "studio.example.com",
            "WECHAT_APPID": "wx1",
            "WECHAT_SECRET": "s1",
            "REDIS_URL": "redis://127.0.0.1:6379/5",
            "VAR_DIR": str(tmp_path / "var"),
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


def run(args: list[str], env: dict, cwd: Path) -> subprocess.CompletedProcess:
    """cwd outside the work tree: kombu's filesystem transport writes control files into the cwd."""
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
