"""Settings are strict: a wrong value stops start-up with a clear message."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def channel_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def run_manage(*args, env_overrides: dict, unset=("DATABASE_URL",)):
    env = {k: v for k, v in os.environ.items() if k not in unset}
    if env_overrides.get("DEBUG") == "false" and "CHANNEL_SECRET_KEY" not in env_overrides and "CHANNEL_SECRET_KEY" not in unset:
        env_overrides = {**env_overrides, "CHANNEL_SECRET_KEY": channel_key()}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_boolean_that_is_not_a_boolean_stops_start_up():
    result = run_manage("check", env_overrides={"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_production_without_secret_key_refuses_to_start():
    env = {"DEBUG": "false", "ALLOWED_HOSTS": "register.example.com"}
    result = run_manage("check", env_overrides=env, unset=("DATABASE_URL", "SECRET_KEY"))
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_production_without_a_channel_secret_key_refuses_to_start():
    env = {"DEBUG": "false", "ALLOWED_HOSTS": "register.example.com", "SECRET_KEY": secrets.token_urlsafe(50)}
    result = run_manage("check", env_overrides=env, unset=("DATABASE_URL", "CHANNEL_SECRET_KEY"))
    assert result.returncode != 0
    assert "CHANNEL_SECRET_KEY is required when DEBUG is off" in result.stderr


def test_a_channel_secret_key_that_is_not_a_fernet_key_refuses_to_start():
    env = {"DEBUG": "true", "CHANNEL_SECRET_KEY": "not-a-fernet-key"}
    result = run_manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "CHANNEL_SECRET_KEY holds a value that is not a Fernet key" in result.stderr
    assert "not-a-fernet-key" not in result.stderr


def test_production_with_the_development_key_refuses_to_start():
    env = {
        "DEBUG": "false",
        "ALLOWED_HOSTS": "register.example.com",
        "SECRET_KEY": "development-only-insecure-key-do-not-use-in-production",
    }
    result = run_manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "refusing to start with DEBUG off" in result.stderr


@pytest.mark.parametrize("key", ["a" * 64, "ab" * 32, "abcd" * 16])
def test_production_with_a_key_of_too_few_distinct_characters_refuses_to_start(key):
    # Long enough, but guessable: Django's deploy check asks for at least five distinct characters.
    env = {"DEBUG": "false", "ALLOWED_HOSTS": "register.example.com", "SECRET_KEY": key}
    result = run_manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "too few distinct characters" in result.stderr
    assert key not in result.stdout + result.stderr


def test_a_database_url_that_is_not_one_is_a_clear_error():
    result = run_manage("check", env_overrides={"DEBUG": "true", "DATABASE_URL": "nonsense://"})
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


@pytest.mark.slow
def test_deploy_check_passes_with_production_settings():
    env = {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "register.example.com"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=env)
    assert result.returncode == 0, result.stdout + result.stderr
    # The key is a secret: it never shows in what the process prints.
    assert env["SECRET_KEY"] not in result.stdout + result.stderr


def test_production_cookies_are_secure_httponly_and_samesite():
    env = {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "register.example.com"}
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = run_manage("shell", "-c", code, env_overrides=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["True", "True", "True", "Lax", "True", "True"]


def test_email_goes_to_smtp_when_email_host_is_set():
    code = "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)"
    result = run_manage(
        "shell", "-c", code,
        env_overrides={"DEBUG": "true", "EMAIL_HOST": "smtp.example.com", "EMAIL_PORT": "2525", "EMAIL_USE_TLS": "yes"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["django.core.mail.backends.smtp.EmailBackend", "smtp.example.com", "2525", "True"]


def test_a_list_of_days_that_is_not_one_is_a_clear_error():
    result = run_manage("check", env_overrides={"DEBUG": "true", "ALERT_COUNTDOWN_DAYS": "90,thirty"})
    assert result.returncode != 0
    assert "ALERT_COUNTDOWN_DAYS must be comma-separated integers; 'thirty' is not one" in result.stderr
