"""tokens.access, and each kind of caller's reach, its principal, as the API views fetch
through it (accounts.access says how): an administrator reaches every environment of their
account; a key only its own environment; a space token only its space; a token or secret of
someone else, another environment or another account is indistinguishable from an unknown
id (404)."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from accounts import access as accounts_access
from accounts.access import Reach
from tests.factories import (
    AdministratorFactory,
    ApiKeyFactory,
    ClientCredentialFactory,
    PersonalAccessTokenFactory,
    SecretFactory,
    SpaceFactory,
    administrator_of,
    development,
    production,
)
from tokens import access
from tokens.models import ApiKey
from tokens.principal import Principal


def administrator(account) -> Principal:
    user = administrator_of(account)
    return Principal(kind=Principal.USER, id=user.id, account_id=account.id, account=account)


def secret_key(environment) -> Principal:
    key = ApiKey.objects.get(environment=environment, type=ApiKey.Type.SECRET)
    return Principal(
        kind=Principal.SECRET_KEY,
        id=key.id,
        account_id=environment.account_id,
        account=environment.account,
        environment=environment,
    )


def space_token(space) -> Principal:
    environment = space.environment
    return Principal(
        kind=Principal.SPACE,
        id=space.id,
        account_id=environment.account_id,
        account=environment.account,
        environment=environment,
        space=space,
    )


def test_an_administrator_reaches_every_environment_of_their_account(account, other_account):
    caller = administrator(account)
    for environment in account.environments.all():
        assert accounts_access.environment_within(caller, environment.id) == environment
    with pytest.raises(Http404):
        accounts_access.environment_within(caller, development(other_account).id)


def test_a_key_reaches_only_its_own_environment(account):
    dev, prod = development(account), production(account)
    caller = secret_key(dev)
    assert accounts_access.environment_within(caller, dev.id) == dev
    with pytest.raises(Http404):
        accounts_access.environment_within(caller, prod.id)
    dev_space, prod_space = SpaceFactory(environment=dev), SpaceFactory(environment=prod)
    assert accounts_access.space_within(caller, dev_space.id) == dev_space
    with pytest.raises(Http404):
        accounts_access.space_within(caller, prod_space.id)


def test_a_space_token_reaches_only_its_space(account):
    environment = development(account)
    space, neighbour = SpaceFactory(environment=environment), SpaceFactory(environment=environment)
    caller = space_token(space)
    assert accounts_access.space_within(caller, space.id) == space
    with pytest.raises(Http404):
        accounts_access.space_within(caller, neighbour.id)


@pytest.mark.parametrize("space_id", ["", "us_sp_doesnotexist", "1", "' OR 1=1 --"])
def test_unknown_spaces_are_not_found(account, space_id):
    caller = administrator(account)
    with pytest.raises(Http404):
        accounts_access.space_within(caller, space_id)


def test_secrets_are_reached_within_the_account_and_the_callers_environment(account, other_account):
    dev, prod = development(account), production(account)
    in_dev = SecretFactory(environment=dev)
    in_prod_space = SecretFactory(space=SpaceFactory(environment=prod))
    theirs = SecretFactory(environment=development(other_account))
    admin, key = administrator(account), secret_key(dev)

    assert access.secret_within(Reach(account=account), in_dev.id) == in_dev
    assert access.secret_within(Reach(account=account), in_prod_space.id) == in_prod_space
    assert access.secret_within(admin, in_prod_space.id) == in_prod_space
    assert access.secret_within(key, in_dev.id) == in_dev
    for reach, secret_id in [
        (lambda secret_id: access.secret_within(Reach(account=account), secret_id), theirs.id),
        (
            lambda secret_id: access.secret_within(
                Reach(account=account, environment=dev), secret_id
            ),
            in_prod_space.id,
        ),
        (
            lambda secret_id: access.secret_within(key, secret_id),
            theirs.id,
        ),
        (
            lambda secret_id: access.secret_within(key, secret_id),
            in_prod_space.id,
        ),
        (
            lambda secret_id: access.secret_within(Reach(account=account), secret_id),
            "us_sec_doesnotexist",
        ),
    ]:
        with pytest.raises(Http404):
            reach(secret_id)


def test_a_secret_comes_with_its_environment_account_and_space(account, django_assert_num_queries):
    secret = SecretFactory(space=SpaceFactory(environment=development(account)))
    with django_assert_num_queries(1):
        found = access.secret_within(Reach(account=account), secret.id)
        assert (found.environment.account, found.space) == (account, secret.space)


def test_api_keys_are_found_by_id_within_their_environment(account, other_account):
    dev, prod = development(account), production(account)
    key = ApiKeyFactory(environment=dev)
    assert access.api_key_within(dev, key.id) == key
    for environment, key_id in [
        (prod, key.id),
        (development(other_account), key.id),
        (dev, "us_key_doesnotexist"),
        (dev, key.raw),  # by id only: a value is never a way in
    ]:
        with pytest.raises(Http404):
            access.api_key_within(environment, key_id)


def test_a_working_secret_key_is_found_by_id_within_its_environment(account, other_account):
    dev = development(account)
    rolled = ApiKey.objects.get(environment=dev, type=ApiKey.Type.SECRET)
    current = ApiKeyFactory(environment=dev, keep_old_for=timedelta(hours=1))
    # A rolled key works, and is found, until its grace period ends.
    assert access.secret_key_within(dev, current.id) == current
    assert access.secret_key_within(dev, rolled.id) == rolled
    ApiKey.objects.filter(pk=rolled.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for environment, key_id in [
        (dev, rolled.id),  # expired
        (dev, ApiKey.objects.get(environment=dev, type=ApiKey.Type.PUBLISHABLE).id),
        (production(account), current.id),
        (development(other_account), current.id),
        (dev, ApiKey.objects.get(environment=development(other_account), type="SECRET").id),
        (dev, "us_key_doesnotexist"),
    ]:
        with pytest.raises(Http404):
            access.secret_key_within(environment, key_id)


def test_client_credentials_are_their_users_alone(account, admin_user, other_account):
    mine = ClientCredentialFactory(user=admin_user)
    colleague = AdministratorFactory(account=account)
    assert access.client_credential_within(admin_user, mine.id) == mine
    for user, credential_id in [
        (colleague, mine.id),  # same account, another user
        (administrator_of(other_account), mine.id),
        (admin_user, ClientCredentialFactory(user=colleague).id),
        (admin_user, "us_cli_doesnotexist"),
    ]:
        with pytest.raises(Http404):
            access.client_credential_within(user, credential_id)


def test_only_administrators_may_read_secret_keys(account):
    environment = development(account)
    assert access.may_read_secret_key(administrator(account))
    assert not access.may_read_secret_key(secret_key(environment))
    assert not access.may_read_secret_key(space_token(SpaceFactory(environment=environment)))


def test_a_personal_access_token_is_its_users_alone(account, admin_user, other_account):
    mine = PersonalAccessTokenFactory(user=admin_user)
    colleague = AdministratorFactory(account=account)
    assert access.personal_access_token_within(admin_user, mine.id) == mine
    for user, token_id in [
        (colleague, mine.id),  # same account, another user
        (administrator_of(other_account), mine.id),
        (admin_user, PersonalAccessTokenFactory(user=colleague).id),
        (admin_user, "us_pat_doesnotexist"),
    ]:
        with pytest.raises(Http404):
            access.personal_access_token_within(user, token_id)
