"""The deployment files agree with the code: every configuration variable of the README has a line in
the environment file example, gunicorn's defaults are the documented ones, and every unit runs the
production settings (config/celery.py would otherwise default to development)."""

import os
import re
import runpy

import pytest

from core.middleware import SANE_REQUEST_ID
from tests.deployment.processes import ROOT

DEPLOY = ROOT / "deploy"
ENV_EXAMPLE = (DEPLOY / "studio.env.example").read_text()


def readme_variables() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n#", 1)[0]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    return [name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_<>]*)`", cell)]


def listed(name: str) -> bool:
    return re.search(rf"^(# )?{re.escape(name)}=", ENV_EXAMPLE, re.MULTILINE) is not None


def test_the_readme_table_is_read():
    names = readme_variables()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "WECHAT_APPID", "WECHAT_SECRET", "LOG_LEVEL"} <= set(names)


def test_every_readme_variable_is_in_the_environment_example():
    settings_text = (ROOT / "config/settings/base.py").read_text()
    families = {
        prefix + "<KEY>": re.findall(rf'env\("({prefix}[A-Z_]+)"', settings_text)
        for prefix in ("WECHAT_TEMPLATE_", "TENCENT_SMS_TEMPLATE_")
    }
    assert all(families.values())
    missing = []
    for name in readme_variables():
        expanded = families.get(name, [name])
        missing += [each for each in expanded if not listed(each)]
    assert missing == []


@pytest.mark.parametrize(
    "path", ["config/settings/production.py", "config/settings/base.py", "deploy/gunicorn.conf.py"]
)
def test_every_variable_the_deployment_reads_is_in_the_environment_example(path):
    names = set(
        re.findall(
            r'(?:env|env_bool|env_required|_env_int|os\.environ\.get)\("([A-Z][A-Z0-9_]+)"', (ROOT / path).read_text()
        )
    )
    assert names
    set_by_systemd = {"RUNTIME_DIRECTORY"}
    assert sorted(name for name in names - set_by_systemd if not listed(name)) == []


def test_gunicorn_defaults_are_two_workers_per_core_plus_one_with_threads(monkeypatch):
    for name in list(os.environ):
        if name.startswith("GUNICORN_"):
            monkeypatch.delenv(name)
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert config["worker_class"] == "gthread"
    assert config["threads"] == 4
    assert config["bind"] == ["127.0.0.1:8000"]
    assert "%({x-request-id}o)s" in config["access_log_format"]


def test_gunicorn_reads_its_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "16")
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert (config["bind"], config["workers"], config["threads"]) == (["0.0.0.0:9000"], 3, 16)


@pytest.mark.parametrize("unit", ["studio-web", "studio-worker", "studio-beat"])
def test_every_unit_runs_the_production_settings(unit):
    text = (DEPLOY / "systemd" / f"{unit}.service").read_text()
    assert "Environment=DJANGO_SETTINGS_MODULE=config.settings.production" in text
    assert "EnvironmentFile=/etc/studio/studio.env" in text


def test_beat_uses_the_database_scheduler_and_the_worker_its_concurrency():
    beat = (DEPLOY / "systemd" / "studio-beat.service").read_text()
    worker = (DEPLOY / "systemd" / "studio-worker.service").read_text()
    assert "--scheduler django_celery_beat.schedulers:DatabaseScheduler" in beat
    assert "--concurrency=${CELERY_WORKER_CONCURRENCY}" in worker


def test_nginx_passes_the_request_id_and_the_scheme():
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert nginx.count("proxy_set_header X-Request-ID $studio_request_id;") == 2
    assert nginx.count("proxy_set_header X-Forwarded-Proto $scheme;") == 2
    # The same rule as the middleware's, so nginx's log and Django's agree on every id.
    assert f'"~^{SANE_REQUEST_ID.pattern}$" $http_x_request_id;' in nginx
    assert "default $request_id;" in nginx
