"""Runs the project in a child process with a clean environment (like tests/core/test_settings.py):
nothing from this test run's DATABASE_URL, REDIS_URL, LOG_* or DJANGO_* leaks in."""

import contextlib
import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, headers: dict) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": "studio.example.com", **headers})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


class Served:
    """What a gunicorn run left: its first /healthz answer, then (once stopped) its logs."""

    health: http.client.HTTPResponse
    access_log: str = ""
    error_log: str = ""


@contextlib.contextmanager
def gunicorn_serving(env: dict, cwd: Path, port: int, health_headers: dict | None = None) -> Iterator[Served]:
    """gunicorn with deploy/gunicorn.conf.py on `port` (env's GUNICORN_BIND), once /healthz answers;
    stopped with SIGTERM on the way out, its logs then in the Served."""
    served = Served()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "config.wsgi"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                served.health = get(port, "/healthz", health_headers or {})
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield served
    finally:
        server.terminate()
        served.access_log, served.error_log = server.communicate(timeout=60)
