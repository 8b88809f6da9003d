"""`check --deploy` fails on a configuration that breaks with several processes."""

import os
import subprocess
import sys

import pytest

from tests.portal.test_settings import PROJECT, STRONG

PRODUCTION = {
    **STRONG,
    "DEBUG": "false",
    "SITE_URL": "https://portal.example.com",
    "CACHE_URL": "redis://127.0.0.1:6379/0",
}


def deploy_check(**environment) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        **PRODUCTION,
        **environment,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_shared_cache_and_an_https_site_pass():
    result = deploy_check()
    assert result.returncode == 0, result.stderr
    assert "portal.E00" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    "cache_url", ["locmemcache://", "dummycache://", "filecache:///tmp/portal-cache"]
)
def test_a_process_local_cache_fails(cache_url):
    result = deploy_check(CACHE_URL=cache_url)
    assert result.returncode != 0
    assert "portal.E001" in result.stderr
    assert "CACHE_URL" in result.stderr


def test_a_site_url_that_is_not_https_fails():
    result = deploy_check(SITE_URL="http://portal.example.com")
    assert result.returncode != 0
    assert "portal.E002" in result.stderr
    assert "SITE_URL" in result.stderr


def test_without_deploy_the_checks_stay_quiet():
    """Development (one process, http on loopback) is not a production configuration."""
    env = {**PRODUCTION, "CACHE_URL": "locmemcache://", "SITE_URL": "http://127.0.0.1:8000"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
