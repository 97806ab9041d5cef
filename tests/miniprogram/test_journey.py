"""The parent's whole journey in the mini-program against the real server (issue 15).

Starts the project as `make run` does (development settings, migrate, seed_demo) on a throwaway
database, serves it with `runserver`, and runs the mini-program's journey test
(miniprogram/test/journey/parent.journey.js) against it: the real page code, its `wx.request`
bridged to the server over HTTP. On the embedded defaults the database is a new SQLite file; in the
MariaDB + Redis pass it is a new MariaDB database and a Redis database of its own (so cached reads
are part of the journey too)."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
MINIPROGRAM = ROOT / "miniprogram"
JEST = MINIPROGRAM / "node_modules" / ".bin" / "jest"
LEAKY = ("DJANGO_", "WECHAT_", "DATABASE_", "REDIS_", "CELERY_", "LOG_", "VAR_DIR", "DB_", "HOT_READS_")
JOURNEY_REDIS_DB = 12  # 13 and 14 belong to the Celery integration tests, 15 to the suite


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


class ThrowawayMariaDB:
    """A database of its own on the suite's MariaDB, dropped afterwards."""

    def __init__(self):
        import MySQLdb

        db = settings.DATABASES["default"]
        self.params = {
            "host": db["HOST"] or "127.0.0.1",
            "port": int(db["PORT"] or 3306),
            "user": db["USER"],
            "password": db["PASSWORD"] or "",
        }
        self.name = f"journey_{uuid.uuid4().hex[:10]}"
        self.connect = lambda: MySQLdb.connect(**self.params)

    def _execute(self, sql: str) -> None:
        connection = self.connect()
        try:
            connection.cursor().execute(sql)
        finally:
            connection.close()

    def create(self) -> str:
        self._execute(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        auth = self.params["user"] + (f":{self.params['password']}" if self.params["password"] else "")
        return f"mysql://{auth}@{self.params['host']}:{self.params['port']}/{self.name}"

    def drop(self) -> None:
        self._execute(f"DROP DATABASE IF EXISTS `{self.name}`")


def journey_redis_url() -> str:
    parts = urlsplit(settings.REDIS_URL)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{JOURNEY_REDIS_DB}", "", ""))
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def server(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(LEAKY)}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.dev", VAR_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    mariadb = ThrowawayMariaDB() if settings.DATABASE_IS_MYSQL else None
    if mariadb is not None:
        env["DATABASE_URL"] = mariadb.create()
    if settings.REDIS_URL:
        env["REDIS_URL"] = journey_redis_url()
    process = None
    try:
        manage("migrate", "--no-input", "-v0", env=env)
        seeded = manage("seed_demo", env=env)
        assert "Demo data:" in seeded.stdout
        port = free_port()
        log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed below, after the process
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not answer /healthz within 60 s"
            time.sleep(0.2)
        yield {"api": f"{base}/api/v1/", "log": tmp_path / "server.log"}
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
        if mariadb is not None:
            mariadb.drop()


def test_the_parents_journey_runs_against_the_real_server(server):
    node = shutil.which("node")
    assert node, "Node.js is needed for the mini-program's tests (bin/install-system-deps installs it)"
    assert JEST.exists(), "the mini-program's packages are missing: run `make test-js` (npm ci) first"
    env = {**os.environ, "JOURNEY_API": server["api"], "CI": "true"}
    done = subprocess.run(
        [node, str(JEST), "--ci", "--config", "test/journey/jest.config.js"],
        cwd=MINIPROGRAM,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, f"{report}\n--- server log ---\n{server['log'].read_text()[-6000:]}"
    assert "1 passed" in report  # the journey ran (a config that finds no test must not pass)
