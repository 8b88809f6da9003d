"""Verifying a bearer credential: tell its kind by its form, reject a malformed one or a bad
checksum before any query, then resolve it with exactly one indexed query. No password
hashing here: every credential is high-entropy, so a SHA-256 digest lookup is enough.

Nothing the database says is cached between requests, so a deleted token, key or user, or a
deactivated user, is refused on the very next request on every process. (An access token's
signature check, a function of the token alone, is remembered per process:
tokens.access_tokens.)

Each kind's lookup (tokens.lookups: one fixed statement, composed once per process) reads
only the ids that link the caller's objects, each once, and what verification decides on;
times are compared in SQL against the current time bound as a parameter, since reading a
datetime costs more than the query. An object's other fields load together, in one query,
when a request first uses one (portal.deferred); the principal's account, environment,
space, user and credential are built when first read (tokens.principal says why)."""

import functools
from collections.abc import Mapping
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import Account, Environment, Membership, Space, User
from portal.services import USE_RESOLUTION, record_use, used_from
from tokens import access_tokens, credentials
from tokens.lookups import JoinedLookup, cache_relation, model_instance
from tokens.models import ApiKey, ClientCredential, PersonalAccessToken
from tokens.principal import Principal

# User.credentials_version is a PositiveIntegerField: 32 bits on every database.
MAX_CREDENTIALS_VERSION = 2**31 - 1


def verify(raw: str, request=None) -> Principal | None:
    """The principal behind a bearer credential, or None if it is not valid now. `request`,
    the one it came with, says where a personal access token was used from."""
    prefix = credentials.parse(raw)
    if prefix == credentials.PERSONAL_ACCESS_TOKEN:
        return _verify_personal_access_token(raw, request)
    if prefix in (credentials.SECRET_KEY, credentials.PUBLISHABLE_KEY):
        return _verify_api_key(raw, prefix)
    if prefix is None and raw.count(".") == 2:
        return _verify_access_token(raw)
    return None  # a malformed value, a bad checksum, or a client secret (not a bearer token)


@functools.lru_cache(maxsize=1)
def _use_recorded_before(second: int):
    """A PAT's or key's use is recorded when the last one recorded is older than this:
    USE_RESOLUTION before the start of the second `second` (a Unix time), as the column
    stores it. Bound as a parameter like the current time, but made once a second rather
    than on every request: binding a datetime cost about as much as a fifth of the query,
    and a use recorded up to a second later changes nothing. It decides no refusal; the
    expiry is compared with the exact time of each request."""
    moment = datetime.fromtimestamp(second, UTC) - USE_RESOLUTION
    return connection.ops.adapt_datetimefield_value(moment)


# Personal access tokens ----------------------------------------------------------------

# A token is refused once revoked, past its expiry, or older than the account's maximum
# lifetime allows (policy_expires_at). Params: a minute ago (is the use to be recorded?),
# the digest; and by name, now.
PAT_LOOKUP = JoinedLookup(
    {"t": PersonalAccessToken, "u": User, "m": Membership},
    columns=(
        "t.id",
        "t.user",
        "{t.last_used_at} IS NULL OR {t.last_used_at} < %s",
        "t.read_only",
        "t.all_environments",
        "m.id",
        "m.account",
    ),
    joins="JOIN {u} ON {u.id} = {t.user} JOIN {m} ON {m.user} = {u.id}",
    where="{t.digest} = %s AND {u.is_active} AND {t.revoked_at} IS NULL"
    " AND ({t.expires_at} IS NULL OR {t.expires_at} > %(now)s)"
    " AND ({t.policy_expires_at} IS NULL OR {t.policy_expires_at} > %(now)s)",
)


def _verify_personal_access_token(raw: str, request) -> Principal | None:
    now = timezone.now()
    row = PAT_LOOKUP.fetch(
        [_use_recorded_before(int(now.timestamp())), credentials.digest(raw)], now=now
    )
    if row is None:
        return None
    token_id, user_id, use_to_record, read_only, all_environments, membership_id, account_id = row
    if use_to_record:
        record_use(
            model=PersonalAccessToken,
            pk=token_id,
            field="last_used_at",
            now=now,
            where_from=used_from(request) if request is not None else None,
        )

    # Built when first read, from the principal's own objects: one object each.
    def user() -> User:
        return _user_with_account(user_id, membership_id, principal.account)

    def token() -> PersonalAccessToken:
        token = model_instance(PersonalAccessToken, {"id": token_id})
        cache_relation(token, "user", principal.user)
        return token

    principal = Principal(
        kind=Principal.USER,
        id=user_id,
        account_id=account_id,
        user=user,
        credential=token,
        read_only=read_only,
        scoped_token_id=None if all_environments else token_id,
    )
    return principal


