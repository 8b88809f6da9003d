import pytest
from django.core.cache import cache
from django.test import RequestFactory

from portal.ratelimit import client_address, hit

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


def _use_redis(settings):
    """Point the default cache at the machine's Redis. Django keeps one cache client per
    thread, so each thread below talks to Redis over its own connection, as processes do."""
    import os

    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI: {error}")
        pytest.skip("no Redis server on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": "ratelimit-test",
        }
    }


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
