"""The one-time form nonce of the personal access tokens page, raced: concurrent posts of one
form make or regenerate exactly one token, with the nonces in local memory and in Redis."""

import threading

import pytest
from django.conf import settings

from accounts.models import Event
from tests.factories import administrator_of
from tests.reauthentication_helpers import recently_authenticated
from tests.tokens.token_page_helpers import nonce_of, regenerate_nonce_of
from tokens import services
from tokens.models import PersonalAccessToken


def _post_together(session_cookie: str, url: str, data: dict, count: int) -> list[int]:
    """`count` browsers' worth of the same POST, sent at the same moment from threads of their
    own (each its own database connection), all holding the one session cookie."""
    from django.db import connection as thread_connection
    from django.test import Client

    start = threading.Barrier(count)
    statuses, failures = [], []

    def post():
        try:
            client = Client()
            client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie
            start.wait(timeout=10)
            statuses.append(client.post(url, data).status_code)
        except Exception as error:  # noqa: BLE001 - reported below, in the test's thread
            failures.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=post) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    return statuses


@pytest.fixture(params=["locmem", "redis"])
def nonce_cache(request, settings):
    """The cache the nonces live in: local memory (one process, as `make serve`), and Redis
    (several processes, as in production), where each thread has a connection of its own."""
    if request.param == "redis":
        import os
        import uuid

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
                "LOCATION": "redis://127.0.0.1:6379/13",
                "KEY_PREFIX": f"nonce-race-{uuid.uuid4().hex}",  # keys of this test only
            }
        }
    return request.param


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_concurrent_posts_of_one_create_form_make_exactly_one_token(nonce_cache):
    from django.test import Client

    from tests.factories import make_account

    user = administrator_of(make_account(email="race@example.com"))
    browser = Client()
    browser.force_login(user)
    recently_authenticated(browser)
    nonce = nonce_of(browser.get("/personal-access-tokens/"))
    statuses = _post_together(
        browser.cookies[settings.SESSION_COOKIE_NAME].value,
        "/personal-access-tokens/",
        {"name": "raced", "nonce": nonce},
        count=4,
    )
    assert PersonalAccessToken.objects.filter(name="raced").count() == 1
    # One shows the new token; the others say the form was already sent.
    assert sorted(statuses) == [200, 302, 302, 302]
    assert Event.objects.filter(topic="personal-access-token:created").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_concurrent_posts_of_one_regenerate_form_regenerate_once(nonce_cache):
    from django.test import Client

    from tests.factories import make_account

    user = administrator_of(make_account(email="race-regenerate@example.com"))
    token, _ = services.personal_access_token_create(user=user, name="rotated")
    browser = Client()
    browser.force_login(user)
    recently_authenticated(browser)
    nonce = regenerate_nonce_of(browser.get("/personal-access-tokens/"), token)
    statuses = _post_together(
        browser.cookies[settings.SESSION_COOKIE_NAME].value,
        f"/personal-access-tokens/{token.id}/regenerate/",
        {"nonce": nonce},
        count=4,
    )
    assert sorted(statuses) == [200, 302, 302, 302]
    assert Event.objects.filter(topic="personal-access-token:regenerated").count() == 1