def _user_with_account(user_id: str, membership_id: int, account: Account) -> User:
    """The user with their membership and account attached, as select_related would."""
    user = model_instance(User, {"id": user_id})
    membership = model_instance(Membership, {"id": membership_id})
    cache_relation(membership, "account", account)
    cache_relation(user, "membership", membership)
    return user


def environment_in(environment_id: str, account: Account) -> Environment:
    """The environment with its account attached."""
    environment = model_instance(Environment, {"id": environment_id})
    cache_relation(environment, "account", account)
    return environment


def space_in(space_id: str, environment: Environment) -> Space:
    """The space with its environment attached."""
    space = model_instance(Space, {"id": space_id})
    cache_relation(space, "environment", environment)
    return space


# Secret and publishable keys -----------------------------------------------------------

# Params: a minute ago (is the use to be recorded?), the digest, the key's type, now.
API_KEY_LOOKUP = JoinedLookup(
    {"k": ApiKey, "e": Environment},
    columns=(
        "k.id",
        "k.environment",
        "k.operations",
        "{k.last_used_at} IS NULL OR {k.last_used_at} < %s",
        "e.account",
    ),
    joins="JOIN {e} ON {e.id} = {k.environment}",
    where="{k.digest} = %s AND {k.type} = %s AND ({k.expires_at} IS NULL OR {k.expires_at} > %s)",
)


def _verify_api_key(raw: str, prefix: str) -> Principal | None:
    key_type = ApiKey.Type.SECRET if prefix == credentials.SECRET_KEY else ApiKey.Type.PUBLISHABLE
    now = timezone.now()
    row = API_KEY_LOOKUP.fetch(
        [_use_recorded_before(int(now.timestamp())), credentials.digest(raw), key_type, now]
    )
    if row is None:
        return None
    key_id, environment_id, operations, use_to_record, account_id = row
    if use_to_record:
        record_use(model=ApiKey, pk=key_id, field="last_used_at", now=now)

    def environment() -> Environment:
        return environment_in(environment_id, principal.account)

    def key() -> ApiKey:
        key = model_instance(ApiKey, {"id": key_id, "operations": operations})
        cache_relation(key, "environment", principal.environment)
        return key

    is_secret = key_type == ApiKey.Type.SECRET
    principal = Principal(
        kind=Principal.SECRET_KEY if is_secret else Principal.PUBLISHABLE_KEY,
        id=key_id,
        account_id=account_id,
        credential=key,
        environment=environment,
        operations=()
        if is_secret
        else tuple((op["method"].upper(), op["path"].rstrip("/")) for op in operations),
    )
    return principal


# Access tokens (JWT) -------------------------------------------------------------------


def _verify_access_token(raw: str) -> Principal | None:
    claims = access_tokens.decode(raw)
    if claims is None:
        return None
    kind = claims["kind"]
    if kind == access_tokens.USER:
        return _resolve_user_access_token(claims)
    if kind == access_tokens.SPACE:
        return _resolve_space_access_token(claims)
    # A kind owned by an app built on top of tokens (guests: GUEST) is resolved by the
    # function settings.ACCESS_TOKEN_RESOLVERS names for it: claims -> Principal or None,
    # in one query. A kind none is named for is refused.
    resolver = settings.ACCESS_TOKEN_RESOLVERS.get(kind)
    return _imported(resolver)(claims) if resolver else None


# A dotted path names the same function for the life of the process: imported once per path.
_imported = functools.cache(import_string)


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
    where=USER_LOOKUP.where + " AND {c.id} = %s AND {c.revoked_at} IS NULL",
)


def _resolve_user_access_token(claims: Mapping) -> Principal | None:
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

    def user() -> User:
        return _user_with_account(user_id, membership_id, principal.account)

    principal = Principal(kind=Principal.USER, id=user_id, account_id=account_id, user=user)
    return principal


# Valid while its space exists and the publishable key that made it is still accepted.
# Params: the key's id, the space's id, now.
SPACE_LOOKUP = JoinedLookup(
    {"k": ApiKey, "s": Space, "e": Environment},
    columns=("s.environment", "e.account"),
    joins="JOIN {s} ON {s.environment} = {k.environment} JOIN {e} ON {e.id} = {s.environment}",
    where="{k.id} = %s AND {s.id} = %s AND ({k.expires_at} IS NULL OR {k.expires_at} > %s)",
)


def _resolve_space_access_token(claims: Mapping) -> Principal | None:
    key_id = claims.get("key")
    if not isinstance(key_id, str):
        return None
    space_id = claims["sub"]
    row = SPACE_LOOKUP.fetch([key_id, space_id, timezone.now()])
    if row is None:
        return None
    environment_id, account_id = row

    def environment() -> Environment:
        return environment_in(environment_id, principal.account)

    def space() -> Space:
        return space_in(space_id, principal.environment)

    principal = Principal(
        kind=Principal.SPACE,
        id=key_id,
        account_id=account_id,
        environment=environment,
        space=space,
    )
    return principal
