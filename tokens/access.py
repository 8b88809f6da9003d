"""Who may reach which credential and secret, in one place, named as accounts.access says:
`<thing>_within(reach, id)`, through portal.access.get_or_404, so a credential of someone
else, another environment or another account is answered as an unknown id.

A reach (accounts.access.Reach: an API caller's principal, an administrator's page session)
is an account, and a key's is narrowed to its own environment."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.access import Reach
from accounts.models import Environment, User
from portal.access import get_or_404
from tokens.models import ApiKey, ClientCredential, PersonalAccessToken, Secret
from tokens.principal import Principal


def secrets_within(reach: Reach) -> QuerySet[Secret]:
    return reach.in_reached_environments(Secret.objects.filter(environment__account=reach.account))


def secret_within(reach: Reach, secret_id: str) -> Secret:
    return get_or_404(
        secrets_within(reach).select_related("environment__account", "space"), secret_id
    )


def may_read_secret_key(principal: Principal) -> bool:
    """Secret keys are shown to administrators only, and never to a read-only token: a
    secret key may write, so showing it would undo the token's narrowing."""
    return principal.is_administrator and not principal.read_only


def api_key_within(environment: Environment, key_id: str) -> ApiKey:
    """One of the environment's keys by id (the SDK names keys by id, never by value, so no
    key travels in a URL)."""
    return get_or_404(ApiKey.objects.filter(environment=environment), key_id)


def secret_key_within(environment: Environment, key_id: str) -> ApiKey:
    """One of the environment's secret keys that still works (the current one, or one rolled
    with a grace period not yet over), by id: what the API Keys page may reveal. A
    publishable key is in the page already and an expired key is no longer anyone's, so
    both are answered as unknown."""
    working = Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    return get_or_404(
        ApiKey.objects.filter(working, environment=environment, type=ApiKey.Type.SECRET), key_id
    )


def personal_access_token_within(user: User, token_id: str) -> PersonalAccessToken:
    """A user's own token; another user's token id is answered as unknown."""
    return get_or_404(
        PersonalAccessToken.objects.filter(user=user).select_related("user"), token_id
    )


def client_credential_within(user: User, credential_id: str) -> ClientCredential:
    """A user's own legacy client credentials; another user's are answered as unknown."""
    return get_or_404(ClientCredential.objects.filter(user=user), credential_id)
