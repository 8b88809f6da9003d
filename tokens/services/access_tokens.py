"""Access tokens: for an email and password, for legacy client credentials, and for a space
a publishable key has just made."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.utils import timezone

from accounts.audit import record_event
from accounts.models import Membership, Space, User, normalize_email
from accounts.services import verify_second_step_code
from accounts.two_step_policy import second_factor_exists
from portal.ratelimit import TooManyAttempts, clear_failures, lockout_wait
from portal.services import record_use
from tokens import access_tokens, credentials
from tokens.models import ClientCredential
from tokens.services.common import iso


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
    record_event("access-token:created", on=account, actor=user, via=via, expiresAt=iso(expires_at))
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
def access_token_create_for_client(
    *, client_id: str, secret: str, where_from: dict | None = None
) -> IssuedAccessToken:
    """A 24-hour access token for legacy client credentials. The token names its client id,
    so deleting or revoking the credential refuses the token too. `where_from`
    (portal.services.used_from) is noted with the credential's use."""
    if credentials.parse(secret or "") != credentials.CLIENT_SECRET:
        raise InvalidCredentials
    credential = (
        ClientCredential.objects.select_related("user__membership__account")
        .filter(
            pk=client_id,
            secret_digest=credentials.digest(secret),
            user__is_active=True,
            revoked_at__isnull=True,
        )
        .exclude(user__membership=None)
        .first()
    )
    if credential is None:
        raise InvalidCredentials
    record_use(
        model=ClientCredential,
        pk=credential.pk,
        field="last_used_at",
        now=timezone.now(),
        where_from=where_from,
    )
    user = credential.user
    return _access_token_for(
        user, user.membership.account, via="apiCredentials", claims={"cli": credential.id}
    )


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
        expiresAt=iso(expires_at),
    )
    return token
