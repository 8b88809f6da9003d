"""Verifying access tokens (JWT): a user's resolves in one query, one from client credentials
dies with the credential, a space's lives while its space and key do, and the guest kind is
resolved by the app named in settings.ACCESS_TOKEN_RESOLVERS."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from tests.factories import SpaceFactory, development, production
from tests.tokens.conftest import user_access_token
from tokens import access_tokens, services
from tokens.models import ApiKey, ClientCredential
from tokens.principal import Principal
from tokens.verification import verify


def test_user_access_token_resolves_in_one_query(admin_user, account, django_assert_num_queries):
    token, expires_at = user_access_token(admin_user)
    assert expires_at - timezone.now() > timedelta(hours=23, minutes=59)
    with django_assert_num_queries(1):
        principal = verify(token)
    with django_assert_num_queries(0):  # built from the verifying query's row
        assert principal.user == admin_user
        assert principal.account == account
        assert principal.user.membership.account == account
        assert principal.user.membership.account is principal.account
    assert principal.account_id == account.id
    assert principal.credential is None  # an access token is not a stored credential


def test_access_token_is_refused_once_its_user_is_gone(admin_user):
    token, _ = user_access_token(admin_user)
    admin_user.is_active = False
    admin_user.save()
    assert verify(token) is None


def test_access_token_from_client_credentials_dies_with_the_credential(
    admin_user, django_assert_num_queries
):
    credential, _ = services.client_credential_create(user=admin_user)
    token, _ = user_access_token(admin_user, {"cli": credential.id})
    with django_assert_num_queries(1):
        assert verify(token).user == admin_user
    services.client_credential_delete(credential=credential, actor=admin_user)
    assert not ClientCredential.objects.exists()
    assert verify(token) is None


def test_space_access_token_lives_while_space_and_key_do(
    account, admin_user, django_assert_num_queries
):
    environment = development(account)
    key = ApiKey.objects.get(environment=environment, type=ApiKey.Type.PUBLISHABLE)
    space = SpaceFactory(environment=environment)
    token, _ = access_tokens.issue(
        kind=access_tokens.SPACE, subject=space.id, claims={"key": key.id}
    )
    with django_assert_num_queries(1):
        principal = verify(token)
    assert principal.kind == Principal.SPACE
    assert principal.space == space
    assert principal.environment == environment
    with django_assert_num_queries(1):  # the space's other fields, all at once
        assert principal.space.name == space.name
        assert principal.space.guests_can_invite == space.guests_can_invite
    # A rolled key's space tokens live through its grace period and die with it.
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() + timedelta(minutes=5))
    assert verify(token) is not None
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert verify(token) is None
    ApiKey.objects.filter(pk=key.pk).update(expires_at=None)
    assert verify(token) is not None
    services.api_key_delete(api_key=key, actor=admin_user)
    assert verify(token) is None


def test_space_token_naming_a_key_of_another_environment_is_refused(account, admin_user):
    space = SpaceFactory(environment=development(account))
    foreign_key = ApiKey.objects.filter(environment=production(account)).first()
    token, _ = access_tokens.issue(
        kind=access_tokens.SPACE, subject=space.id, claims={"key": foreign_key.id}
    )
    assert verify(token) is None


def test_guest_kind_is_refused_until_an_app_resolves_it(admin_user, monkeypatch):
    # settings.ACCESS_TOKEN_RESOLVERS names the guests app's for GUEST; without it the kind
    # is refused.
    assert access_tokens.GUEST in settings.ACCESS_TOKEN_RESOLVERS
    monkeypatch.setattr(settings, "ACCESS_TOKEN_RESOLVERS", {})
    token, expires_at = access_tokens.issue(kind=access_tokens.GUEST, subject="us_g_someone")
    assert expires_at - timezone.now() <= timedelta(hours=1)
    assert verify(token) is None


def resolve_for_test(claims):
    """Named in settings.ACCESS_TOKEN_RESOLVERS by the test below, which sets what it does."""
    return resolve_for_test.resolve(claims)


def test_the_named_resolver_decides_its_kind(admin_user, account, monkeypatch):
    seen = []

    def resolve(claims):
        seen.append(claims["sub"])
        return Principal(
            kind=Principal.GUEST, id=claims["sub"], account_id=account.id, account=account
        )

    monkeypatch.setattr(resolve_for_test, "resolve", resolve, raising=False)
    monkeypatch.setattr(
        settings, "ACCESS_TOKEN_RESOLVERS", {access_tokens.GUEST: f"{__name__}.resolve_for_test"}
    )
    token, _ = access_tokens.issue(kind=access_tokens.GUEST, subject="us_g_someone")
    assert verify(token).kind == Principal.GUEST
    assert seen == ["us_g_someone"]
