import time

import pytest

from tests.factories import administrator_of, make_account


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is slow on purpose; tests that are about hashing set it back themselves.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters live in the cache; each test starts with none.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def one_rate_limit_window():
    """Rate limits count in fixed windows, of 60 seconds in the tests. A test that counts
    attempts starts at least 10 seconds before its window ends, so that all its attempts
    fall in one window rather than the count starting again halfway."""
    left = 60 - time.time() % 60
    if left < 10:
        time.sleep(left)


@pytest.fixture
def account(db):
    return make_account()


@pytest.fixture
def admin_user(account):
    return administrator_of(account)


@pytest.fixture
def other_account(db):
    return make_account(name="Globex")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def pytest_collection_modifyitems(config, items):
    """Race and locking tests only mean something on PostgreSQL; on SQLite they say so.
    Tests of the SQLite default itself run in the SQLite run only."""
    from django.db import connection

    if connection.vendor == "postgresql":
        skip = pytest.mark.skip(reason="about the SQLite default: the SQLite run has it")
        marker = "sqlite"
    else:
        skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://…); CI runs it")
        marker = "postgres"
    for item in items:
        if marker in item.keywords:
            item.add_marker(skip)
