"""Personal access tokens: made (shown once), regenerated, deleted."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import Actor, record_event
from accounts.models import User
from accounts.services import clean_name
from portal.services import model_update
from tokens import credentials
from tokens.models import PersonalAccessToken
from tokens.services.common import account_of_user, iso

# Lifetimes offered when creating a personal access token (days; None = never expires):
# GitHub's set, so people meet the choices they already know.
TOKEN_LIFETIME_CHOICES = (7, 30, 60, 90, 365, None)


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
        on=account_of_user(user),
        actor=user,
        tokenId=token.id,
        name=token.name,
        expiresAt=iso(token.expires_at),
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
        on=account_of_user(token.user),
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
