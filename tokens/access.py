"""What an API caller may reach, in one place: an administrator reaches every environment of
their account; a key, only its own environment; a space token, only its space."""

from django.http import Http404

from accounts import access as accounts_access
from accounts.models import Environment, Space
from tokens.models import ApiKey, PersonalAccessToken, Secret
from tokens.principal import Principal


def environment_for_principal(principal: Principal, environment_id: str) -> Environment:
    return accounts_access.environment_within(
        principal.account, environment_id, principal.environment
    )


def space_for_principal(principal: Principal, space_id: str) -> Space:
    space = accounts_access.space_within(principal.account, space_id, principal.environment)
    if principal.space is not None and principal.space.pk != space.pk:
        raise Http404("Not found.")
    return space


def secret_within(account, secret_id: str, environment: Environment | None = None) -> Secret:
    secrets = Secret.objects.filter(environment__account=account, pk=secret_id)
    if environment is not None:
        secrets = secrets.filter(environment=environment)
    secret = secrets.select_related("environment__account", "space").first()
    if secret is None:
        raise Http404("Not found.")
    return secret


def secret_for_principal(principal: Principal, secret_id: str) -> Secret:
    return secret_within(principal.account, secret_id, principal.environment)


def may_read_secret_key(principal: Principal) -> bool:
    """Secret keys are shown to administrators only."""
    return principal.is_administrator


def api_key_in_environment(environment: Environment, key_id: str) -> ApiKey:
    """One of the environment's keys by id (the SDK names keys by id, never by value, so no
    key travels in a URL)."""
    key = ApiKey.objects.filter(environment=environment, pk=key_id).first()
    if key is None:
        raise Http404("Not found.")
    return key


def personal_access_token_of(user, token_id: str) -> PersonalAccessToken:
    """A user's own token; another user's token id is answered as unknown."""
    token = (
        PersonalAccessToken.objects.filter(user=user, pk=token_id).select_related("user").first()
    )
    if token is None:
        raise Http404("Not found.")
    return token
