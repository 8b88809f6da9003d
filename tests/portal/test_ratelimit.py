import json

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from portal.ratelimit import (
    client_address,
    hit,
    hit_each,
    lockout_response,
    too_many_requests,
    wait_text,
)
from tests.factories import DEFAULT_PASSWORD

factory = RequestFactory()


@pytest.mark.usefixtures("one_rate_limit_window")
def test_counts_up_to_the_limit_then_says_how_long_to_wait(settings):
    settings.RATE_LIMITS = {"test": (3, 60)}
    assert [hit("test", "a@example.com") for _ in range(3)] == [None, None, None]
    retry_after = hit("test", "a@example.com")
    assert 1 <= retry_after <= 61
    # Subjects are counted apart, case-insensitively.
    assert hit("test", "b@example.com") is None
    assert hit("test", "A@EXAMPLE.COM") is not None


def test_cache_keys_never_carry_the_subject(settings):
    settings.RATE_LIMITS = {"test": (3, 60)}
    hit("test", "private@example.com")
    keys = list(getattr(cache, "_cache", {}).keys())
    assert keys
    assert not any("private" in str(key) for key in keys)


def test_text_no_address_could_hold_is_counted_not_a_crash(settings):
    settings.RATE_LIMITS = {"test": (1, 60)}
    assert hit("test", "\ud800@example.com") is None
    assert hit("test", "\ud800@example.com") is not None


def test_without_trusted_proxies_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = factory.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "10.0.0.9"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the client's own claim (6.6.6.6) is not trusted
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.2", "1.2.3.4"),
        (2, "1.2.3.4", "10.0.0.9"),  # fewer entries than proxies: fall back to the peer
    ],
)
def test_client_address_counts_trusted_proxies_from_the_right(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = factory.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def _redis_caches() -> dict:
    """CACHES with the default cache at the machine's Redis (skipped without one, except in
    CI)."""
    import os

    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI: {error}")
        pytest.skip("no Redis server on 127.0.0.1:6379")
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": "ratelimit-test",
        }
    }


def _use_redis(settings):
    """Point the default cache at the machine's Redis. Django keeps one cache client per
    thread, so each thread below talks to Redis over its own connection, as processes do."""
    settings.CACHES = _redis_caches()


@pytest.mark.usefixtures("one_rate_limit_window")
def test_counts_are_shared_and_atomic_across_connections_in_redis(settings):
    import threading

    from django.core.cache import cache as shared_cache

    settings.RATE_LIMITS = {"shared": (100, 60)}
    _use_redis(settings)
    shared_cache.clear()
    results = []

    def attempts():
        results.extend(hit("shared", "victim@example.com") for _ in range(50))

    try:
        threads = [threading.Thread(target=attempts) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # 100 attempts over two connections exactly fill the limit; the next one is refused.
        assert results.count(None) == 100
        assert hit("shared", "victim@example.com") is not None
    finally:
        shared_cache.clear()


@pytest.mark.django_db
def test_axes_counts_failures_in_the_shared_cache(settings, admin_user):
    """django-axes' failures live in the configured cache (Redis here, as in production), so
    every process counts the same failures and sees the same lockout."""
    import redis
    from axes.handlers.proxy import AxesProxyHandler
    from django.core.cache import cache as shared_cache
    from django.test import Client, override_settings

    settings.AXES_FAILURE_LIMIT = 3
    raw = redis.Redis(host="127.0.0.1", port=6379, db=15)
    with override_settings(CACHES=_redis_caches()):
        # Axes' handler keeps the cache it was made with: make it again, here and after.
        AxesProxyHandler.get_implementation(force=True)
        shared_cache.clear()
        try:
            for _ in range(2):
                Client().post("/login/", {"username": admin_user.email, "password": "guess"})
            assert [key for key in raw.keys("ratelimit-test:*") if b"axes-" in key]
            Client().post("/login/", {"username": admin_user.email, "password": "guess"})
            response = Client().post(
                "/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD}
            )
            assert response.status_code == 429
        finally:
            shared_cache.clear()
    AxesProxyHandler.get_implementation(force=True)


# The lockout response beyond the sign-in pages (those are in tests/accounts/test_lockout.py).


def test_a_lockout_under_the_api_is_the_envelope(db):
    for path in ("/v1/anything", "/api/v1/anything"):
        response = lockout_response(factory.post(path), HttpResponse(), None)
        assert response.status_code == 429
        assert response["Retry-After"] == "900"
        assert json.loads(response.content) == {
            "errors": [{"message": "Too many attempts. Try again in 900 seconds."}]
        }


def test_a_page_refused_over_a_limit_is_itself_with_429_and_retry_after():
    page = HttpResponse("The form, saying why.")
    assert too_many_requests(page, 42) is page
    assert (page.status_code, page["Retry-After"]) == (429, "42")
    assert page.content.decode() == "The form, saying why."


def test_a_lockout_elsewhere_says_why_in_plain_text(db):
    response = lockout_response(factory.post("/elsewhere/"), HttpResponse("ok"), None)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "Too many attempts, try again in 15 minutes."


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1, "1 second"),
        (59, "59 seconds"),
        (119, "119 seconds"),
        (120, "2 minutes"),
        (900, "15 minutes"),
        (901, "16 minutes"),
        (3600, "1 hour"),
        (3601, "61 minutes"),
        (72 * 3600, "72 hours"),
    ],
)
def test_wait_text(seconds, text):
    assert wait_text(seconds) == text


@pytest.mark.usefixtures("one_rate_limit_window")
def test_every_limit_counts_and_the_longest_wait_answers(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "short": (1, 60), "long": (1, 3600)}
    assert hit_each(("short", "a"), ("long", "a")) is None
    wait = hit_each(("short", "a"), ("long", "a"))
    assert 60 < wait <= 3601
    # Both advanced on the refused attempt too: each alone is over its limit now.
    assert hit("short", "a") is not None
    assert hit("long", "a") is not None
    assert hit_each(("short", "b")) is None
