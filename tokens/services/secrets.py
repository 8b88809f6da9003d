"""Secrets of an environment or a space: set (made or changed) and deleted; values encrypted."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.audit import Actor, record_event
from accounts.models import AuditScope, Environment, Space
from portal import encryption
from tokens.models import Secret

SECRET_NAME_MAX_LENGTH = 1024
SECRET_VALUE_MAX_LENGTH = 1024


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
