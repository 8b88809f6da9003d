"""An environment's secret and publishable keys: made with it, rolled, revealed, deleted."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import Actor, record_event
from accounts.models import Environment
from portal import encryption
from tokens import credentials
from tokens.models import ApiKey, default_publishable_operations

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
