"""Configuration: development needs nothing, production refuses weak or missing keys."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from portal import settings as real_settings
from portal.local_env import GENERATED_KEYS, ensure_local_env, read_keys

PROJECT = Path(__file__).resolve().parents[2]


def run_check(**environment) -> subprocess.CompletedProcess:
    """`manage.py check` in a fresh process. Variables given here win over the development
    `.env`, so an empty value stands for a missing key."""
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "portal.settings", **environment}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


STRONG = {
    "SECRET_KEY": "k" * 10 + "abcdefghijklmnopqrstuvwxyz0123456789ABCD",
    "JWT_SIGNING_KEY": "j" * 10 + "abcdefghijklmnopqrstuvwxyz0123456789ABCD",
    "FERNET_KEYS": "ZmRlc2NyaXB0aW9uLWtleS1mb3ItdGVzdHMtb25seSE=",
    "ALLOWED_HOSTS": "portal.example.com",
}


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY is missing or weak"),
        ("JWT_SIGNING_KEY", "JWT_SIGNING_KEY is missing or weak"),
        ("FERNET_KEYS", "FERNET_KEYS is missing"),
    ],
)
def test_production_refuses_to_start_without_a_key(missing, message):
    result = run_check(DEBUG="false", **{**STRONG, missing: ""})
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_a_weak_secret_key():
    result = run_check(DEBUG="false", **{**STRONG, "SECRET_KEY": "django-insecure-" + "a" * 40})
    assert result.returncode != 0
    assert "SECRET_KEY is missing or weak" in result.stderr


def test_production_starts_with_strong_keys():
    result = run_check(DEBUG="false", **STRONG)
    assert result.returncode == 0, result.stderr


def test_local_env_is_generated_once_and_completed_never_changed(tmp_path):
    path = tmp_path / ".env"
    ensure_local_env(path)
    first = read_keys(path)
    assert first["DEBUG"] == "true"
    assert set(GENERATED_KEYS) <= set(first)
    assert oct(path.stat().st_mode & 0o777) == "0o600"

    ensure_local_env(path)
    assert read_keys(path) == first

    path.write_text(f"DEBUG=true\nSECRET_KEY={first['SECRET_KEY']}\n")
    ensure_local_env(path)
    completed = read_keys(path)
    assert completed["SECRET_KEY"] == first["SECRET_KEY"]
    assert {"JWT_SIGNING_KEY", "FERNET_KEYS"} <= set(completed)


def test_local_env_file_is_ignored_by_git():
    ignored = (PROJECT / ".gitignore").read_text().split()
    assert ".env" in ignored
    assert ".demo-login" in ignored


def test_real_settings_store_argon2id_hashes(db):
    assert real_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=real_settings.PASSWORD_HASHERS):
        user = get_user_model().objects.create_user(
            email="hash@example.com", password="a fine passphrase"
        )
        assert user.password.startswith("argon2$argon2id$")
        assert user.check_password("a fine passphrase")


def test_access_tokens_are_not_signed_with_the_django_secret_key():
    assert real_settings.JWT_SIGNING_KEY
    assert real_settings.JWT_SIGNING_KEY != real_settings.SECRET_KEY


def database_settings(**environment) -> dict:
    """settings.DATABASES["default"] as a fresh process reads it from the environment."""
    env = {"PATH": os.environ["PATH"], **environment}
    script = (
        "import json; from portal import settings; print(json.dumps(settings.DATABASES['default']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_prepares_credential_lookups_unless_told_not_to():
    url = "postgres://portal@db.example.com:5432/portal"
    assert database_settings(DATABASE_URL=url)["OPTIONS"]["prepare_threshold"] == 5
    off = database_settings(DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="false")
    assert "prepare_threshold" not in off.get("OPTIONS", {})


def test_connections_are_kept_and_checked_unless_the_url_says_otherwise():
    kept = database_settings(DATABASE_URL="postgres://portal@db.example.com:5432/portal")
    assert kept["CONN_MAX_AGE"] == 60
    assert kept["CONN_HEALTH_CHECKS"] is True
    url = "postgres://portal@db.example.com:5432/portal?conn_max_age=0"
    assert database_settings(DATABASE_URL=url)["CONN_MAX_AGE"] == 0


def site_url(**environment) -> str:
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "portal.settings", **environment}
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_links_in_mail_follow_the_port_make_serve_serves():
    # `PORT=8123 make serve` runs the server with PORT=8123 in its environment.
    assert site_url(PORT="8123") == "http://localhost:8123"
    assert site_url() == "http://localhost:8000"
    assert site_url(PORT="8123", SITE_URL="https://portal.example.com/") == (
        "https://portal.example.com"
    )


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_make_serve_hands_its_port_to_the_server(how):
    # `make -n` prints the commands it would run; the server must get PORT in its environment.
    command = ["make", "-n", "serve"] + (["PORT=8123"] if how == "argument" else [])
    env = {**os.environ, "PORT": "8123"} if how == "environment" else os.environ
    result = subprocess.run(
        command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    (runserver,) = [line for line in result.stdout.splitlines() if "runserver" in line]
    assert runserver.startswith("PORT=8123 ")
    assert runserver.endswith("runserver localhost:8123")
