"""Reads about credentials and secrets that a page and an endpoint both make, written once
(HackSoft's selectors): the API Keys page and `GET /v1/auth/api-keys` show the same keys,
and `GET /v1/secrets` answers what a listener in a space would be given. Who may call
them is decided before, in tokens.access; these only read."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.event_log import ActorLabel
from accounts.models import Account, Environment, Space, User
from tokens.models import ApiKey, PersonalAccessToken, Secret


def api_keys_live(*, environment: Environment) -> QuerySet[ApiKey]:
    """The environment's keys that still work: its current ones and those rolled with a
    grace period that has not ended (their `expires_at` is set). One query, however many
    keys; each comes with its environment, which the API's output reads (`accountId`)."""
    return (
        ApiKey.objects.filter(environment=environment)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .select_related("environment")
        # Ordered, so a page of them is stable: by type, newest first (the model's order).
        .order_by("type", "-created_at", "id")
    )


def personal_access_tokens_of(*, user: User) -> QuerySet[PersonalAccessToken]:
    """The user's own personal access tokens, never another's, newest first (the model's
    order): what the Personal access tokens page and `GET /v1/auth/personal-access-tokens`
    list. Each with who revoked it, and its environments (scope_label) prefetched: one
    query, and one more for a page's environments, however many tokens it holds."""
    return (
        PersonalAccessToken.objects.filter(user=user)
        .select_related("revoked_by")
        .prefetch_related("environments")
    )


def secrets_applying(*, environment: Environment, space: Space | None = None) -> QuerySet[Secret]:
    """The secrets that apply in the environment or, given a space, in that space: the
    environment's own, where the space's secret of the same name replaces them. One query
    (the override is a subquery), by name."""
    if space is None:
        scope = Q(space__isnull=True)
    else:
        overriding = Secret.objects.filter(environment=environment, space=space).values("name")
        scope = Q(space=space) | (Q(space__isnull=True) & ~Q(name__in=overriding))
    return Secret.objects.filter(scope, environment=environment).order_by("name", "id")


def api_key_actor_labels(account: Account, key_ids: set[str]) -> dict[str, ActorLabel]:
    """How the log names API keys that made changes (settings.ACTOR_LABELLERS): by kind and
    last four characters ("Secret key …abcd"), in one query."""
    keys = ApiKey.objects.filter(pk__in=key_ids, environment__account=account)
    return {key.id: ActorLabel(str(key)) for key in keys.only("id", "type", "last_four")}
