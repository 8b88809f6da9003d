"""Personal access tokens: made (shown once), regenerated, deleted."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import Actor, record_event
from accounts.models import Account, Environment, User
from accounts.services import clean_name
from portal.services import model_update
from tokens import credentials
from tokens.models import PersonalAccessToken
from tokens.services.common import account_of_user, iso

# Lifetimes offered when creating a personal access token (days; None = never expires):
# GitHub's set, so people meet the choices they already know.
TOKEN_LIFETIME_CHOICES = (7, 30, 60, 90, 365, None)


def clean_token_lifetime(days, *, account: Account) -> int | None:
    """A lifetime offered (TOKEN_LIFETIME_CHOICES; None, "" or 0: never), and within the
    account's maximum (Account.token_max_lifetime_days), or a ValidationError naming it."""
    if days in (None, "", "never", 0, "0"):
        days = None
    else:
        try:
            days = int(days)
        except (TypeError, ValueError):
            days = -1
        if days not in TOKEN_LIFETIME_CHOICES:
            raise ValidationError(
                {"expires_in_days": "Choose 7, 30, 60, 90 or 365 days, or never."}
            )
    limit = account.token_max_lifetime_days
    if limit is not None and (days is None or days > limit):
        raise ValidationError(
            {
                "expires_in_days": f"This account allows personal access tokens to live at "
                f"most {limit} days: choose {limit} days or fewer."
            }
        )
    return days


def policy_expiry(created_at, account: Account):
    """When the account's maximum lifetime ends a token made at `created_at`; None: no
    maximum (PersonalAccessToken.policy_expires_at)."""
    limit = account.token_max_lifetime_days
    return created_at + timedelta(days=limit) if limit is not None else None


@transaction.atomic
def personal_access_token_create(
    *,
    user: User,
    name: str,
    expires_in_days: int | None = None,
    read_only: bool = False,
    environments: list[Environment] | None = None,
) -> tuple[PersonalAccessToken, str]:
    """A token of `user`'s, shown once. `environments` (the account's, fetched through the
    caller's reach) narrows it to those; None: every environment. `read_only`: it may read
    and nothing else."""
    name = clean_name(name, what="Token name")
    # Locked, so that a maximum set meanwhile (lifetime_policy) is either seen here or
    # applied to this token by the change that sets it.
    account = Account.objects.select_for_update().get(pk=account_of_user(user).pk)
    days = clean_token_lifetime(expires_in_days, account=account)
    if environments is not None:
        if not environments:
            raise ValidationError({"environments": "Choose at least one environment."})
        if any(environment.account_id != account.pk for environment in environments):
            raise ValidationError({"environments": "Choose environments of your account."})
    raw = credentials.generate(credentials.PERSONAL_ACCESS_TOKEN)
    now = timezone.now()
    token = PersonalAccessToken.objects.create(
        user=user,
        name=name,
        digest=credentials.digest(raw),
        last_four=raw[-4:],
        expires_at=now + timedelta(days=days) if days else None,
        policy_expires_at=policy_expiry(now, account),
        read_only=read_only,
        all_environments=environments is None,
    )
    if environments is not None:
        token.environments.set(environments)
    record_event(
        "personal-access-token:created",
        on=account,
        actor=user,
        tokenId=token.id,
        name=token.name,
        expiresAt=iso(token.expires_at),
        readOnly=read_only,
        environmentIds=None if environments is None else sorted(e.pk for e in environments),
    )
    return token, raw


@transaction.atomic
def personal_access_token_regenerate(
    *, token: PersonalAccessToken, actor: Actor
) -> tuple[PersonalAccessToken, str]:
    """A new value for the same token: name and lifetime kept, the old value refused at once.
    An expired token comes back to life this way, with a fresh lifetime of the same length,
    cut to the account's maximum lifetime where it is longer (or never ends). A revoked one
    does not: it was revoked because its value may be in the wrong hands (an administrator,
    a leak report), and its owner makes a new token instead."""
    if token.is_revoked:
        raise ValidationError("This token was revoked: delete it and create a new one.")
    # Locked as personal_access_token_create locks it: a maximum set meanwhile is seen here.
    account = Account.objects.select_for_update().get(pk=account_of_user(token.user).pk)
    lifetime = token.expires_at - token.created_at if token.expires_at else None
    limit = account.token_max_lifetime_days
    if limit is not None and (lifetime is None or lifetime > timedelta(days=limit)):
        lifetime = timedelta(days=limit)
    raw = credentials.generate(credentials.PERSONAL_ACCESS_TOKEN)
    now = timezone.now()
    changes = {
        "digest": credentials.digest(raw),
        "last_four": raw[-4:],
        "created_at": now,
        "last_used_at": None,
        "last_used_address": None,
        "last_used_client": "",
        "expires_at": now + lifetime if lifetime else None,
        "policy_expires_at": policy_expiry(now, account),
    }
    model_update(instance=token, data=changes)
    record_event(
        "personal-access-token:regenerated",
        on=account,
        actor=actor,
        tokenId=token.id,
        name=token.name,
    )
    return token, raw


@transaction.atomic
def personal_access_token_delete(*, token: PersonalAccessToken, actor: Actor) -> None:
    record_event(
        "personal-access-token:deleted",
        on=account_of_user(token.user),
        actor=actor,
        tokenId=token.id,
        name=token.name,
    )
    token.delete()
