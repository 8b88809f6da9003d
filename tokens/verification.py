"""Verifying a bearer credential: tell its kind by its form, reject a malformed one or a bad
checksum before any query, then resolve it with exactly one indexed query. No password
hashing here: every credential is high-entropy, so a SHA-256 digest lookup is enough.

Nothing is cached between requests, so a deleted token, key or user, or a deactivated user,
is refused on the very next request on every process."""

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account, Environment, Membership, Space, User
from tokens import access_tokens, credentials
from tokens.lookups import JoinedLookup, Table, cache_relation
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


# The lookups: one indexed query each, compiled once (see tokens.lookups for why).
# They read only what verification decides on and the ids that link the caller's objects:
# every column read costs time on every request. An object's other fields load together,
# in one query, when a request first uses one (portal.deferred).
TOKEN_COLUMNS = ("id", "user", "last_used_at", "expires_at")
USER_COLUMNS = ("id",)
MEMBERSHIP_COLUMNS = ("id", "user", "account")
ACCOUNT_COLUMNS = ("id",)
ENVIRONMENT_COLUMNS = ("id", "account")
PAT_LOOKUP = JoinedLookup(
    [
        Table(PersonalAccessToken, "t", TOKEN_COLUMNS),
        Table(User, "u", USER_COLUMNS),
        Table(Membership, "m", MEMBERSHIP_COLUMNS),
        Table(Account, "a", ACCOUNT_COLUMNS),
    ],
    joins="JOIN {u} ON {u.id} = {t.user} JOIN {m} ON {m.user} = {u.id} "
    "JOIN {a} ON {a.id} = {m.account}",
    where="{t.digest} = %s AND {u.is_active} = %s",
)
API_KEY_LOOKUP = JoinedLookup(
    [
        Table(ApiKey, "k", ("id", "environment", "operations", "last_used_at", "expires_at")),
        Table(Environment, "e", ENVIRONMENT_COLUMNS),
        Table(Account, "a", ACCOUNT_COLUMNS),
    ],
    joins="JOIN {e} ON {e.id} = {k.environment} JOIN {a} ON {a.id} = {e.account}",
    where="{k.digest} = %s AND {k.type} = %s",
)
USER_LOOKUP = JoinedLookup(
    [
        Table(User, "u", USER_COLUMNS),
        Table(Membership, "m", MEMBERSHIP_COLUMNS),
        Table(Account, "a", ACCOUNT_COLUMNS),
    ],
    joins="JOIN {m} ON {m.user} = {u.id} JOIN {a} ON {a.id} = {m.account}",
    where="{u.id} = %s AND {u.is_active} = %s",
)
# For an access token made from client credentials: the credential must still exist.
CLIENT_USER_LOOKUP = JoinedLookup(
    USER_LOOKUP.tables,
    joins=USER_LOOKUP.joins + " JOIN {c} ON {c.user} = {u.id}",
    where=USER_LOOKUP.where + " AND {c.id} = %s",
    also=(Table(ClientCredential, "c"),),
)
# Valid while its space exists and the publishable key that made it is still accepted.
SPACE_LOOKUP = JoinedLookup(
    [
        Table(ApiKey, "k", ("id", "expires_at")),
        Table(Space, "s", ("id", "environment")),
        Table(Environment, "e", ENVIRONMENT_COLUMNS),
        Table(Account, "a", ACCOUNT_COLUMNS),
    ],
    joins="JOIN {s} ON {s.environment} = {k.environment} JOIN {e} ON {e.id} = {s.environment} "
    "JOIN {a} ON {a.id} = {e.account}",
    where="{k.id} = %s AND {s.id} = %s",
)


def _expired(row, now) -> bool:
    # The credential is the first table of every lookup. Checked here rather than in SQL:
    # one fewer parameter to bind on every request.
    expires_at = row.value(0, "expires_at")
    return expires_at is not None and expires_at <= now


def _verify_personal_access_token(raw: str) -> Principal | None:
    row = PAT_LOOKUP.fetch([credentials.digest(raw), True])
    now = timezone.now()
    if row is None or _expired(row, now):
        return None
    touch_last_used(PersonalAccessToken, row.value(0, "id"), row.value(0, "last_used_at"), now)
    return Principal(
        kind=Principal.USER,
        id=row.value(1, "id"),
        account_id=row.value(2, "account_id"),
        build=partial(_build_for_token, row),
    )


def _verify_api_key(raw: str, prefix: str) -> Principal | None:
    key_type = ApiKey.Type.SECRET if prefix == credentials.SECRET_KEY else ApiKey.Type.PUBLISHABLE
    row = API_KEY_LOOKUP.fetch([credentials.digest(raw), key_type])
    now = timezone.now()
    if row is None or _expired(row, now):
        return None
    key_id = row.value(0, "id")
    touch_last_used(ApiKey, key_id, row.value(0, "last_used_at"), now)
    environment, account = row[1], row[2]
    cache_relation(environment, "account", account)
    build = partial(_build_for_key, row, environment)
    if key_type == ApiKey.Type.SECRET:
        return Principal(
            kind=Principal.SECRET_KEY,
            id=key_id,
            account_id=account.id,
            account=account,
            environment=environment,
            build=build,
        )
    operations = tuple(
        (operation["method"].upper(), operation["path"].rstrip("/"))
        for operation in row.value(0, "operations")
    )
    return Principal(
        kind=Principal.PUBLISHABLE_KEY,
        id=key_id,
        account_id=account.id,
        account=account,
        environment=environment,
        operations=operations,
        build=build,
    )


def _build_for_token(row, name: str):
    """A PAT principal's objects, from the row (token, user, membership, account)."""
    if name == "account":
        return row[3]
    if name == "user":
        return _user_of(row, 1)
    token = row[0]  # the credential
    cache_relation(token, "user", _user_of(row, 1))
    return token


def _build_for_user(row, name: str):
    """An access token's principal's objects, from the row (user, membership, account)."""
    if name == "account":
        return row[2]
    if name == "user":
        return _user_of(row, 0)
    return None  # an access token is not a stored credential


def _build_for_key(row, environment, name: str):
    """An API key principal's credential, from the row (key, environment, account)."""
    if name != "credential":
        return None
    key = row[0]
    cache_relation(key, "environment", environment)
    return key


def _user_of(row, user_table: int):
    """The row's user with membership and account attached, as select_related would."""
    user, membership, account = row[user_table], row[user_table + 1], row[user_table + 2]
    cache_relation(membership, "account", account)
    cache_relation(membership, "user", user)
    cache_relation(user, "membership", membership)
    return user


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
    client_id = claims.get("cli")
    if client_id is None:
        row = USER_LOOKUP.fetch([claims["sub"], True])
    elif isinstance(client_id, str):
        row = CLIENT_USER_LOOKUP.fetch([claims["sub"], True, client_id])
    else:
        row = None
    if row is None:
        return None
    return Principal(
        kind=Principal.USER,
        id=row.value(0, "id"),
        account_id=row.value(1, "account_id"),
        build=partial(_build_for_user, row),
    )


def _resolve_space_access_token(claims: dict) -> Principal | None:
    key_id = claims.get("key")
    if not isinstance(key_id, str):
        return None
    row = SPACE_LOOKUP.fetch([key_id, claims["sub"]])
    if row is None or _expired(row, timezone.now()):
        return None
    space, environment, account = row[1], row[2], row[3]
    cache_relation(environment, "account", account)
    cache_relation(space, "environment", environment)
    return Principal(
        kind=Principal.SPACE,
        id=key_id,
        account_id=account.id,
        account=account,
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
