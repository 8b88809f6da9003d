"""Verifying a bearer credential: tell its kind by its form, reject a malformed one or a bad
checksum before any query, then resolve it with exactly one indexed query. No password
hashing here: every credential is high-entropy, so a SHA-256 digest lookup is enough.

Nothing is cached between requests, so a deleted token, key or user, or a deactivated user,
is refused on the very next request on every process."""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Space, User
from tokens import access_tokens, credentials
from tokens.models import ApiKey, ClientCredential, PersonalAccessToken
from tokens.principal import Principal

logger = logging.getLogger(__name__)

LAST_USED_RESOLUTION = timedelta(minutes=1)

# Resolvers for access-token kinds owned by apps built on top of tokens (the guests app
# registers GUEST): claims -> Principal or None, in one query.
access_token_resolvers: dict[str, Callable[[dict], Principal | None]] = {}


def verify(raw: str) -> Principal | None:
    """The principal behind a bearer credential, or None if it is not valid now."""
    prefix = credentials.parse(raw)
    if prefix == credentials.PERSONAL_ACCESS_TOKEN:
        return _verify_personal_access_token(raw)
    if prefix in (credentials.SECRET_KEY, credentials.PUBLISHABLE_KEY):
        return _verify_api_key(raw, prefix)
    if prefix is None and raw.count(".") == 2:
        return _verify_access_token(raw)
    return None  # a malformed value, a bad checksum, or a client secret (not a bearer token)


def _unexpired(now) -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now)


def _verify_personal_access_token(raw: str) -> Principal | None:
    now = timezone.now()
    token = (
        PersonalAccessToken.objects.select_related("user__membership__account")
        .filter(_unexpired(now), digest=credentials.digest(raw), user__is_active=True)
        .exclude(user__membership=None)
        .first()
    )
    if token is None:
        return None
    touch_last_used(PersonalAccessToken, token.pk, token.last_used_at, now)
    user = token.user
    return Principal(
        kind=Principal.USER,
        id=user.id,
        account=user.membership.account,
        user=user,
        credential=token,
    )


def _verify_api_key(raw: str, prefix: str) -> Principal | None:
    now = timezone.now()
    key_type = ApiKey.Type.SECRET if prefix == credentials.SECRET_KEY else ApiKey.Type.PUBLISHABLE
    key = (
        ApiKey.objects.select_related("environment__account")
        .filter(_unexpired(now), digest=credentials.digest(raw), type=key_type)
        .first()
    )
    if key is None:
        return None
    touch_last_used(ApiKey, key.pk, key.last_used_at, now)
    environment = key.environment
    if key_type == ApiKey.Type.SECRET:
        return Principal(
            kind=Principal.SECRET_KEY,
            id=key.id,
            account=environment.account,
            environment=environment,
            credential=key,
        )
    operations = tuple(
        (operation["method"].upper(), operation["path"].rstrip("/")) for operation in key.operations
    )
    return Principal(
        kind=Principal.PUBLISHABLE_KEY,
        id=key.id,
        account=environment.account,
        environment=environment,
        credential=key,
        operations=operations,
    )


def _verify_access_token(raw: str) -> Principal | None:
    claims = access_tokens.decode(raw)
    if claims is None:
        return None
    kind = claims["kind"]
    if kind == access_tokens.USER:
        return _resolve_user_access_token(claims)
    if kind == access_tokens.SPACE:
        return _resolve_space_access_token(claims)
    resolver = access_token_resolvers.get(kind)
    return resolver(claims) if resolver else None


def _resolve_user_access_token(claims: dict) -> Principal | None:
    # The subject's state is read again on every request: a deleted or deactivated user, or
    # a deleted client credential, refuses its outstanding access tokens at once.
    users = (
        User.objects.select_related("membership__account")
        .filter(pk=claims["sub"], is_active=True)
        .exclude(membership=None)
    )
    client_id = claims.get("cli")
    if client_id is not None:
        users = users.filter(
            Exists(ClientCredential.objects.filter(pk=client_id, user=OuterRef("pk")))
        )
    user = users.first()
    if user is None:
        return None
    return Principal(kind=Principal.USER, id=user.id, account=user.membership.account, user=user)


def _resolve_space_access_token(claims: dict) -> Principal | None:
    # Valid while its space exists and the publishable key that made it is still accepted.
    now = timezone.now()
    live_key = ApiKey.objects.filter(
        _unexpired(now), pk=claims.get("key"), environment=OuterRef("environment")
    )
    space = (
        Space.objects.select_related("environment__account")
        .filter(Exists(live_key), pk=claims["sub"])
        .first()
    )
    if space is None:
        return None
    environment = space.environment
    return Principal(
        kind=Principal.SPACE,
        id=claims["key"],
        account=environment.account,
        environment=environment,
        space=space,
    )


def touch_last_used(model, pk, last_used_at, now) -> None:
    """Record use at most once a minute per credential. The UPDATE is conditional (another
    process may have just done it), skips a row another transaction holds rather than
    waiting, and never fails the request."""
    if last_used_at is not None and now - last_used_at < LAST_USED_RESOLUTION:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    try:
        with transaction.atomic():
            unlocked = model.objects.filter(stale, pk=pk).select_for_update(skip_locked=True)
            model.objects.filter(pk__in=unlocked.values("pk")).update(last_used_at=now)
    except DatabaseError:
        logger.warning("Could not record last use of %s %s", model.__name__, pk, exc_info=True)
