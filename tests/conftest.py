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
