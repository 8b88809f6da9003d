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
from django.db.models.functions import Now

from accounts.models import Account, Environment, Membership, Space, User
from tokens import access_tokens, credentials
from tokens.lookups import JoinedLookup, cache_relation, model_instance
from tokens.models import ApiKey, ClientCredential, PersonalAccessToken
from tokens.principal import Principal

logger = logging.getLogger(__name__)

LAST_USED_RESOLUTION = timedelta(minutes=1)
# User.credentials_version is a PositiveIntegerField: 32 bits on every database.
MAX_CREDENTIALS_VERSION = 2**31 - 1

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


def _unexpired(alias: str) -> str:
    """SQL: credential `alias` has no expiry, or has not reached it."""
    expires_at = "{" + alias + ".expires_at}"
    return f"({expires_at} IS NULL OR {expires_at} > {{now}})"


def _use_to_record(alias: str) -> str:
    """SQL: credential `alias`'s use is to be recorded (at most once a minute)."""
    last_used_at = "{" + alias + ".last_used_at}"
    a_while_ago = f"{{now-{int(LAST_USED_RESOLUTION.total_seconds())}s}}"
    return f"{last_used_at} IS NULL OR {last_used_at} < {a_while_ago}"


# The lookups: one indexed query each, compiled once (see tokens.lookups for why). They
# read only the ids that link the caller's objects, each once, and what verification
# decides on; times are compared in SQL, by the database's clock, since reading a datetime
# costs more than the query. An object's other fields load together, in one query, when a
# request first uses one (portal.deferred).
PAT_LOOKUP = JoinedLookup(
    {"t": PersonalAccessToken, "u": User, "m": Membership},
    columns=("t.id", "t.user", _use_to_record("t"), "m.id", "m.account"),
    joins="JOIN {u} ON {u.id} = {t.user} JOIN {m} ON {m.user} = {u.id}",
    where="{t.digest} = %s AND {u.is_active} AND " + _unexpired("t"),
)
API_KEY_LOOKUP = JoinedLookup(
    {"k": ApiKey, "e": Environment},
    columns=("k.id", "k.environment", "k.operations", _use_to_record("k"), "e.account"),
    joins="JOIN {e} ON {e.id} = {k.environment}",
    where="{k.digest} = %s AND {k.type} = %s AND " + _unexpired("k"),
)
# The user's id is the access token's subject; the token was issued under the user's current
# password (credentials_version), so a password change or reset refuses it at once.
USER_LOOKUP = JoinedLookup(
    {"u": User, "m": Membership},
    columns=("m.id", "m.account"),
    joins="JOIN {m} ON {m.user} = {u.id}",
    where="{u.id} = %s AND {u.is_active} AND {u.credentials_version} = %s",
)
# For an access token made from client credentials: the credential must still exist.
CLIENT_USER_LOOKUP = JoinedLookup(
    {**USER_LOOKUP.tables, "c": ClientCredential},
    columns=USER_LOOKUP.columns,
    joins=USER_LOOKUP.joins + " JOIN {c} ON {c.user} = {u.id}",
    where=USER_LOOKUP.where + " AND {c.id} = %s",
)
# Valid while its space exists and the publishable key that made it is still accepted.
SPACE_LOOKUP = JoinedLookup(
    {"k": ApiKey, "s": Space, "e": Environment},
    columns=("s.environment", "e.account"),
    joins="JOIN {s} ON {s.environment} = {k.environment} JOIN {e} ON {e.id} = {s.environment}",
    where="{k.id} = %s AND {s.id} = %s AND " + _unexpired("k"),
)


def _verify_personal_access_token(raw: str) -> Principal | None:
    row = PAT_LOOKUP.fetch([credentials.digest(raw)])
    if row is None:
        return None
    token_id, user_id, use_to_record, membership_id, account_id = row
    if use_to_record:
        record_use(PersonalAccessToken, token_id)
    return Principal(
        kind=Principal.USER,
        id=user_id,
        account_id=account_id,
        build=partial(_objects_of_token, *row),
    )


