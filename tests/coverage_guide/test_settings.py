"""The settings module refuses unsafe configurations and passes Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "a-production-grade-secret-key-that-is-long-and-random-0123456789abcdef",
    "ALLOWED_HOSTS": "coverage-guide.example.org",
    "DJANGO_SETTINGS_MODULE": "coverage_guide.settings",
}


def _manage(*args, **env):
    return _python("manage.py", *args, **env)


def _import_settings(*statements, **env):
    """Import the settings module alone in a fresh interpreter (about a fifth of the time of a
    management command: no app loading), then run `statements`."""
    return _python("-c", "; ".join(["import coverage_guide.settings as s", *statements]), **env)


def _python(*args, **env):
    # Drop what coverage_guide/settings_test.py put in this process's environment.
    inherited = {*PRODUCTION_ENV, "SECRET_KEY_FILE", "SECURE_SSL_REDIRECT", "REDIS_URL"}
    clean = {k: v for k, v in os.environ.items() if k not in inherited}
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_missing_secret_key_is_refused_when_debug_is_off():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = _import_settings(**env)
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) is required" in result.stderr


def test_the_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file-" + "x" * 60)
    env = {**PRODUCTION_ENV, "SECRET_KEY": "", "SECRET_KEY_FILE": str(secret)}
    result = _import_settings("print(s.SECRET_KEY)", **env)
    assert result.stdout.strip().splitlines()[-1] == "from-a-file-" + "x" * 60


def test_a_bad_boolean_is_refused():
    result = _import_settings(**{**PRODUCTION_ENV, "DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_script(client):
    response = client.get(reverse("patients:login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"


def test_postgresql_connections_time_out_and_are_checked_before_reuse():
    result = _import_settings(
        "d = s.DATABASES['default']",
        "print(d['OPTIONS']['connect_timeout'], d['CONN_HEALTH_CHECKS'], d['CONN_MAX_AGE'])",
        **PRODUCTION_ENV,
        DATABASE_URL="postgres://app@db.internal:5432/coverage_guide",
        DB_CONN_MAX_AGE="60",
    )
    assert result.stdout.strip().splitlines()[-1] == "5 True 60"
