"""Every write about credentials: one function per operation, atomic, audited. A raw
credential value is returned once by the function that makes it and never stored."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import Actor, record_event
from accounts.models import AuditScope, Environment, Membership, Space, User, normalize_email
from accounts.services import clean_name, verify_second_step_code
from accounts.two_step_policy import second_factor_exists
from portal import encryption
from portal.ratelimit import TooManyAttempts, clear_failures, lockout_wait
from portal.services import model_update, record_use
from tokens import access_tokens, credentials
from tokens.models import (
    ApiKey,
    ClientCredential,
    PersonalAccessToken,
    Secret,
    default_publishable_operations,
)

SECRET_NAME_MAX_LENGTH = 1024
SECRET_VALUE_MAX_LENGTH = 1024
# Lifetimes offered when creating a personal access token (days; None = never expires):
# GitHub's set, so people meet the choices they already know.
TOKEN_LIFETIME_CHOICES = (7, 30, 60, 90, 365, None)
# How long a rolled key may keep working, as offered on the API keys page.
ROLL_GRACE_CHOICES = {
    "now": timedelta(0),
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
}

KEY_PREFIXES = {
    ApiKey.Type.SECRET: credentials.SECRET_KEY,
    ApiKey.Type.PUBLISHABLE: credentials.PUBLISHABLE_KEY,
}


def _account_of_user(user: User):
    return user.membership.account


# Environment API keys ------------------------------------------------------------------


def _api_key_create(*, environment: Environment, key_type: str) -> tuple[ApiKey, str]:
    raw = credentials.generate(KEY_PREFIXES[key_type])
    key = ApiKey.objects.create(
        environment=environment,
        type=key_type,
        digest=credentials.digest(raw),
        encrypted_value=encryption.encrypt(raw),
        last_four=raw[-4:],
        operations=default_publishable_operations() if key_type == ApiKey.Type.PUBLISHABLE else [],
    )
    return key, raw


@transaction.atomic
def api_keys_create_for_environment(
    *, environment: Environment, actor: Actor | None = None
) -> None:
    """An environment's first secret and publishable keys (settings.ENVIRONMENT_CREATED: made
    in the transaction that makes the environment)."""
    for key_type in ApiKey.Type.values:
        key, _raw = _api_key_create(environment=environment, key_type=key_type)
        record_event("api-key:created", on=environment, actor=actor, keyId=key.id, type=key.type)


@dataclass(frozen=True)
class RolledKey:
    key: ApiKey  # the new key
    raw: str  # its value, shown this once
    replaced: ApiKey | None  # the key that was current until now, if there was one
    replaced_until: datetime | None  # when that key stops working; None: it already has


@transaction.atomic
def api_key_roll(
    *, environment: Environment, actor: Actor, key_type: str, keep_old_for: timedelta = timedelta(0)
) -> RolledKey:
    """A new key of `key_type`; the environment's current keys of that type keep working
    for `keep_old_for` (zero: refused at once), then are refused."""
    if key_type not in ApiKey.Type.values:
        raise ValidationError({"type": "Type must be SECRET or PUBLISHABLE."})
    if keep_old_for < timedelta(0) or keep_old_for > max(ROLL_GRACE_CHOICES.values()):
        raise ValidationError({"expires": "The old key may be kept for at most 7 days."})
    now = timezone.now()
    old_keys = ApiKey.objects.select_for_update().filter(environment=environment, type=key_type)
    # Keys already past their expiry are gone for good; live ones get their grace period.
    old_keys.filter(expires_at__lte=now).delete()
    retire_at = now + keep_old_for
    retiring = list(
        old_keys.filter(expires_at__isnull=True) | old_keys.filter(expires_at__gt=retire_at)
    )
    replaced = next((old for old in retiring if old.expires_at is None), None)
    if keep_old_for:
        old_keys.filter(pk__in=[key.pk for key in retiring]).update(
            expires_at=retire_at, updated_at=now
        )
        for old in retiring:
            old.expires_at, old.updated_at = retire_at, now
    else:
        old_keys.filter(pk__in=[key.pk for key in retiring]).delete()
    key, raw = _api_key_create(environment=environment, key_type=key_type)
    record_event(
        "api-key:rolled",
        on=environment,
        actor=actor,
        keyId=key.id,
        type=key_type,
        retiredKeyIds=[old.id for old in retiring],
        oldKeysExpireAt=retire_at.isoformat() if keep_old_for else None,
    )
    return RolledKey(
        key=key,
        raw=raw,
        replaced=replaced,
        replaced_until=retire_at if keep_old_for and replaced else None,
    )


@transaction.atomic
def api_key_reveal(*, api_key: ApiKey, actor: Actor) -> str:
    """A secret key's raw value, for an administrator who asked to see or copy it. Every
    reveal is on the audit trail, so who has seen a key is known when deciding to roll it."""
    record_event(  # never the value
        "api-key:revealed", on=api_key.environment, actor=actor, keyId=api_key.id, type=api_key.type
    )
    return api_key.raw_key


@transaction.atomic
def api_key_delete(*, api_key: ApiKey, actor: Actor) -> None:
    record_event(
        "api-key:deleted", on=api_key.environment, actor=actor, keyId=api_key.id, type=api_key.type
    )
    api_key.delete()


# Personal access tokens ------------------------------------------------------------------


def clean_token_lifetime(days) -> int | None:
    if days in (None, "", "never", 0, "0"):
        return None
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = -1
    if days not in TOKEN_LIFETIME_CHOICES:
        raise ValidationError({"expires_in_days": "Choose 7, 30, 60, 90 or 365 days, or never."})
    return days


@transaction.atomic
def personal_access_token_create(
    *, user: User, name: str, expires_in_days: int | None = None
) -> tuple[PersonalAccessToken, str]:
    name = clean_name(name, what="Token name")
    days = clean_token_lifetime(expires_in_days)
    raw = credentials.generate(credentials.PERSONAL_ACCESS_TOKEN)
    token = PersonalAccessToken.objects.create(
        user=user,
        name=name,
        digest=credentials.digest(raw),
        last_four=raw[-4:],
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    record_event(
        "personal-access-token:created",
        on=_account_of_user(user),
        actor=user,
        tokenId=token.id,
        name=token.name,
        expiresAt=_iso(token.expires_at),
    )
    return token, raw


@transaction.atomic
def personal_access_token_regenerate(
    *, token: PersonalAccessToken, actor: Actor
) -> tuple[PersonalAccessToken, str]:
    """A new value for the same token: name and lifetime kept, the old value refused at once.
    An expired token comes back to life this way, with a fresh lifetime of the same length."""
    lifetime = token.expires_at - token.created_at if token.expires_at else None
    raw = credentials.generate(credentials.PERSONAL_ACCESS_TOKEN)
    now = timezone.now()
    changes = {
        "digest": credentials.digest(raw),
        "last_four": raw[-4:],
        "created_at": now,
        "last_used_at": None,
        "expires_at": now + lifetime if lifetime else None,
    }
    model_update(instance=token, data=changes)
    record_event(
        "personal-access-token:regenerated",
        on=_account_of_user(token.user),
        actor=actor,
        tokenId=token.id,
        name=token.name,
    )
    return token, raw


@transaction.atomic
def personal_access_token_delete(*, token: PersonalAccessToken, actor: Actor) -> None:
    record_event(
        "personal-access-token:deleted",
        on=_account_of_user(token.user),
        actor=actor,
        tokenId=token.id,
        name=token.name,
    )
    token.delete()


# Legacy client credentials ------------------------------------------------------------------


@transaction.atomic
def client_credential_create(*, user: User) -> tuple[ClientCredential, str]:
    secret = credentials.generate(credentials.CLIENT_SECRET)
    credential = ClientCredential.objects.create(
        user=user, secret_digest=credentials.digest(secret), last_four=secret[-4:]
    )
    record_event(
        "client-credential:created", on=_account_of_user(user), actor=user, clientId=credential.id
    )
    return credential, secret


@transaction.atomic
def client_credential_delete(*, credential: ClientCredential, actor: Actor) -> None:
    record_event(
        "client-credential:deleted",
        on=_account_of_user(credential.user),
        actor=actor,
        clientId=credential.id,
    )
    credential.delete()


# Access tokens ------------------------------------------------------------------------------


class InvalidCredentials(Exception):
    """Email and password, or client id and secret, did not match. One error for every
    cause, so the answer never tells which part was wrong or whether the account exists."""


class SecondStepRequired(Exception):
    """Email and password were right, but their user has a second factor: a password alone
    never makes an access token for them (POST /v1/auth's X-Portal-OTP header)."""


class SecondStepRefused(Exception):
    """A right password came with a one-time code that is wrong, expired or already used;
    counted as a failed sign-in, as a wrong password is."""


@dataclass(frozen=True)
class IssuedAccessToken:
    token: str
    expires_at: datetime
    user: User
    account_id: str


def _access_token_for(
    user: User, account, *, via: str, claims: dict | None = None
) -> IssuedAccessToken:
    # The version read with the user: a password set after this refuses the token.
    claims = {**(claims or {}), access_tokens.CREDENTIALS_VERSION: user.credentials_version}
    token, expires_at = access_tokens.issue(kind=access_tokens.USER, subject=user.id, claims=claims)
    record_event(
        "access-token:created", on=account, actor=user, via=via, expiresAt=_iso(expires_at)
    )
    return IssuedAccessToken(token=token, expires_at=expires_at, user=user, account_id=account.id)


@transaction.atomic
def access_token_create_for_password(
    *, email: str, password: str, request, one_time_code: str | None = None
) -> IssuedAccessToken:
    """An administrator's 24-hour access token for email + password, and for a person with a
    second factor a current `one_time_code` too (their authenticator app's, or a recovery
    code). `request` is what django-axes counts the attempt against (its client address); a
    locked-out email and address raises TooManyAttempts without the password being checked."""
    email = normalize_email(email)
    # Django's backend hashes even for an unknown email, so timing does not tell them apart.
    user = authenticate(request, username=email, password=password)
    if user is None and (wait := lockout_wait(request)):
        raise TooManyAttempts(wait)
    membership = (
        Membership.objects.select_related("account")
        .annotate(has_second_factor=second_factor_exists("user"))
        .filter(user=user)
        .first()
        if user
        else None
    )
    if membership is None:
        raise InvalidCredentials
    if membership.has_second_factor:
        if not one_time_code:
            raise SecondStepRequired
        if verify_second_step_code(user, one_time_code) is None:
            # django-axes counts it under the same (email, address) as a wrong password.
            # The failure that reaches the limit is refused as such, as authenticate() does.
            user_login_failed.send(
                sender=__name__, credentials={"username": email}, request=request
            )
            if wait := lockout_wait(request):
                raise TooManyAttempts(wait)
            raise SecondStepRefused
    clear_failures(request, username=email)
    return _access_token_for(user, membership.account, via="userCredentials")


@transaction.atomic
def access_token_create_for_client(*, client_id: str, secret: str) -> IssuedAccessToken:
    """A 24-hour access token for legacy client credentials. The token names its client id,
    so deleting the credential refuses the token too."""
    if credentials.parse(secret or "") != credentials.CLIENT_SECRET:
        raise InvalidCredentials
    credential = (
        ClientCredential.objects.select_related("user__membership__account")
        .filter(pk=client_id, secret_digest=credentials.digest(secret), user__is_active=True)
        .exclude(user__membership=None)
        .first()
    )
    if credential is None:
        raise InvalidCredentials
    record_use(model=ClientCredential, pk=credential.pk, field="last_used_at", now=timezone.now())
    user = credential.user
    return _access_token_for(
        user, user.membership.account, via="apiCredentials", claims={"cli": credential.id}
    )


# Secrets ------------------------------------------------------------------------------------


def _clean_secret_text(value, field: str, what: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= SECRET_NAME_MAX_LENGTH:
        raise ValidationError({field: f"{what} must be 1 to 1024 characters."})
    return value


@transaction.atomic
def secret_upsert(
    *, environment: Environment, actor: Actor, name: str, value: str, space: Space | None = None
) -> tuple[Secret, bool]:
    """Set the secret `name` in this scope (the environment, or one of its spaces); an
    existing one of the same name and scope gets the new value. Returns (secret, created)."""
    name = _clean_secret_text(name, "name", "Name")
    value = _clean_secret_text(value, "value", "Value")
    if space is not None and space.environment_id != environment.id:
        raise ValidationError({"space_id": "That space is not in this environment."})
    secret, created = Secret.objects.select_for_update().get_or_create(
        environment=environment,
        space=space,
        name=name,
        defaults={"encrypted_value": encryption.encrypt(value)},
    )
    if not created:
        secret.encrypted_value = encryption.encrypt(value)
        secret.save(update_fields=["encrypted_value", "updated_at"])
    record_event(
        "secret:created" if created else "secret:updated",
        # From the environment and space given: a secret found (not made) has neither loaded.
        on=AuditScope(environment.account, environment.id, space.id if space else ""),
        actor=actor,
        secretId=secret.id,
        name=name,  # never the value
    )
    return secret, created


@transaction.atomic
def secret_delete(*, secret: Secret, actor: Actor) -> None:
    record_event("secret:deleted", on=secret, actor=actor, secretId=secret.id, name=secret.name)
    secret.delete()


def _iso(moment):
    return moment.isoformat() if moment else None


# Space access tokens ------------------------------------------------------------------------


@dataclass(frozen=True)
class _KeyActor:
    """The publishable key a space token is made for, as the audit trail records actors."""

    id: str


@transaction.atomic
def space_access_token_create(*, space: Space, api_key_id: str) -> str:
    """A 24-hour access token limited to `space`, for the publishable key that has just
    created it (accounts.api.spaces hands it out with the new space). It names the key, so
    it is refused once the key is deleted or has expired, and once the space is gone
    (tokens.verification.SPACE_LOOKUP re-reads both on every request)."""
    token, expires_at = access_tokens.issue(
        kind=access_tokens.SPACE, subject=space.id, claims={"key": api_key_id}
    )
    record_event(
        "access-token:created",
        on=space,
        actor=_KeyActor(api_key_id),
        via="publishableKey",
        expiresAt=_iso(expires_at),
    )
    return token
