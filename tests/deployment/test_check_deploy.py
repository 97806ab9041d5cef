"""`manage.py check --deploy --fail-level WARNING` passes under the production settings with the
required environment, and each HTTPS knob really reaches the settings."""

import sys

from tests.deployment.processes import ROOT, production_env, run


def check_deploy(tmp_path, **extra):
    return run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        production_env(tmp_path, **extra),
        tmp_path,
    )


def test_check_deploy_passes_with_the_required_environment(tmp_path):
    result = check_deploy(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_fails_when_hsts_is_switched_off(tmp_path):
    result = check_deploy(tmp_path, DJANGO_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stderr


def test_check_deploy_fails_when_the_ssl_redirect_is_switched_off(tmp_path):
    result = check_deploy(tmp_path, DJANGO_SSL_REDIRECT="0")
    assert result.returncode != 0
    assert "security.W008" in result.stderr


def test_check_deploy_fails_with_a_short_secret_key(tmp_path):
    result = check_deploy(tmp_path, DJANGO_SECRET_KEY="too-short")
    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_an_unknown_log_format_is_refused(tmp_path):
    result = check_deploy(tmp_path, LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT must be one of plain, json, not 'xml'" in result.stderr
