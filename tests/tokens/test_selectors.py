"""tokens.selectors: the reads the credential pages and the API share, each written once,
each one query however many rows it reads."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import (
    ApiKeyFactory,
    EnvironmentFactory,
    SecretFactory,
    SpaceFactory,
    administrator_of,
    development,
    make_account,
    production,
)
from tests.tokens.conftest import bearer, user_access_token
from tokens import selectors, serializers
from tokens.models import ApiKey
from tokens.principal import Principal
from tokens.services import personal_access_token_create

# Live keys -------------------------------------------------------------------------------


def test_live_keys_are_the_current_ones_and_those_in_their_grace_period(account, admin_user):
    environment = development(account)
    first_secret = ApiKey.objects.get(environment=environment, type=ApiKey.Type.SECRET)
    retiring = ApiKeyFactory(environment=environment, keep_old_for=timedelta(hours=1))
    current = ApiKeyFactory(environment=environment, keep_old_for=timedelta(hours=1))
    publishable = ApiKey.objects.get(environment=environment, type=ApiKey.Type.PUBLISHABLE)
    # The first key's grace period has ended (set a second ago, as the clock moved on).
    ApiKey.objects.filter(pk=first_secret.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert list(selectors.api_keys_live(environment=environment)) == [
        publishable,
        current,
        retiring,
    ]
    assert current.expires_at is None
    assert ApiKey.objects.get(pk=retiring.pk).expires_at > timezone.now()


def test_live_keys_are_the_environments_own(account, other_account):
    environment = development(account)
    keys = set(selectors.api_keys_live(environment=environment))
    assert keys == set(ApiKey.objects.filter(environment=environment))
    assert len(keys) == 2
    for elsewhere in [production(account), development(other_account)]:
        assert not keys & set(selectors.api_keys_live(environment=elsewhere))


def test_a_key_rolled_now_is_gone_at_once(account, admin_user):
    environment = development(account)
    old = ApiKey.objects.get(environment=environment, type=ApiKey.Type.SECRET)
    new = ApiKeyFactory(environment=environment)
    live = list(selectors.api_keys_live(environment=environment))
    assert new in live and old not in live


def test_the_page_and_the_api_show_the_same_live_keys(admin_client, account, admin_user):
    """Both read the selector: a key past its grace period is in neither; one in its grace
    period is in both."""

    from rest_framework.test import APIClient

    environment = development(account)
    expired = ApiKeyFactory(environment=environment, keep_old_for=timedelta(hours=1))
    retiring = ApiKeyFactory(environment=environment, keep_old_for=timedelta(hours=1))
    current = ApiKeyFactory(environment=environment, keep_old_for=timedelta(hours=1))
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    live = {key.id for key in selectors.api_keys_live(environment=environment)}
    assert retiring.id in live and current.id in live and expired.id not in live

    api = bearer(APIClient(), user_access_token(admin_user)[0])
    listed = api.get(f"/v1/auth/api-keys?environmentId={environment.id}").json()["data"]
    assert {key["id"] for key in listed} == live
    page = admin_client.get(f"/environments/{environment.id}/api-keys/").content.decode()
    assert f"Secret key …{retiring.last_four}" in page  # "Rolled keys still working"
    assert f"Secret key …{expired.last_four}" not in page


def principal_of(account, admin_user) -> Principal:
    return Principal(kind=Principal.USER, id=admin_user.id, account_id=account.id, account=account)


@pytest.mark.parametrize("extra_keys", [0, 12])
def test_live_keys_are_one_query_with_what_the_api_shows(
    account, admin_user, extra_keys, django_assert_num_queries
):
    environment = development(account)
    for _ in range(extra_keys):
        ApiKeyFactory(environment=environment, keep_old_for=timedelta(hours=1))
    principal = principal_of(account, admin_user)
    with django_assert_num_queries(1):
        keys = list(selectors.api_keys_live(environment=environment))
        shown = serializers.ApiKeyOutput(keys, many=True, context={"principal": principal}).data
    assert len(shown) == 2 + extra_keys
    assert {key["accountId"] for key in shown} == {account.id}


# Secrets that apply ---------------------------------------------------------------------------


@pytest.fixture
def scoped_secrets(account):
    environment = development(account)
    space = SpaceFactory(environment=environment)
    other_space = SpaceFactory(environment=environment)
    return {
        "environment": environment,
        "space": space,
        "other_space": other_space,
        "env_token": SecretFactory(environment=environment, name="TOKEN", value="env"),
        "env_other": SecretFactory(environment=environment, name="OTHER", value="env-only"),
        "space_token": SecretFactory(space=space, name="TOKEN", value="space"),
        "space_only": SecretFactory(space=space, name="ALPHA", value="space-only"),
        "elsewhere": SecretFactory(space=other_space, name="TOKEN", value="other space"),
        "production": SecretFactory(environment=production(account), name="TOKEN", value="prod"),
    }


def values(secrets) -> dict:
    return {secret.name: secret.value for secret in secrets}


def test_the_environments_secrets_apply_without_a_space(scoped_secrets):
    applying = selectors.secrets_applying(environment=scoped_secrets["environment"])
    assert list(applying) == [scoped_secrets["env_other"], scoped_secrets["env_token"]]


def test_a_spaces_secret_overrides_the_environments_of_the_same_name(scoped_secrets):
    applying = list(
        selectors.secrets_applying(
            environment=scoped_secrets["environment"], space=scoped_secrets["space"]
        )
    )
    # By name; the space's TOKEN in place of the environment's.
    assert applying == [
        scoped_secrets["space_only"],
        scoped_secrets["env_other"],
        scoped_secrets["space_token"],
    ]
    assert values(applying) == {"ALPHA": "space-only", "OTHER": "env-only", "TOKEN": "space"}


def test_another_spaces_secrets_never_apply(scoped_secrets):
    applying = selectors.secrets_applying(
        environment=scoped_secrets["environment"], space=scoped_secrets["other_space"]
    )
    assert values(applying) == {"OTHER": "env-only", "TOKEN": "other space"}
    lone = SpaceFactory(environment=scoped_secrets["environment"])
    applying = selectors.secrets_applying(environment=scoped_secrets["environment"], space=lone)
    assert values(applying) == {"OTHER": "env-only", "TOKEN": "env"}


def test_another_environments_secrets_never_apply(scoped_secrets, other_account):
    SecretFactory(environment=development(other_account), name="LEAK", value="theirs")
    fresh = EnvironmentFactory(account=scoped_secrets["environment"].account)
    assert list(selectors.secrets_applying(environment=fresh)) == []
    applying = selectors.secrets_applying(environment=scoped_secrets["environment"])
    assert "LEAK" not in values(applying) and "prod" not in values(applying).values()


@pytest.mark.parametrize("extra", [0, 12])
def test_secrets_applying_is_one_query(scoped_secrets, extra, django_assert_num_queries):
    environment, space = scoped_secrets["environment"], scoped_secrets["space"]
    for number in range(extra):
        SecretFactory(environment=environment, name=f"ENV_{number}")
        SecretFactory(space=space, name=f"ENV_{number}" if number % 2 else f"SPACE_{number}")
        SecretFactory(space=SpaceFactory(environment=environment), name=f"ENV_{number}")
    with django_assert_num_queries(1):
        shown = serializers.SecretOutput(
            selectors.secrets_applying(environment=environment, space=space), many=True
        ).data
    # ALPHA, OTHER, TOKEN, then per number one ENV_ and (even numbers) one SPACE_.
    assert len(shown) == 3 + extra + (extra + 1) // 2
    names = [secret["name"] for secret in shown]
    assert len(names) == len(set(names))


# Personal access tokens ----------------------------------------------------------------------


def test_personal_access_tokens_are_the_users_own_newest_first(account, admin_user):
    older, _ = personal_access_token_create(user=admin_user, name="older")
    newer, _ = personal_access_token_create(user=admin_user, name="newer")
    personal_access_token_create(user=administrator_of(make_account(name="Globex")), name="theirs")
    assert list(selectors.personal_access_tokens_of(user=admin_user)) == [newer, older]