def _verify_api_key(raw: str, prefix: str) -> Principal | None:
    key_type = ApiKey.Type.SECRET if prefix == credentials.SECRET_KEY else ApiKey.Type.PUBLISHABLE
    row = API_KEY_LOOKUP.fetch([credentials.digest(raw), key_type])
    if row is None:
        return None
    key_id, environment_id, operations, use_to_record, account_id = row
    if use_to_record:
        record_use(ApiKey, key_id)
    account = model_instance(Account, {"id": account_id})
    environment = model_instance(Environment, {"id": environment_id, "account_id": account_id})
    cache_relation(environment, "account", account)
    build = partial(_objects_of_key, environment, *row)
    if key_type == ApiKey.Type.SECRET:
        return Principal(
            kind=Principal.SECRET_KEY,
            id=key_id,
            account_id=account_id,
            account=account,
            environment=environment,
            build=build,
        )
    return Principal(
        kind=Principal.PUBLISHABLE_KEY,
        id=key_id,
        account_id=account_id,
        account=account,
        environment=environment,
        operations=tuple(
            (operation["method"].upper(), operation["path"].rstrip("/")) for operation in operations
        ),
        build=build,
    )


def _objects_of_token(token_id, user_id, use_to_record, membership_id, account_id) -> dict:
    """A PAT principal's user, account and token (from PAT_LOOKUP's row), linked as
    select_related would link them."""
    user = _user_with_account(user_id, membership_id, account_id)
    token = model_instance(PersonalAccessToken, {"id": token_id, "user_id": user_id})
    cache_relation(token, "user", user)
    return {"user": user, "account": user.membership.account, "credential": token}


def _objects_of_key(
    environment, key_id, environment_id, operations, use_to_record, account_id
) -> dict:
    """An API key principal's credential (from API_KEY_LOOKUP's row), linked to its
    environment."""
    key = model_instance(
        ApiKey, {"id": key_id, "environment_id": environment_id, "operations": operations}
    )
    cache_relation(key, "environment", environment)
    return {"credential": key}


def _user_with_account(user_id: str, membership_id: int, account_id: str) -> User:
    """The user with their membership and account attached, as select_related would."""
    user = model_instance(User, {"id": user_id})
    membership = model_instance(
        Membership, {"id": membership_id, "user_id": user_id, "account_id": account_id}
    )
    cache_relation(membership, "account", model_instance(Account, {"id": account_id}))
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
    # The subject's state is read again on every request: a deleted or deactivated user, a
    # password set since the token was issued, or a deleted client credential refuses its
    # outstanding access tokens at once.
    user_id, client_id = claims["sub"], claims.get("cli")
    version = claims.get(access_tokens.CREDENTIALS_VERSION)
    # Required, and a whole number the column can hold (not a bool, not a number the
    # database driver cannot bind).
    if type(version) is not int or not 0 <= version <= MAX_CREDENTIALS_VERSION:
        return None
    if client_id is None:
        row = USER_LOOKUP.fetch([user_id, version])
    elif isinstance(client_id, str):
        row = CLIENT_USER_LOOKUP.fetch([user_id, version, client_id])
    else:
        row = None
    if row is None:
        return None
    membership_id, account_id = row

    def build() -> dict:
        user = _user_with_account(user_id, membership_id, account_id)
        return {"user": user, "account": user.membership.account}

    return Principal(kind=Principal.USER, id=user_id, account_id=account_id, build=build)


def _resolve_space_access_token(claims: dict) -> Principal | None:
    key_id = claims.get("key")
    if not isinstance(key_id, str):
        return None
    space_id = claims["sub"]
    row = SPACE_LOOKUP.fetch([key_id, space_id])
    if row is None:
        return None
    environment_id, account_id = row
    account = model_instance(Account, {"id": account_id})
    environment = model_instance(Environment, {"id": environment_id, "account_id": account_id})
    space = model_instance(Space, {"id": space_id, "environment_id": environment_id})
    cache_relation(environment, "account", account)
    cache_relation(space, "environment", environment)
    return Principal(
        kind=Principal.SPACE,
        id=key_id,
        account_id=account_id,
        account=account,
        environment=environment,
        space=space,
    )


def record_use(model, pk) -> None:
    """Record a credential's use, by the database's clock as the lookups read it. The
    UPDATE is conditional (another process may have just done it), skips a row another
    transaction holds rather than waiting, and never fails the request."""
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=Now() - LAST_USED_RESOLUTION)
    try:
        with transaction.atomic():
            unlocked = model.objects.filter(stale, pk=pk).select_for_update(skip_locked=True)
            model.objects.filter(pk__in=unlocked.values("pk")).update(last_used_at=Now())
    except DatabaseError:
        logger.warning("Could not record last use of %s %s", model.__name__, pk, exc_info=True)
